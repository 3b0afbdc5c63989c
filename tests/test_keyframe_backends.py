"""The diffusion keyframe backends (sdxl, flux_kontext) on tiny random models of the real pipeline classes,
loaded from save_pretrained folders through the backends' own from_pretrained path, on the CPU.

Random weights draw no faces, so identity is checked through what the conditioning does to the pixels:
changing one character's reference changes the image inside that character's box more than elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.diffusion.keyframe_flux_kontext import instruction
from movieagent.diffusion.keyframes import box_mask, keyframe_prompt, keyframe_size, reference_collage
from movieagent.errors import InputError, InputErrors, RenderError
from movieagent.schema import Box, JobCharacter, RenderJob
from tests.conftest import draw_portrait
from tests.tiny_keyframe_models import build_flux_kontext, build_ip_adapter, build_sdxl

# Generation at 256x128 (the tiny models' latents are 32x16), written at the same 2:1 aspect ratio.
WIDTH, HEIGHT = 192, 96
TINY = {"device": "cpu", "steps": 3, "pixels": 256 * 128}
ANN_BOX = (0.04, 0.1, 0.36, 0.9)
BOB_BOX = (0.6, 0.1, 0.36, 0.9)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-keyframe-models")
    sdxl = build_sdxl(root / "sdxl")
    return {"sdxl": sdxl, "ip_adapter": build_ip_adapter(root / "ip-adapter", sdxl), "flux": build_flux_kontext(root / "flux")}


@pytest.fixture(scope="module")
def sdxl(tiny_models: dict[str, Path]):
    return load_backend(
        "keyframe", BackendChoice(kind="sdxl", model=str(tiny_models["sdxl"]), ip_adapter=str(tiny_models["ip_adapter"]), **TINY)
    )


@pytest.fixture(scope="module")
def kontext(tiny_models: dict[str, Path]):
    return load_backend(
        "keyframe", BackendChoice(kind="flux_kontext", model=str(tiny_models["flux"]), max_sequence_length=64, **TINY)
    )


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("references")
    noise = np.random.default_rng(3).integers(0, 256, (96, 96, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "noise.png")
    stripes = np.zeros((90, 160, 3), np.uint8)
    stripes[::8] = (250, 220, 40)
    Image.fromarray(stripes).save(folder / "stripes.png")
    Image.new("RGB", (160, 90), (40, 150, 70)).save(folder / "field.png")
    return {
        "ann": draw_portrait(folder / "ann.png", "#cc3333"),
        "bob": draw_portrait(folder / "bob.png", "#3344cc"),
        "noise": folder / "noise.png",
        "field": folder / "field.png",
        "stripes": folder / "stripes.png",
    }


def make_job(**changes) -> RenderJob:
    fields = {
        "shot_id": "s1-2", "index": 2, "scene_heading": "INT. LAMP ROOM - NIGHT", "location_name": "LAMP ROOM",
        "location_image": None, "time_of_day": "NIGHT", "interior": True, "width": WIDTH, "height": HEIGHT, "fps": 24,
        "num_frames": 48, "size": "medium", "angle": "eye_level", "movement": "static", "transition_in": "cut",
        "transition_out": "cut", "characters": [], "action": "They talk.", "prompt": "Two keepers talk by the lamp.",
        "motion_prompt": "", "seed": 11, "crf": 18, "preset": "veryfast", "output": Path("clips/s1-2.mp4"), "cache_key": "k",
    }  # fmt: skip
    return RenderJob(**{**fields, **changes})


def person(name: str, box: tuple[float, float, float, float], image: Path | None) -> JobCharacter:
    x, y, w, h = box
    return JobCharacter(character_id=name.lower(), name=name, image=image, color="#888888", box=Box(x=x, y=y, w=w, h=h))


def two_shot(images: dict[str, Path], *, ann: str = "ann", location: str | None = "field", **changes) -> RenderJob:
    characters = [person("Ann", ANN_BOX, images[ann]), person("Bob", BOB_BOX, images["bob"])]
    return make_job(characters=characters, location_image=images[location] if location else None, **changes)


def render(backend, job: RenderJob, output: Path) -> np.ndarray:
    backend.render(job, output)
    with Image.open(output) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"), np.float64)


def region(pixels: np.ndarray, box: tuple[float, float, float, float], inset: float = 0.05) -> np.ndarray:
    """The pixels inside `box` (frame fractions), shrunk a little so edges blurred by the decoder do not count."""
    x, y, w, h = box
    height, width = pixels.shape[:2]
    return pixels[
        round((y + inset) * height) : round((y + h - inset) * height), round((x + inset) * width) : round((x + w - inset) * width)
    ]


def between_the_boxes(pixels: np.ndarray) -> np.ndarray:
    width = pixels.shape[1]
    return pixels[:, round((ANN_BOX[0] + ANN_BOX[2] + 0.02) * width) : round((BOB_BOX[0] - 0.02) * width)]


@pytest.mark.parametrize("backend_name", ["sdxl", "kontext"])
def test_keyframe_is_a_png_of_the_job_size_that_a_seed_repeats(
    backend_name: str, request: pytest.FixtureRequest, images: dict[str, Path], tmp_path: Path
) -> None:
    backend = request.getfixturevalue(backend_name)
    job = two_shot(images)

    first = render(backend, job, tmp_path / "a.png")
    again = render(backend, job, tmp_path / "b.png")
    other_seed = render(backend, job.model_copy(update={"seed": 12}), tmp_path / "c.png")

    assert first.shape == (HEIGHT, WIDTH, 3)
    assert first.std() > 5, "a keyframe is not one flat colour"
    assert np.array_equal(first, again) and (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert np.abs(first - other_seed).mean() > 1


@pytest.mark.parametrize("backend_name", ["sdxl", "kontext"])
@pytest.mark.parametrize("characters", [[], [("Ann", None)]], ids=["nobody", "no-reference"])
def test_keyframe_without_character_references(
    backend_name: str, characters: list, request: pytest.FixtureRequest, images: dict[str, Path], tmp_path: Path
) -> None:
    backend = request.getfixturevalue(backend_name)
    job = make_job(characters=[person(name, ANN_BOX, image) for name, image in characters], location_image=images["field"])

    pixels = render(backend, job, tmp_path / "key.png")

    assert pixels.shape == (HEIGHT, WIDTH, 3)
    assert pixels.std() > 5
    assert not list(tmp_path.glob(".*partial*")), "no temporary file is left behind"


def test_sdxl_each_reference_steers_its_own_box(sdxl, images: dict[str, Path], tmp_path: Path) -> None:
    original = render(sdxl, two_shot(images), tmp_path / "ann.png")
    swapped = render(sdxl, two_shot(images, ann="noise"), tmp_path / "noise.png")

    change = np.abs(original - swapped).mean(axis=2)
    in_ann, in_bob = region(change, ANN_BOX).mean(), region(change, BOB_BOX).mean()
    assert in_ann > 1
    assert in_ann > 2 * in_bob, f"Ann's reference changed her box by {in_ann:.2f}, Bob's by {in_bob:.2f}"


def test_sdxl_location_reference_steers_the_background(sdxl, images: dict[str, Path], tmp_path: Path) -> None:
    original = render(sdxl, two_shot(images), tmp_path / "field.png")
    moved = render(sdxl, two_shot(images, location="stripes"), tmp_path / "stripes.png")

    change = np.abs(original - moved).mean(axis=2)
    outside, in_boxes = between_the_boxes(change).mean(), (region(change, ANN_BOX).mean() + region(change, BOB_BOX).mean()) / 2
    assert outside > 1
    assert outside > 1.5 * in_boxes, f"the location changed the background by {outside:.2f}, the people by {in_boxes:.2f}"


def test_sdxl_passes_one_mask_per_reference(sdxl, images: dict[str, Path], tmp_path: Path, monkeypatch) -> None:
    pipeline = sdxl.pipeline()
    calls = []
    real_call = type(pipeline).__call__

    def recording_call(self, *args, **kwargs):
        calls.append(kwargs)
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(type(pipeline), "__call__", recording_call)
    render(sdxl, two_shot(images), tmp_path / "key.png")

    (call,) = calls
    character_images, location_image = call["ip_adapter_image"]
    character_masks, location_mask = call["cross_attention_kwargs"]["ip_adapter_masks"]
    assert len(character_images) == 2 and isinstance(location_image, Image.Image)
    assert tuple(character_masks.shape) == (1, 2, call["height"], call["width"])
    assert tuple(location_mask.shape) == (1, 1, call["height"], call["width"])
    # Ann's mask covers the left of the frame, Bob's the right, the location's what lies between them.
    ann, bob = character_masks[0, 0], character_masks[0, 1]
    assert ann[:, : call["width"] // 3].mean() > 0.5 > ann[:, call["width"] // 2 :].mean()
    assert bob[:, call["width"] * 2 // 3 :].mean() > 0.5 > bob[:, : call["width"] // 2].mean()
    middle_row = location_mask[0, 0, call["height"] // 2]
    assert middle_row[call["width"] // 2] == 1 and middle_row[call["width"] // 5] == 0 and middle_row[call["width"] * 4 // 5] == 0
    scales = {tuple(processor.scale) for processor in pipeline.unet.attn_processors.values() if hasattr(processor, "scale")}
    assert scales == {(0.7, 0.4)}, "both adapters are loaded, at the configured strengths"


def test_flux_kontext_lays_the_references_out_in_their_boxes(images: dict[str, Path]) -> None:
    job = two_shot(images)
    collage = np.asarray(reference_collage(job, (256, 128)), np.float64)

    ann, bob, background = region(collage, ANN_BOX, 0.1), region(collage, BOB_BOX, 0.1), between_the_boxes(collage)
    assert ann[..., 0].mean() > ann[..., 2].mean() + 40, "Ann's red portrait stands in her box"
    assert bob[..., 2].mean() > bob[..., 0].mean() + 40, "Bob's blue portrait stands in his"
    assert np.abs(background - (40, 150, 70)).max() < 3, "the location's picture is the backdrop"
    text = instruction(job, "film still")
    assert "Ann is the person pictured on the left" in text and "Bob is the person pictured on the right" in text
    assert "medium shot" in text and "Two keepers talk by the lamp" in text


def test_preflight_names_each_missing_model_and_how_to_fetch_it(tiny_models: dict[str, Path]) -> None:
    missing = load_backend("keyframe", BackendChoice(kind="sdxl", model="nobody/no-sdxl", ip_adapter="nobody/no-adapter"))
    with pytest.raises(InputErrors) as raised:
        missing.preflight()
    messages = [problem.describe() for problem in raised.value.problems]
    assert len(messages) == 2
    assert "nobody/no-sdxl" in messages[0] and "movieagent fetch -c PROFILE" in messages[0]
    assert "hf download nobody/no-adapter sdxl_models/ip-adapter-plus-face_sdxl_vit-h.safetensors" in messages[1]
    assert "models/image_encoder/model.safetensors" in messages[1]

    with pytest.raises(InputErrors, match="movieagent fetch -c PROFILE"):
        load_backend("keyframe", BackendChoice(kind="flux_kontext", model="nobody/no-kontext")).preflight()

    load_backend(
        "keyframe", BackendChoice(kind="sdxl", model=str(tiny_models["sdxl"]), ip_adapter=str(tiny_models["ip_adapter"]))
    ).preflight()
    load_backend("keyframe", BackendChoice(kind="flux_kontext", model=str(tiny_models["flux"]))).preflight()


def test_a_folder_missing_an_adapter_file_is_named(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    backend = load_backend(
        "keyframe", BackendChoice(kind="sdxl", model=str(tiny_models["sdxl"]), ip_adapter=str(tmp_path), location_weights=None)
    )
    with pytest.raises(InputErrors) as raised:
        backend.preflight()
    (problem,) = raised.value.problems
    assert "sdxl_models/ip-adapter-plus-face_sdxl_vit-h.safetensors" in problem.describe()
    assert "ip-adapter_sdxl_vit-h" not in problem.describe(), "an adapter switched off is not asked for"


def test_a_bad_reference_fails_before_any_model_loads(images: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    job = make_job(characters=[person("Ann", ANN_BOX, broken)])
    for kind in ("sdxl", "flux_kontext"):
        # The model does not exist: reaching the loader would raise InputError, not RenderError.
        backend = load_backend("keyframe", BackendChoice(kind=kind, model="nobody/never-loaded", device="cpu"))
        with pytest.raises(RenderError, match="reference image of Ann"):
            backend.render(job, tmp_path / "key.png")
    assert not (tmp_path / "key.png").exists()


def test_lower_memory_offloads_then_shrinks_then_gives_up(sdxl, kontext) -> None:
    assert sdxl.lower_memory() is False and kontext.lower_memory() is False, "nothing to lower on the CPU"

    gpu = load_backend("keyframe", BackendChoice(kind="flux_kontext", device="cuda"))
    steps = []
    while gpu.lower_memory():
        steps.append((gpu.options.offload, gpu.options.resolution_scale))
    assert steps == [("model", 1.0), ("group", 1.0), ("group", 0.75), ("group", 0.5625), ("group", 0.5)]


def test_after_lowering_memory_the_next_render_draws_smaller_with_the_same_model(
    tiny_models: dict[str, Path], images: dict[str, Path], tmp_path: Path, monkeypatch
) -> None:
    backend = load_backend(
        "keyframe", BackendChoice(kind="sdxl", model=str(tiny_models["sdxl"]), ip_adapter=str(tiny_models["ip_adapter"]), **TINY)
    )
    first_pipeline = backend.pipeline()
    # On a GPU, `lowered` would offload, then shrink; here it shrinks straight away.
    monkeypatch.setattr(
        "movieagent.diffusion.backend.lowered", lambda options: options.model_copy(update={"resolution_scale": 0.5})
    )

    assert backend.lower_memory() is True
    pixels = render(backend, two_shot(images), tmp_path / "smaller.png")

    assert backend.pipeline() is first_pipeline, "a smaller size needs no other model"
    assert backend.options.resolution_scale == 0.5
    assert pixels.shape == (HEIGHT, WIDTH, 3), "drawn smaller, written at the job's size"


def test_sdxl_refuses_a_caching_hook() -> None:
    with pytest.raises(InputError, match="cache"):
        load_backend("keyframe", BackendChoice(kind="sdxl", cache="first_block"))


def test_keyframe_size_keeps_the_aspect_ratio_on_the_model_grid() -> None:
    assert keyframe_size(854, 480, pixels=1024 * 1024, multiple=64) == (1344, 768)
    assert keyframe_size(854, 480, pixels=1024 * 1024, multiple=16) == (1360, 768)
    assert keyframe_size(854, 480, pixels=1024 * 1024, multiple=64, scale=0.5) == (704, 384)
    assert keyframe_size(100, 1000, pixels=64 * 64, multiple=64) == (64, 192)


def test_masks_and_prompt_follow_the_job() -> None:
    mask = np.asarray(box_mask(Box(x=-0.5, y=0.5, w=1.0, h=1.0), (100, 50)))
    assert mask[25:, :50].min() == 255 and mask[:25].max() == 0 and mask[:, 50:].max() == 0, "clipped to the frame"

    assert keyframe_prompt(make_job(), "film still") == "medium shot, eye level. Two keepers talk by the lamp. film still"
    planned = make_job(prompt="Medium shot, eye level. A lamp.")
    assert keyframe_prompt(planned) == "Medium shot, eye level. A lamp", "the planner's framing is not repeated"
    unplanned = make_job(prompt="", characters=[person("Ann", ANN_BOX, None)])
    assert keyframe_prompt(unplanned) == "medium shot, eye level. LAMP ROOM. night. Ann. They talk"


def draw_figure(path: Path, *, head: str = "#e0a070", body: str = "#2040a0", size: tuple[int, int] = (120, 400)) -> Path:
    """A standing cut-out: a head, a wider body with an arm, on transparency (like the bank's pictures)."""
    from PIL import ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([40, 20, 80, 70], fill=head)  # the head: the top of the figure, 20..70 of 400
    draw.rectangle([30, 72, 90, 390], fill=body)
    draw.rectangle([90, 100, 115, 230], fill=body)  # an arm widens the figure on one side only
    image.save(path)
    return path


def test_the_face_adapter_gets_the_head_of_a_full_figure(sdxl, tmp_path: Path, monkeypatch) -> None:
    from movieagent.diffusion.keyframes import face_region

    figure = draw_figure(tmp_path / "figure.png")
    with Image.open(figure) as image:
        face = face_region(image.convert("RGBA"))
    pixels = np.asarray(face.convert("RGB"), np.int16)
    opaque = np.asarray(face.getchannel("A")) > 0
    skin = (np.abs(pixels - (0xE0, 0xA0, 0x70)).sum(axis=2) < 30) & opaque
    assert face.width == face.height, "square, as the image encoder crops it"
    assert face.height <= 0.25 * 400
    assert skin.sum() == pytest.approx(np.pi * 20 * 25, rel=0.1), "the whole head is in"
    assert skin[: face.height // 2].sum() > skin[face.height // 2 :].sum(), "the head is at its top"
    portrait = draw_portrait(tmp_path / "portrait.png")
    with Image.open(portrait) as image:
        assert face_region(image.convert("RGBA")).size == image.size, "a portrait is kept whole"

    # What the pipeline receives for that character is the face, not the figure squeezed into 224 pixels.
    calls = record_pipeline_calls(sdxl, monkeypatch)
    sdxl.render(make_job(characters=[person("Ann", ANN_BOX, figure)]), tmp_path / "key.png")
    (character_image,), _ = calls[0]["ip_adapter_image"]
    assert character_image.width == character_image.height
    seen = np.asarray(character_image, np.int16)
    assert (np.abs(seen - (0xE0, 0xA0, 0x70)).sum(axis=2) < 30).mean() > 0.2, "skin fills much of what the adapter sees (3 % of the whole figure)"


def test_sdxl_masks_are_on_the_device_the_unet_runs_on(sdxl, images: dict[str, Path], tmp_path: Path, monkeypatch) -> None:
    import torch

    pipeline = sdxl.pipeline()
    monkeypatch.setattr(type(pipeline), "_execution_device", property(lambda self: torch.device("meta")))
    calls = record_pipeline_calls(sdxl, monkeypatch)
    sdxl.render(two_shot(images), tmp_path / "key.png")
    masks = calls[0]["cross_attention_kwargs"]["ip_adapter_masks"]
    assert [mask.device.type for mask in masks] == ["meta", "meta"]


def record_pipeline_calls(backend, monkeypatch) -> list[dict]:
    """Replaces the pipeline's call with one that records its arguments and returns a grey image."""
    from types import SimpleNamespace

    pipeline = backend.pipeline()
    calls: list[dict] = []

    def recording_call(self, *args, **kwargs):
        calls.append(kwargs)
        return SimpleNamespace(images=[Image.new("RGB", (kwargs["width"], kwargs["height"]), "grey")])

    monkeypatch.setattr(type(pipeline), "__call__", recording_call)
    return calls
