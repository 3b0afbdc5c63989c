"""Vision metrics with tiny randomly initialised CLIP and DINOv2 models saved to disk and loaded back the way real
weights are. Random weights know nothing, but they keep two truths the tests rest on: identical images embed
identically (cosine 1), and different images do not (cosine < 1)."""

from __future__ import annotations

import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from movieagent.errors import InputError
from movieagent.eval.vision import ShotSample, VisionMetrics, VisionOptions, measure_vision

LETTERS = "abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> tuple[Path, Path]:
    """(clip folder, dino folder), each written by save_pretrained with its processor."""
    from transformers import (
        BitImageProcessor,
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPProcessor,
        CLIPTokenizer,
        Dinov2Config,
        Dinov2Model,
    )

    root = tmp_path_factory.mktemp("vision-models")
    torch.manual_seed(0)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for letter in LETTERS:
        vocab[letter] = len(vocab)
        vocab[f"{letter}</w>"] = len(vocab)
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[])
    layers = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2}
    clip = CLIPModel(
        CLIPConfig(
            text_config={
                **layers,
                "vocab_size": len(vocab),
                "max_position_embeddings": 24,
                "bos_token_id": 0,
                "eos_token_id": 1,
                "pad_token_id": 1,
            },
            vision_config={**layers, "image_size": 32, "patch_size": 8},
            projection_dim=16,
        )
    )
    square = {"size": {"shortest_edge": 32}, "crop_size": {"height": 32, "width": 32}}
    clip.save_pretrained(root / "clip")
    CLIPProcessor(image_processor=CLIPImageProcessor(**square), tokenizer=tokenizer).save_pretrained(root / "clip")
    Dinov2Model(Dinov2Config(**layers, image_size=32, patch_size=8)).save_pretrained(root / "dino")
    BitImageProcessor(**square).save_pretrained(root / "dino")
    return root / "clip", root / "dino"


def noise(path: Path, seed: int, size: tuple[int, int] = (40, 40)) -> Path:
    """A picture nobody else has: seeded coloured noise over a seeded gradient."""
    generator = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, size[0])[None, :, None] * generator.random(3)
    pixels = np.clip(ramp + generator.integers(0, 120, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def copies(source: Path, folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    frames = [folder / f"frame_{index}.png" for index in range(count)]
    for frame in frames:
        frame.write_bytes(source.read_bytes())
    return frames


def options(tiny_models: tuple[Path, Path], **extra) -> VisionOptions:
    return VisionOptions(clip_model=str(tiny_models[0]), dino_model=str(tiny_models[1]), batch_size=4, **extra)


def all_scores(metrics: VisionMetrics) -> list[float]:
    per_shot = [
        value
        for shot in metrics.shots
        for value in [shot.clip_t, shot.ws_fc, *shot.clip_i.values(), *shot.dino.values()]
        if value is not None
    ]
    means = [metrics.clip_t_mean, metrics.clip_i_mean, metrics.dino_mean, metrics.ws_fc_mean, metrics.cs_fc_mean]
    return per_shot + list(metrics.cs_fc.values()) + [value for value in means if value is not None]


def test_scores_are_cosines_and_identical_frames_are_fully_consistent(tiny_models, tmp_path):
    ada, bo = noise(tmp_path / "refs/ada.png", 1), noise(tmp_path / "refs/bo.png", 2)
    still = ShotSample(
        shot_id="s1", prompt="a keeper climbs the stairs", character_ids=["ada"], frames=copies(ada, tmp_path / "s1", 3)
    )
    moving = ShotSample(
        shot_id="s2",
        prompt="two people talk by the lamp",
        character_ids=["ada", "bo"],
        frames=[noise(tmp_path / f"s2/frame_{index}.png", 10 + index) for index in range(3)],
    )
    metrics = measure_vision([still, moving], {"ada": [ada], "bo": [bo]}, options(tiny_models))

    scores = all_scores(metrics)
    assert len(scores) >= 12 and all(math.isfinite(value) and -1 <= value <= 1 for value in scores)
    first, second = metrics.shots
    assert first.clip_t is not None and second.clip_t is not None
    assert first.ws_fc == pytest.approx(1.0, abs=1e-3)  # three identical frames
    assert second.ws_fc is not None and second.ws_fc < 0.999  # three different ones
    # The frame is the reference itself: CLIP and DINO see the same picture.
    assert first.clip_i == {"ada": pytest.approx(1.0, abs=1e-3)} and first.dino == {"ada": pytest.approx(1.0, abs=1e-3)}
    assert set(second.clip_i) == {"ada", "bo"} and max(second.clip_i.values()) < 0.999
    assert set(metrics.cs_fc) == {"ada"}  # bo is in one shot only
    assert metrics.models["clip"] == str(tiny_models[0]) and metrics.models["consistency_features"] == "dino"
    assert "no arcface_model" in metrics.models["arcface"] and metrics.arcface_mean is None


def test_a_swapped_character_scores_lower_than_the_right_one(tiny_models, tmp_path):
    ada, bo = noise(tmp_path / "refs/ada.png", 1), noise(tmp_path / "refs/bo.png", 2)
    references = {"ada": [ada], "bo": [bo]}

    def film(third_shot_shows: Path, name: str) -> VisionMetrics:
        shots = [
            ShotSample(
                shot_id=f"s{index}",
                prompt="ada at the window",
                character_ids=["ada"],
                frames=copies(source, tmp_path / name / f"s{index}", 2),
            )
            for index, source in enumerate([ada, ada, third_shot_shows], start=1)
        ]
        return measure_vision(shots, references, options(tiny_models))

    right, swapped = film(ada, "right"), film(bo, "swapped")

    assert swapped.shots[2].clip_i["ada"] < right.shots[2].clip_i["ada"] - 1e-3
    assert swapped.shots[2].dino["ada"] < right.shots[2].dino["ada"] - 1e-3
    assert swapped.cs_fc["ada"] < right.cs_fc["ada"] - 1e-3
    assert right.cs_fc["ada"] == pytest.approx(1.0, abs=1e-3)
    # The two shots that were not touched score as before; the swapped one is still steady within itself.
    assert swapped.shots[0] == right.shots[0] and swapped.shots[2].ws_fc == pytest.approx(1.0, abs=1e-3)


def test_a_box_crops_the_character_out_of_the_frame(tiny_models, tmp_path):
    ada = noise(tmp_path / "refs/ada.png", 1, size=(32, 32))
    frame = Image.open(noise(tmp_path / "background.png", 7, size=(64, 64)))
    frame.paste(Image.open(ada), (16, 16))
    frame.save(tmp_path / "frame.png")
    shot = ShotSample(shot_id="s1", prompt="ada", character_ids=["ada"], frames=[tmp_path / "frame.png"])
    boxed = shot.model_copy(update={"boxes": {"ada": (0.25, 0.25, 0.5, 0.5)}})

    whole, cropped = (measure_vision([sample], {"ada": [ada]}, options(tiny_models)).shots[0] for sample in (shot, boxed))

    assert cropped.clip_i["ada"] == pytest.approx(1.0, abs=1e-3) and cropped.dino["ada"] == pytest.approx(1.0, abs=1e-3)
    assert whole.clip_i["ada"] < 0.999 and whole.dino["ada"] < 0.999
    assert cropped.clip_t == whole.clip_t  # prompt alignment always looks at the whole frame


def test_a_missing_model_says_how_to_fetch_it(tiny_models, tmp_path):
    frame = noise(tmp_path / "frame.png", 1)
    shot = ShotSample(shot_id="s1", prompt="x", character_ids=[], frames=[frame])
    with pytest.raises(InputError, match=r"hf download nobody/no-such-clip") as missing:
        measure_vision([shot], {}, VisionOptions(clip_model="nobody/no-such-clip", local_files_only=True))
    assert "CLIP" in str(missing.value)
    with pytest.raises(InputError, match="no DINO model folder"):
        measure_vision([shot], {}, VisionOptions(dino_model=str(tmp_path / "nowhere")))
    with pytest.raises(InputError, match="no such image"):
        measure_vision([shot.model_copy(update={"frames": [tmp_path / "gone.png"]})], {}, options(tiny_models))


def test_without_models_there_are_no_scores_and_the_reasons_are_given(tmp_path):
    shot = ShotSample(shot_id="s1", prompt="x", character_ids=["ada"], frames=[noise(tmp_path / "frame.png", 1)])
    metrics = measure_vision([shot], {}, VisionOptions())
    assert metrics.shots[0].model_dump() == {
        "shot_id": "s1",
        "clip_t": None,
        "clip_i": {},
        "dino": {},
        "ws_fc": None,
        "arcface": {},
    }
    assert metrics.models["consistency_features"].startswith("none") and metrics.models["clip"].startswith("not used")


def test_arcface_needs_insightface(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "insightface", None)  # import fails as if it were not installed
    shot = ShotSample(shot_id="s1", prompt="x", character_ids=["ada"], frames=[noise(tmp_path / "frame.png", 1)])
    metrics = measure_vision([shot], {}, options(tiny_models, arcface_model=str(tmp_path / "models/buffalo_l")))
    assert "insightface is not installed" in metrics.models["arcface"] and metrics.shots[0].arcface == {}
    assert metrics.models["consistency_features"] == "dino"


class FakeFaceAnalysis:
    """insightface's FaceAnalysis as far as the metrics use it: one 'face' per picture that is not black,
    whose embedding is the picture's mean colour per quadrant."""

    def __init__(self, name: str, root: str, allowed_modules: list[str], providers: list[str]):
        assert (Path(root) / "models" / name).is_dir() and providers == ["CPUExecutionProvider"]

    def prepare(self, ctx_id: int) -> None:
        assert ctx_id == -1

    def get(self, bgr: np.ndarray) -> list[types.SimpleNamespace]:
        if not bgr.any():
            return []
        half_h, half_w = bgr.shape[0] // 2, bgr.shape[1] // 2
        quadrants = [bgr[:half_h, :half_w], bgr[:half_h, half_w:], bgr[half_h:, :half_w], bgr[half_h:, half_w:]]
        embedding = np.concatenate([quadrant.reshape(-1, 3).mean(axis=0) for quadrant in quadrants]) - 100
        return [
            types.SimpleNamespace(bbox=[0, 0, bgr.shape[1], bgr.shape[0]], normed_embedding=embedding / np.linalg.norm(embedding))
        ]


def test_arcface_faces_measure_consistency_when_insightface_is_there(tmp_path, monkeypatch):
    package, app = types.ModuleType("insightface"), types.ModuleType("insightface.app")
    app.FaceAnalysis = FakeFaceAnalysis
    monkeypatch.setitem(sys.modules, "insightface", package)
    monkeypatch.setitem(sys.modules, "insightface.app", app)
    pack = tmp_path / "models" / "buffalo_l"
    ada, bo = noise(tmp_path / "refs/ada.png", 1), noise(tmp_path / "refs/bo.png", 2)
    shots = [
        ShotSample(shot_id="s1", prompt="x", character_ids=["ada"], frames=copies(ada, tmp_path / "s1", 2)),
        ShotSample(shot_id="s2", prompt="x", character_ids=["ada"], frames=copies(bo, tmp_path / "s2", 2)),
    ]

    with pytest.raises(InputError, match="no insightface model pack"):
        measure_vision(shots, {"ada": [ada]}, VisionOptions(arcface_model=str(pack)))
    pack.mkdir(parents=True)
    (pack / "w600k_r50.onnx").write_bytes(b"")
    metrics = measure_vision(shots, {"ada": [ada]}, VisionOptions(arcface_model=str(pack)))

    assert metrics.models["arcface"] == str(pack) and metrics.models["consistency_features"] == "arcface"
    right, swapped = metrics.shots
    assert right.arcface["ada"] == pytest.approx(1.0, abs=1e-3) and swapped.arcface["ada"] < 0.99
    assert right.ws_fc == pytest.approx(1.0, abs=1e-3) and metrics.cs_fc["ada"] < 0.99
    assert metrics.arcface_mean == pytest.approx((right.arcface["ada"] + swapped.arcface["ada"]) / 2, abs=1e-3)
