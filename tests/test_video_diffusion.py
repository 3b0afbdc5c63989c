"""Image-to-video backends (wan, ltx, cogvideox) on tiny random models of the real pipeline classes, and their clip rules."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from movieagent.backends import load_backend
from movieagent.backends.base import ChecksWeights, LowersMemory
from movieagent.config import BackendChoice
from movieagent.diffusion.clips import generation_size, keyframe_paths, model_frame_count, retime, shot_prompt, write_clip
from movieagent.errors import InputError, InputErrors, RenderError
from movieagent.media import ffmpeg_exe, probe
from movieagent.schema import RenderJob
from tests.media_probe import count_frames
from tests.tiny_video_models import save_cogvideox_i2v, save_ltx_i2v, save_wan_i2v, save_wan_vace

BACKENDS = [
    ("wan", "tiny_wan21"), ("wan", "tiny_wan22"), ("ltx", "tiny_ltx"), ("cogvideox", "tiny_cogvideox"), ("wan_vace", "tiny_wan_vace"),
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="session")
def tiny_wan21(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_wan_i2v(tmp_path_factory.mktemp("wan21-i2v"))


@pytest.fixture(scope="session")
def tiny_wan21_flf2v(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_wan_i2v(tmp_path_factory.mktemp("wan21-flf2v"), first_last=True)


@pytest.fixture(scope="session")
def tiny_wan22(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_wan_i2v(tmp_path_factory.mktemp("wan22-i2v"), image_encoder=False, two_experts=True)


@pytest.fixture(scope="session")
def tiny_wan_vace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_wan_vace(tmp_path_factory.mktemp("wan21-vace"))


@pytest.fixture(scope="session")
def tiny_ltx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_ltx_i2v(tmp_path_factory.mktemp("ltx-i2v"))


@pytest.fixture(scope="session")
def tiny_cogvideox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_cogvideox_i2v(tmp_path_factory.mktemp("cogvideox-i2v"))


def draw_keyframe(path: Path, background: str, disc_left: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (70, 40), background)
    x = 8 if disc_left else 38
    ImageDraw.Draw(image).ellipse([x, 6, x + 24, 34], fill="orange")
    image.save(path)
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    draw_keyframe(tmp_path / "keyframes" / "a.png", "navy")
    draw_keyframe(tmp_path / "keyframes" / "b.png", "navy", disc_left=False)
    draw_keyframe(tmp_path / "keyframes" / "next.png", "darkgreen")
    return tmp_path


def make_job(**changes) -> RenderJob:
    fields = {
        "shot_id": "s1", "index": 1, "scene_heading": "INT. LIGHTHOUSE - NIGHT", "location_name": "lighthouse",
        "location_image": None, "width": 48, "height": 28, "fps": 24, "num_frames": 6, "size": "medium",
        "angle": "eye_level", "movement": "pan_left", "transition_in": "cut", "transition_out": "cut", "characters": [],
        "action": "The keeper climbs the stairs.", "prompt": "a keeper in a lighthouse at night",
        "motion_prompt": "The camera pans left; the keeper walks.", "seed": 7, "crf": 18, "preset": "ultrafast",
        "output": Path("clips/shot_0001_s1.mp4"), "cache_key": "k", "keyframe": Path("keyframes/a.png"),
    }  # fmt: skip
    return RenderJob.model_validate({**fields, **changes})


def video_backend(kind: str, model: Path, **options):
    return load_backend("video", BackendChoice(kind=kind, model=str(model), device="cpu", steps=2, max_pixels=None, **options))


def decoded(path: Path, job: RenderJob) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, job.height, job.width, 3).astype(int)


def render(backend, job: RenderJob, workdir: Path, name: str) -> np.ndarray:
    output = workdir / job.output
    backend.render(job, output)
    return decoded(output.rename(output.with_name(name)), job)


# --- the rules: frames, sizes, retiming, prompts, paths ---------------------------------------------------------------


def test_frame_count_follows_the_shot_at_the_model_rate_on_its_rule_up_to_its_length() -> None:
    assert model_frame_count(7.0, fps=16, frame_step=4, max_frames=81) == 81  # 112 wanted, Wan's cap
    assert model_frame_count(2.0, fps=16, frame_step=4, max_frames=81) == 33  # 32 -> the next 4k+1
    assert model_frame_count(2.0, fps=24, frame_step=8, max_frames=161) == 49  # LTX: 8k+1
    assert model_frame_count(1 / 24, fps=16, frame_step=4, max_frames=81) == 5  # at least one step of motion
    assert model_frame_count(168 / 24, fps=16, frame_step=4, max_frames=257) == 113  # no float rounding up to 117
    assert model_frame_count(7.0, fps=16, frame_step=4, max_frames=83) == 81  # a cap off the rule rounds down onto it


def test_a_7_second_shot_retimes_81_drawn_frames_to_168_at_24_fps_from_first_to_last() -> None:
    frames = model_frame_count(168 / 24, fps=16, frame_step=4, max_frames=81)
    shown = retime(frames, 168)
    assert len(shown) == 168 and shown[0] == 0 and shown[-1] == 80
    assert all(later >= earlier for earlier, later in itertools.pairwise(shown))
    assert set(shown) == set(range(81))  # slowed down, nothing skipped
    assert retime(9, 5) == [0, 2, 4, 6, 8] and retime(9, 1) == [0]


def test_generation_size_keeps_the_aspect_at_the_model_area_on_its_grid() -> None:
    assert generation_size(1280, 720, scale=1.0, multiple=16, max_pixels=832 * 480) == (832, 464)
    assert generation_size(1280, 720, scale=0.75, multiple=16, max_pixels=832 * 480) == (624, 352)
    assert generation_size(640, 360, scale=1.0, multiple=32, max_pixels=768 * 512) == (640, 352)  # small shots stay small
    assert generation_size(70, 40, scale=1.0, multiple=32, max_pixels=None) == (64, 32)
    assert generation_size(20, 20, scale=0.5, multiple=32, max_pixels=None) == (32, 32)  # never below one cell


def test_prompt_leads_with_the_motion_then_the_picture() -> None:
    assert shot_prompt(make_job()) == "The camera pans left; the keeper walks. a keeper in a lighthouse at night"
    assert shot_prompt(make_job(motion_prompt="", prompt="")) == "Camera: pan left. The keeper climbs the stairs."


def test_keyframes_are_found_beside_the_clip_folder_and_checked(workdir: Path) -> None:
    job = make_job(end_keyframe=Path("keyframes/next.png"))
    assert keyframe_paths(job, workdir / job.output) == (workdir / "keyframes/a.png", workdir / "keyframes/next.png")
    with pytest.raises(InputError, match="no keyframe") as error:
        keyframe_paths(make_job(keyframe=None), workdir / job.output)
    assert "render.keyframe" in (error.value.fix or "")
    with pytest.raises(RenderError, match="does not end with"):
        keyframe_paths(job, workdir / "elsewhere.mp4")
    with pytest.raises(RenderError, match="keyframe not found"):
        keyframe_paths(make_job(end_keyframe=Path("keyframes/missing.png")), workdir / job.output)


def test_write_clip_retimes_exactly_and_scales_to_the_job(tmp_path: Path) -> None:
    greys = np.arange(9) * 25 + 20
    drawn = np.repeat(greys, 16 * 32 * 3).reshape(9, 16, 32, 3).astype(np.uint8)  # 9 frames of 32x16, one grey each
    job = make_job(width=48, height=32, num_frames=20)
    write_clip(drawn, job, tmp_path / "clip.mp4")

    info = probe(tmp_path / "clip.mp4")
    assert (info.width, info.height, info.fps, info.pixel_format) == (48, 32, 24.0, "yuv420p")
    levels = decoded(tmp_path / "clip.mp4", job).mean(axis=(1, 2, 3))
    assert len(levels) == 20
    assert np.abs(levels - greys[retime(9, 20)]).max() < 3


# --- the backends on tiny models ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "model"), BACKENDS)
def test_clip_from_a_keyframe_has_the_shot_frames_rate_and_size_and_repeats_for_a_seed(
    kind: str, model: str, workdir: Path, request: pytest.FixtureRequest
) -> None:
    backend = video_backend(kind, request.getfixturevalue(model))
    loads = []
    load = backend.load
    backend.load = lambda: loads.append(1) or load()
    job = make_job()

    first = render(backend, job, workdir, "first.mp4")
    info = probe(workdir / "clips/first.mp4")
    assert (info.video_codec, info.pixel_format, info.width, info.height, info.fps) == ("h264", "yuv420p", 48, 28, 24.0)
    assert not info.has_audio
    assert count_frames(workdir / "clips/first.mp4") == len(first) == 6

    again = render(backend, job, workdir, "again.mp4")
    other_keyframe = render(backend, make_job(keyframe=Path("keyframes/b.png")), workdir, "other.mp4")
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other_keyframe)  # the keyframe reaches the model
    assert first.std() > 1  # something was drawn, not a flat frame
    assert len(loads) == 1  # loaded on the first render, kept for the others


def test_wan22_ends_a_continuing_take_on_the_next_shots_keyframe(tiny_wan22: Path, workdir: Path) -> None:
    backend = video_backend("wan", tiny_wan22)
    alone = render(backend, make_job(), workdir, "alone.mp4")
    continuing = render(backend, make_job(end_keyframe=Path("keyframes/next.png")), workdir, "continuing.mp4")
    assert not np.array_equal(alone[-1], continuing[-1])


def test_wan21_i2v_starts_from_its_keyframe_only(tiny_wan21: Path, workdir: Path) -> None:
    # Its image encoder was trained on a first frame alone: an end keyframe is not passed to it.
    backend = video_backend("wan", tiny_wan21)
    alone = render(backend, make_job(), workdir, "alone.mp4")
    continuing = render(backend, make_job(end_keyframe=Path("keyframes/next.png")), workdir, "continuing.mp4")
    assert np.array_equal(alone, continuing)


def test_wan21_flf2v_draws_between_two_keyframes_and_says_when_there_is_one(tiny_wan21_flf2v: Path, workdir: Path) -> None:
    backend = video_backend("wan", tiny_wan21_flf2v)
    job = make_job(end_keyframe=Path("keyframes/next.png"))
    backend.render(job, workdir / job.output)
    assert count_frames(workdir / job.output) == 6
    with pytest.raises(RenderError, match="two keyframes"):
        backend.render(make_job(), workdir / job.output)


def test_wan_flow_shift_sets_the_scheduler(tiny_wan21: Path) -> None:
    assert video_backend("wan", tiny_wan21).pipeline().scheduler.config.flow_shift == 3.0
    assert video_backend("wan", tiny_wan21, flow_shift=5.0).pipeline().scheduler.config.flow_shift == 5.0


def test_a_shot_without_a_keyframe_fails_before_any_model_loads(tmp_path: Path) -> None:
    backend = video_backend("wan", tmp_path / "never-loaded")
    job = make_job(keyframe=None)
    with pytest.raises(InputError, match="no keyframe"):
        backend.render(job, tmp_path / job.output)


@pytest.mark.parametrize("kind", ["wan", "ltx", "cogvideox", "wan_vace"])
def test_preflight_names_the_missing_model_and_how_to_fetch_it(kind: str, tmp_path: Path) -> None:
    backend = load_backend("video", BackendChoice(kind=kind, model="movieagent-tests/no-such-video-model"))
    assert isinstance(backend, ChecksWeights) and isinstance(backend, LowersMemory)
    with pytest.raises(InputErrors) as missing:
        backend.preflight()
    assert "weights 'movieagent-tests/no-such-video-model'" in str(missing.value)
    assert "movieagent fetch -c PROFILE" in str(missing.value)
    with pytest.raises(InputError, match="cannot load") as unloadable:
        video_backend(kind, tmp_path / "no-folder").pipeline()
    assert "model_index.json" in (unloadable.value.fix or "")


def test_preflight_passes_for_weights_on_disk(tiny_ltx: Path) -> None:
    video_backend("ltx", tiny_ltx).preflight()


def test_lower_memory_offloads_then_draws_smaller(tiny_ltx: Path) -> None:
    assert video_backend("ltx", tiny_ltx).lower_memory() is False  # a CPU has nothing cheaper
    backend = load_backend("video", BackendChoice(kind="wan", device="cuda"))
    job = make_job(width=1280, height=720)
    assert backend.lower_memory() and backend.options.offload == "model"
    assert backend.lower_memory() and backend.options.offload == "group"
    assert backend.scaled_size(job, 16) == (832, 464)
    assert backend.lower_memory()
    assert backend.scaled_size(job, 16) == (624, 352)


def test_options_are_checked_when_the_backend_is_built() -> None:
    with pytest.raises(InputError, match="max_frame"):
        load_backend("video", BackendChoice(kind="ltx", max_frame=97))
    with pytest.raises(InputError, match="model_fps"):
        load_backend("video", BackendChoice(kind="cogvideox", model_fps=0))


@pytest.fixture(scope="session")
def tiny_wan22_ti2v(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_wan_i2v(tmp_path_factory.mktemp("wan22-ti2v"), image_encoder=False, ti2v=True)


def recorded_calls(backend, monkeypatch) -> list[dict]:
    """The keyword arguments of every pipeline call, the pipeline still running."""
    pipeline = backend.pipeline()
    calls: list[dict] = []
    real_call = type(pipeline).__call__
    monkeypatch.setattr(type(pipeline), "__call__", lambda self, **kwargs: calls.append(kwargs) or real_call(self, **kwargs))
    return calls


@pytest.mark.parametrize(
    ("model", "options", "expected"),
    [
        ("tiny_wan21", {}, (5.0, None)),
        ("tiny_wan22", {}, (3.5, 3.5)),  # Wan 2.2 A14B's own, for both experts
        ("tiny_wan22", {"guidance_scale": 4.0}, (4.0, 4.0)),
        ("tiny_wan22", {"guidance_scale": 3.0, "guidance_scale_2": 4.0}, (3.0, 4.0)),
        ("tiny_wan22_ti2v", {}, (5.0, None)),
    ],
)
def test_each_wan_family_gets_its_own_guidance(
    model: str, options: dict, expected: tuple, workdir: Path, request: pytest.FixtureRequest, monkeypatch
) -> None:
    backend = video_backend("wan", request.getfixturevalue(model), **options)
    calls = recorded_calls(backend, monkeypatch)
    backend.render(make_job(), workdir / make_job().output)
    assert (calls[0]["guidance_scale"], calls[0]["guidance_scale_2"]) == expected


def test_wan22_ti2v_5b_animates_its_keyframe_at_its_own_grid(tiny_wan22_ti2v: Path, workdir: Path, monkeypatch) -> None:
    backend = video_backend("wan", tiny_wan22_ti2v, model_fps=24, max_frames=121)
    calls = recorded_calls(backend, monkeypatch)
    first = render(backend, make_job(end_keyframe=Path("keyframes/next.png")), workdir, "first.mp4")
    other = render(backend, make_job(keyframe=Path("keyframes/b.png")), workdir, "other.mp4")
    assert len(first) == 6 and not np.array_equal(first, other), "the keyframe reaches the model"
    assert calls[0]["last_image"] is None, "TI2V takes no end frame"
    assert calls[0]["width"] % 32 == 0 and calls[0]["height"] % 32 == 0, "VAE 16x, patches 2x"


def test_wan_vace_keeps_the_bank_pictures_in_view_through_the_clip(tiny_wan_vace: Path, workdir: Path, monkeypatch) -> None:
    from movieagent.schema import Box, JobCharacter

    from tests.test_keyframe_backends import draw_figure

    def shot(figure: Path, **changes) -> RenderJob:
        mara = JobCharacter(character_id="mara", name="Mara", image=figure, color="#888888", box=Box(x=0.1, y=0.1, w=0.4, h=0.9))
        return make_job(characters=[mara], location_image=workdir / "keyframes" / "next.png", **changes)

    red, blue = draw_figure(workdir / "red.png", body="#c02020"), draw_figure(workdir / "blue.png", body="#2020c0")
    backend = video_backend("wan_vace", tiny_wan_vace)
    calls = recorded_calls(backend, monkeypatch)
    in_red = render(backend, shot(red), workdir, "red.mp4")
    in_blue = render(backend, shot(blue), workdir, "blue.mp4")
    continuing = render(backend, shot(red, end_keyframe=Path("keyframes/b.png")), workdir, "continuing.mp4")

    assert len(in_red) == len(continuing) == 6
    # The same seed and keyframe: only the reference differs, and it reaches the drawn frames.
    assert not np.array_equal(in_red[1:], in_blue[1:]), "the character's picture steers the frames after the keyframe"
    figure, place = calls[0]["reference_images"]
    assert figure.getpixel((2, 2)) == (255, 255, 255) and figure.getpixel((60, 200)) == (0xC0, 0x20, 0x20), "the figure on white"
    assert place.size == (70, 40), "then the location's picture"
    first_mask, last_mask = np.asarray(calls[0]["mask"][0]), np.asarray(calls[0]["mask"][-1])
    assert first_mask.max() == 0 and last_mask.min() == 255, "the keyframe is kept, the rest is drawn"
    assert np.asarray(calls[2]["mask"][-1]).max() == 0, "a continuing take keeps the next shot's keyframe as its end"
    assert len(calls[2]["video"]) == calls[2]["num_frames"]

    one = video_backend("wan_vace", tiny_wan_vace, max_references=1, location_reference=False)
    assert len(one.references(shot(red))) == 1
