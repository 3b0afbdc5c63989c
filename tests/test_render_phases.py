"""Render phases on the short example (preview keyframes, then preview clips), the cache per phase, continuity, out of memory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent import load_settings, make_movie
from movieagent.backends.base import RenderPhase
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors, RenderError
from movieagent.ingest import load_bank
from movieagent.render.jobs import build_jobs
from movieagent.render.runner_local import visible_gpus
from movieagent.render.worker import is_out_of_memory, render_job
from movieagent.schema import Plan, RenderJob, Timeline
from movieagent.workspace import Workspace
from tests.media_probe import frame_at
from tests.test_render_cache import job as small_job

ROOT = Path(__file__).resolve().parents[1]
SHORT_SCRIPT = ROOT / "examples/short/the-lighthouse-keeper.fountain"
SHORT_BANK = ROOT / "character_bank/lighthouse"
WIDTH, HEIGHT, FPS = 160, 90, 8
NO_DECORATION = {"shot_label": False, "speaker_cue": False}


def settings(**render):
    return load_settings(
        progress=False,
        video={"width": WIDTH, "height": HEIGHT, "fps": FPS, "preset": "ultrafast"},
        render={
            "keyframe": {"kind": "preview"},
            "video": {"kind": "preview", **NO_DECORATION},
            "runner": {"kind": "local", "workers": 1},
            **render,
        },
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("phases")
    return make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings(), stop_after="render")


def keyframes_of(outdir: Path) -> list[Path]:
    return sorted((outdir / "keyframes").glob("shot_*.png"))


def test_every_shot_gets_a_keyframe_of_the_clip_size_showing_its_first_frame(rendered):
    plan = Plan.model_validate_json(rendered.plan.read_text())
    timeline = Timeline.model_validate_json((rendered.outdir / "timeline.json").read_text())
    keyframes = keyframes_of(rendered.outdir)
    assert [path.stem.split("_", 2)[2] for path in keyframes] == [shot.id for shot in plan.shots()]
    assert (rendered.keyframes_rendered, rendered.keyframes_cached) == (len(keyframes), 0)
    clips = sorted((rendered.outdir / "clips").glob("shot_*.mp4"))
    moving = 0
    for shot, timing, keyframe, clip in zip(plan.shots(), timeline.shots, keyframes, clips, strict=True):
        with Image.open(keyframe) as image:
            assert image.size == (WIDTH, HEIGHT)
            pixels = np.asarray(image.convert("RGB")).astype(int)
        assert pixels.std() > 10, "a keyframe shows a picture, not a flat colour"
        if shot.transition_in.value == "fade":
            continue  # the clip starts black; the keyframe is the picture it fades into
        # The preview clip's first frame is the same drawing (up to H.264's losses)...
        first = np.abs(pixels - frame_at(clip, 0, WIDTH, HEIGHT)).mean()
        assert first < 4, keyframe.name
        if shot.movement.value != "static":
            # ... and where the camera moves, the keyframe is where it starts, not where it ends.
            last = np.abs(pixels - frame_at(clip, (timing.num_frames - 1) / FPS, WIDTH, HEIGHT)).mean()
            assert first < last, keyframe.name
            moving += 1
    assert moving >= 2


def test_editing_one_shot_redraws_only_its_keyframe_and_clip(rendered, tmp_path):
    outdir = tmp_path / "movie"
    shutil.copytree(rendered.outdir, outdir)
    plan = json.loads((outdir / "plan.json").read_text())
    edited = plan["scenes"][0]["shots"][1]
    edited["size"] = "wide" if edited["size"] != "wide" else "close_up"
    (tmp_path / "edited.json").write_text(json.dumps(plan))
    before = {path.name: path.read_bytes() for path in keyframes_of(outdir)}

    again = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings(), plan_file=tmp_path / "edited.json", stop_after="render")

    assert (again.keyframes_rendered, again.clips_rendered) == (1, 1)
    assert (again.keyframes_cached, again.clips_cached) == (again.shots - 1, again.shots - 1)
    after = {path.name: path.read_bytes() for path in keyframes_of(outdir)}
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [f"shot_0002_{edited['id']}.png"]


def test_a_render_backend_that_cannot_be_built_fails_before_planning(tmp_path):
    broken = settings(video={"kind": "preview", "threads": 99})
    with pytest.raises(InputError, match="threads"):
        make_movie(SHORT_SCRIPT, SHORT_BANK, tmp_path, broken)
    assert not (tmp_path / "plan.json").exists(), "no planning (nor any other work) before the backends are checked"


def test_continuity_ends_a_shot_on_the_keyframe_of_the_take_it_continues(rendered, tmp_path):
    plan = Plan.model_validate_json(rendered.plan.read_text())
    timeline = Timeline.model_validate_json((rendered.outdir / "timeline.json").read_text())
    bank = load_bank(SHORT_BANK)
    # The third shot becomes the second one filmed on: same framing, same people in the same places.
    second, third = plan.scenes[0].shots[1:3]
    third.size, third.angle, third.characters = second.size, second.angle, [placed.model_copy() for placed in second.characters]

    def jobs(continuity: bool) -> list[RenderJob]:
        return build_jobs(plan, timeline, bank, settings().video, settings(continuity=continuity).render, Workspace(tmp_path))

    continued, plain = jobs(True), jobs(False)
    assert [job.end_keyframe for job in continued if job.end_keyframe] == [Path("keyframes") / f"shot_0003_{third.id}.png"]
    assert continued[1].end_keyframe == continued[2].keyframe
    assert all(job.end_keyframe is None for job in plain)

    # A new keyframe for the third shot means a new clip for the second one too, but only with continuity.
    third.prompt = "the same place at another moment"
    continued_after, plain_after = jobs(True), jobs(False)
    assert continued_after[2].keyframe_key != continued[2].keyframe_key
    assert continued_after[1].cache_key != continued[1].cache_key
    assert continued_after[0].cache_key == continued[0].cache_key
    assert plain_after[1].cache_key == plain[1].cache_key


def test_missing_weights_of_every_phase_are_named_before_planning(tmp_path):
    pytest.importorskip("diffusers", reason="the diffusion backends are an optional extra")
    keyframe_model, video_model = tmp_path / "no-sdxl-here", tmp_path / "no-wan-here"
    missing = settings(keyframe={"kind": "sdxl", "model": str(keyframe_model)}, video={"kind": "wan", "model": str(video_model)})
    with pytest.raises(InputErrors) as raised:
        make_movie(SHORT_SCRIPT, SHORT_BANK, tmp_path / "out", missing)
    named = [problem.message for problem in raised.value.problems]
    assert any(str(keyframe_model) in message for message in named) and any(str(video_model) in message for message in named)
    assert all(problem.fix for problem in raised.value.problems), "each missing model says how to fetch it"
    assert not (tmp_path / "out" / "plan.json").exists()


class OutOfMemoryError(RuntimeError):
    """Named like torch's, which render/worker.py recognises by name."""


class RunsOutOnce:
    """A keyframe backend that runs out of GPU memory on its first shot, until its memory is lowered."""

    def __init__(self, can_lower: bool):
        self.can_lower = can_lower
        self.lowered = False
        self.attempts = 0

    def lower_memory(self) -> bool:
        self.lowered = self.can_lower
        return self.can_lower

    def render(self, job: RenderJob, output: Path) -> None:
        self.attempts += 1
        if not self.lowered:
            Path(output).write_bytes(b"half a file")
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        Image.new("RGB", (job.width, job.height), "navy").save(output, format="PNG")


def keyframe_job() -> RenderJob:
    return small_job(1, "a").model_copy(update={"keyframe": Path("keyframes/shot_0001_a.png"), "keyframe_key": "k"})


def test_out_of_memory_retries_with_lowered_memory(tmp_path):
    backend = RunsOutOnce(can_lower=True)
    phase = RenderPhase(family="keyframe", backend=BackendChoice(kind="preview"))
    result = render_job(backend, keyframe_job(), phase, tmp_path)
    assert backend.attempts == 2
    with Image.open(result.path) as image:
        assert image.size == (64, 48) and image.getpixel((10, 10)) == (0, 0, 128)


def test_out_of_memory_at_the_cheapest_setting_names_the_shot_and_leaves_no_file(tmp_path):
    backend = RunsOutOnce(can_lower=False)
    phase = RenderPhase(family="keyframe", backend=BackendChoice(kind="preview"))
    with pytest.raises(RenderError, match=r"shot 1 \(a\): out of GPU memory"):
        render_job(backend, keyframe_job(), phase, tmp_path)
    assert list((tmp_path / "keyframes").iterdir()) == [], "the half-written file of the failed try is gone"


def test_out_of_memory_is_recognised_by_name_or_message_through_wrappers():
    try:
        try:
            raise OutOfMemoryError("tried to allocate")
        except OutOfMemoryError as inner:
            raise RuntimeError("VAE decode failed") from inner
    except RuntimeError as wrapped:
        assert is_out_of_memory(wrapped)
    assert is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert not is_out_of_memory(ValueError("height must be even"))


def test_visible_gpus_follow_cuda_visible_devices(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,0")
    assert visible_gpus() == ["2", "0"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,-1,3")
    assert visible_gpus() == ["1"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert visible_gpus() == []


def fake_program(folder: Path, name: str, output: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    # printf is built into the shell: the test's PATH may hold nothing else.
    lines = " ".join(f"'{line}'" for line in output.splitlines())
    program.write_text(f"#!/bin/sh\nprintf '%s\\n' {lines}\n", encoding="utf-8")
    program.chmod(0o755)
    return program


def test_gpus_are_counted_by_nvidia_smi_where_the_driver_folder_is_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr("movieagent.render.runner_local.NVIDIA_GPU_FOLDER", tmp_path / "no-such-folder")
    listing = (
        "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1111)\n"
        "  MIG 3g.40gb     Device  0: (UUID: MIG-aaaa)\n"
        "GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-2222)"
    )
    fake_program(tmp_path / "bin", "nvidia-smi", listing)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert visible_gpus() == ["0", "1"]


def test_without_the_folder_or_nvidia_smi_torch_counts_the_gpus_in_another_process(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr("movieagent.render.runner_local.NVIDIA_GPU_FOLDER", tmp_path / "no-such-folder")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    # A stand-in for the Python that would import torch: it answers what torch.cuda.device_count() printed.
    monkeypatch.setattr("sys.executable", str(fake_program(tmp_path / "bin", "python", "3")))
    assert visible_gpus() == ["0", "1", "2"]
    monkeypatch.setattr("sys.executable", str(fake_program(tmp_path / "broken", "python", "Traceback: no module named torch")))
    assert visible_gpus() == []


def test_counting_gpus_never_imports_torch_here():
    probe = (
        "import sys, pathlib\n"
        "import movieagent.render.runner_local as runner\n"
        "runner.NVIDIA_GPU_FOLDER = pathlib.Path('/no/such/folder')\n"
        "print(runner.visible_gpus(), 'torch' in sys.modules)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "CUDA_VISIBLE_DEVICES"}
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment, timeout=120)
    assert shown.stdout.split()[-1] == "False"
