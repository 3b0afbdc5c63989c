"""The speed options of every diffusion backend on tiny random models: a caching hook on every denoiser that takes
one (both of Wan 2.2's experts included), attention backends, and clear errors where this diffusers or this machine
cannot do what the profile asks, raised when the backend is built (the preflight), not minutes later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.diffusion.loading import denoisers
from movieagent.errors import InputError
from tests.conftest import draw_portrait
from tests.test_keyframe_backends import ANN_BOX, make_job as keyframe_job, person
from tests.test_video_diffusion import decoded, draw_keyframe, make_job
from tests.tiny_keyframe_models import build_flux_kontext
from tests.tiny_video_models import save_cogvideox_i2v, save_ltx_i2v, save_wan_i2v, save_wan_vace

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# A threshold no step stays under: after the first step the first block's change is always "small", so the
# remaining blocks are skipped and the result differs from running every block.
SKIP_ALL = {"cache": "first_block", "cache_options": {"threshold": 10.0}}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models-options")
    return {
        "wan21": save_wan_i2v(root / "wan21"),
        "wan22": save_wan_i2v(root / "wan22", image_encoder=False, two_experts=True),
        "ltx": save_ltx_i2v(root / "ltx"),
        "cogvideox": save_cogvideox_i2v(root / "cogvideox"),
        "vace": save_wan_vace(root / "vace"),
        "flux": build_flux_kontext(root / "flux"),
    }


def render_video(kind: str, model: Path, folder: Path, **options) -> np.ndarray:
    backend = load_backend("video", BackendChoice(kind=kind, model=str(model), device="cpu", steps=4, max_pixels=None, **options))
    draw_keyframe(folder / "keyframes" / "a.png", "navy")
    job = make_job()
    backend.render(job, folder / job.output)
    assert all(denoiser.is_cache_enabled == ("cache" in options) for denoiser in denoisers(backend.pipeline()))
    return decoded(folder / job.output, job)


@pytest.mark.parametrize(
    ("kind", "model"), [("wan", "wan21"), ("wan", "wan22"), ("ltx", "ltx"), ("cogvideox", "cogvideox"), ("wan_vace", "vace")]
)
def test_a_cache_runs_on_every_video_backend_and_skips_work(kind: str, model: str, models: dict[str, Path], tmp_path: Path) -> None:
    cached = render_video(kind, models[model], tmp_path / "cached", **SKIP_ALL)
    every_block = render_video(kind, models[model], tmp_path / "every-block")
    assert cached.shape == every_block.shape
    assert not np.array_equal(cached, every_block), "the hook skipped blocks"


def test_flux_kontext_runs_with_a_cache(models: dict[str, Path], tmp_path: Path) -> None:
    # FluxKontextPipeline opens no cache context of its own: without one the hook stops with "No cache context is set".
    job = keyframe_job(characters=[person("Ann", ANN_BOX, draw_portrait(tmp_path / "ann.png", "#cc3333"))])
    images = {}
    for name, options in (("cached", SKIP_ALL), ("every-block", {})):
        backend = load_backend(
            "keyframe",
            BackendChoice(kind="flux_kontext", model=str(models["flux"]), device="cpu", steps=3, pixels=256 * 128, max_sequence_length=64, **options),
        )
        backend.render(job, tmp_path / f"{name}.png")
        images[name] = np.asarray(Image.open(tmp_path / f"{name}.png"), np.int16)
    assert images["cached"].shape == images["every-block"].shape == (job.height, job.width, 3)
    assert not np.array_equal(images["cached"], images["every-block"])


def test_wan22_second_expert_gets_the_attention_backend_and_the_cache(models: dict[str, Path]) -> None:
    backend = load_backend(
        "video",
        BackendChoice(kind="wan", model=str(models["wan22"]), device="cpu", attention_backend="_native_math", cache="first_block"),
    )
    pipeline = backend.pipeline()
    assert [name for name in ("transformer", "transformer_2") if getattr(pipeline, name) is not None] == ["transformer", "transformer_2"]
    for expert in (pipeline.transformer, pipeline.transformer_2):
        assert expert.is_cache_enabled
        backends = {getattr(module.processor, "_attention_backend", None) for module in expert.modules() if hasattr(module, "processor")}
        assert {str(getattr(value, "value", value)) for value in backends} == {"_native_math"}
    assert pipeline.transformer._cache_config is not pipeline.transformer_2._cache_config, "each expert keeps its own hook state"


@pytest.mark.parametrize(("kind", "class_name", "release"), [("taylorseer", "TaylorSeerCacheConfig", "0.36"), ("mag", "MagCacheConfig", "0.37")])
def test_a_cache_this_diffusers_lacks_names_the_release_that_has_it(kind: str, class_name: str, release: str, monkeypatch) -> None:
    import diffusers
    import diffusers.hooks

    # As on diffusers 0.35: neither config class exists.
    for name in ("TaylorSeerCacheConfig", "MagCacheConfig"):
        monkeypatch.delattr(diffusers.hooks, name)
        monkeypatch.delattr(diffusers, name, raising=False)
    with pytest.raises(InputError, match=f"needs diffusers {release} or newer") as error:
        load_backend("video", BackendChoice(kind="wan", cache=kind))
    assert f"diffusers>={release}" in (error.value.fix or "") and "first_block" in (error.value.fix or "")
    # The hooks this diffusers has still work.
    assert load_backend("video", BackendChoice(kind="wan", cache="first_block", cache_options={"threshold": 0.05})).options.cache


def test_cache_options_are_checked_when_the_backend_is_built() -> None:
    with pytest.raises(InputError, match="cache 'first_block'") as error:
        load_backend("video", BackendChoice(kind="ltx", cache="first_block", cache_options={"treshold": 0.05}))
    assert "FirstBlockCacheConfig" in (error.value.fix or "")


def test_an_attention_backend_without_its_package_is_refused_with_the_install_command(monkeypatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "flash_attn" else real_find_spec(name, *a))
    with pytest.raises(InputError, match="needs the package flash-attn") as error:
        load_backend("video", BackendChoice(kind="wan", attention_backend="flash"))
    assert "pip install flash-attn" in (error.value.fix or "") and "_native_cudnn" in (error.value.fix or "")

    with pytest.raises(InputError, match="not one of diffusers' attention backends") as unknown:
        load_backend("keyframe", BackendChoice(kind="flux_kontext", attention_backend="flash2"))
    assert "_native_cudnn" in (unknown.value.fix or "")
    assert load_backend("video", BackendChoice(kind="wan", attention_backend="_native_cudnn")).options.attention_backend


@pytest.mark.parametrize("profile", sorted(path.stem for path in (Path(__file__).resolve().parents[1] / "configs").glob("gpu-*.yaml")))
def test_every_gpu_profile_builds_its_backends(profile: str) -> None:
    from movieagent import load_settings

    render = load_settings(profile).render
    for family, choice in (("keyframe", render.keyframe), ("video", render.video)):
        if choice is not None:
            assert load_backend(family, choice).options.model
