"""`movieagent fetch`: the real huggingface_hub client against a fake Hub on a loopback port (tests/fake_hub.py).

The profile's repos are laid out like the real ones: pipelines with sharded safetensors, fp16 variants, .bin copies
and big single-file checkpoints at the root; an IP-Adapter repo with adapters and encoders for several models.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi, constants

from movieagent import load_settings
from movieagent.diffusion.downloads import describe, download, fetch_plan, pipeline_files
from movieagent.errors import InputError, MovieAgentError
from tests.conftest import draw_portrait
from tests.fake_hub import COMMIT, FakeHub, serve

PART = ["diffusers", "SomeModel"]
VIDEO_INDEX = {"_class_name": "WanImageToVideoPipeline", "transformer": PART, "text_encoder": ["transformers", "UMT5EncoderModel"],
               "tokenizer": ["transformers", "T5TokenizerFast"], "vae": PART, "scheduler": ["diffusers", "UniPCMultistepScheduler"],
               "transformer_2": [None, None], "image_encoder": [None, None]}  # fmt: skip
VIDEO_NEEDED = {
    "model_index.json": json.dumps(VIDEO_INDEX).encode(),
    "transformer/config.json": b"{}",
    "transformer/diffusion_pytorch_model.safetensors.index.json": b"{}",
    "transformer/diffusion_pytorch_model-00001-of-00002.safetensors": b"t" * 3000,
    "transformer/diffusion_pytorch_model-00002-of-00002.safetensors": b"u" * 2000,
    "text_encoder/config.json": b"{}",
    "text_encoder/model.safetensors": b"e" * 1500,
    "tokenizer/spiece.model": b"s" * 100,
    "tokenizer/tokenizer_config.json": b"{}",
    "tokenizer/special_tokens_map.json": b"{}",
    "vae/config.json": b"{}",
    "vae/diffusion_pytorch_model.safetensors": b"v" * 700,
    "scheduler/scheduler_config.json": b"{}",
}
VIDEO_EXTRA = {
    "transformer/diffusion_pytorch_model.fp16-00001-of-00002.safetensors": b"h" * 1500,
    "transformer/diffusion_pytorch_model.safetensors.index.fp16.json": b"{}",
    "text_encoder/pytorch_model.bin": b"b" * 1500,
    "vae/diffusion_pytorch_model.bin": b"w" * 700,
    "transformer_2/config.json": b"{}",
    "ltx-video-2b-v0.9.safetensors": b"x" * 9000,  # a single-file checkpoint at the root
    "README.md": b"# a model",
    "assets/demo.mp4": b"m" * 800,
}
ADAPTER_NEEDED = {
    "sdxl_models/ip-adapter-plus-face_sdxl_vit-h.safetensors": b"f" * 800,
    "sdxl_models/ip-adapter_sdxl_vit-h.safetensors": b"p" * 600,
    "models/image_encoder/config.json": b"{}",
    "models/image_encoder/model.safetensors": b"i" * 900,
}
ADAPTER_EXTRA = {
    "sdxl_models/ip-adapter_sdxl.safetensors": b"q" * 600,
    "sdxl_models/image_encoder/model.safetensors": b"g" * 1800,
    "models/image_encoder/pytorch_model.bin": b"j" * 900,
    "models/ip-adapter_sd15.bin": b"k" * 400,
}
SDXL_INDEX = {"_class_name": "StableDiffusionXLPipeline", "unet": PART, "vae": PART, "scheduler": PART,
              "text_encoder": PART, "text_encoder_2": PART, "tokenizer": PART, "tokenizer_2": PART,
              "image_encoder": [None, None], "feature_extractor": [None, None]}  # fmt: skip
SDXL_NEEDED = {
    "model_index.json": json.dumps(SDXL_INDEX).encode(),
    **{f"{part}/config.json": b"{}" for part in ("unet", "vae", "text_encoder", "text_encoder_2")},
    "unet/diffusion_pytorch_model.safetensors": b"n" * 2500,
    "vae/diffusion_pytorch_model.safetensors": b"a" * 300,
    "text_encoder/model.safetensors": b"c" * 400,
    "text_encoder_2/model.safetensors": b"d" * 600,
    **{f"{tokenizer}/{name}": b"{}" for tokenizer in ("tokenizer", "tokenizer_2") for name in ("vocab.json", "merges.txt")},
    "scheduler/scheduler_config.json": b"{}",
}
SDXL_EXTRA = {
    "unet/diffusion_pytorch_model.fp16.safetensors": b"o" * 1250,
    "unet/diffusion_pytorch_model.bin": b"r" * 2500,
    "unet/openvino_model.xml": b"<xml/>",
    "sd_xl_base_1.0.safetensors": b"z" * 7000,
}
PROFILE = """render:
  keyframe: {kind: sdxl, model: acme/sdxl, ip_adapter: acme/ip-adapter}
  video: {kind: wan, model: acme/video}
"""


@pytest.fixture
def hub():
    repos = {
        "acme/video": {**VIDEO_NEEDED, **VIDEO_EXTRA},
        "acme/ip-adapter": {**ADAPTER_NEEDED, **ADAPTER_EXTRA},
        "acme/sdxl": {**SDXL_NEEDED, **SDXL_EXTRA},
        "acme/gated": dict(VIDEO_NEEDED),
    }
    with serve(FakeHub(repos=repos, gated={"acme/gated"})) as running:
        yield running


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch) -> Path:
    # What HF_HOME sets when huggingface_hub is imported; this process imported it already.
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return tmp_path / "hf" / "hub"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "gpu-acme.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def test_the_plan_lists_exactly_the_files_each_model_loads_with_their_sizes(hub: FakeHub, hf_cache: Path, profile: Path) -> None:
    plan = {repo.repo: repo for repo in fetch_plan(load_settings(profile).render, HfApi(endpoint=hub.url))}

    assert set(plan["acme/video"].files) == set(VIDEO_NEEDED)
    assert set(plan["acme/sdxl"].files) == set(SDXL_NEEDED)
    assert set(plan["acme/ip-adapter"].files) == set(ADAPTER_NEEDED)
    assert plan["acme/video"].files["transformer/diffusion_pytorch_model-00001-of-00002.safetensors"] == 3000
    assert {repo.commit for repo in plan.values()} == {COMMIT}, "the commit the sizes came from"
    lines = describe(list(plan.values()), list_files=True)
    needed = sum(map(len, (*VIDEO_NEEDED.values(), *SDXL_NEEDED.values(), *ADAPTER_NEEDED.values())))
    assert lines[0].startswith(f"{len(VIDEO_NEEDED) + len(SDXL_NEEDED) + len(ADAPTER_NEEDED)} files in 3 repositories")
    assert f"{needed / 1e9:.1f} GB to download" in lines[0]
    assert any("ip-adapter-plus-face_sdxl_vit-h.safetensors" in line for line in lines)
    # Listing downloads nothing but the pipelines' model_index.json (to learn their parts).
    assert sorted(hub.downloads()) == ["/acme/sdxl/resolve/" + COMMIT + "/model_index.json", "/acme/video/resolve/" + COMMIT + "/model_index.json"]


def test_fetch_downloads_only_the_plan_and_continues_a_cut_download(hub: FakeHub, hf_cache: Path, profile: Path) -> None:
    api = HfApi(endpoint=hub.url)
    shard = "transformer/diffusion_pytorch_model-00001-of-00002.safetensors"
    # Bigger than the client's 10 MB read: it keeps the first 10 MB when the connection drops at half of 21 MB.
    hub.repos["acme/video"][shard] = big = bytes(range(256)) * (21 * 2**20 // 256)
    plan = fetch_plan(load_settings(profile).render, api)
    hub.cut_once.add(f"acme/video/{shard}")

    folders = download(plan, api)

    video = Path(folders[[repo.repo for repo in plan].index("acme/video")])
    assert video == hf_cache / "models--acme--video" / "snapshots" / COMMIT
    assert (hf_cache / "models--acme--video" / "refs" / "main").read_text() == COMMIT, "found by name offline"
    assert {str(path.relative_to(video)) for path in video.rglob("*") if path.is_file()} == set(VIDEO_NEEDED)
    assert all((video / name).read_bytes() == content for name, content in {**VIDEO_NEEDED, shard: big}.items())
    ranges = [rng for method, path, rng in hub.requests if method == "GET" and path.endswith(shard)]
    assert ranges == ["", f"bytes={10 * 2**20}-"], "the cut download was continued where it stopped"
    fetched = {path.rpartition(f"/resolve/{COMMIT}/")[2] for path in hub.downloads()}
    assert not fetched & (set(VIDEO_EXTRA) | set(SDXL_EXTRA) | set(ADAPTER_EXTRA)), "no file outside the plan"


def test_an_interrupted_fetch_keeps_what_it_got_and_the_next_one_fetches_the_rest(hub: FakeHub, hf_cache: Path, profile: Path) -> None:
    api = HfApi(endpoint=hub.url)
    render = load_settings(profile).render
    hub.down.add("acme/sdxl/unet/diffusion_pytorch_model.safetensors")
    with pytest.raises(MovieAgentError, match="run the same command again") as error:
        download(fetch_plan(render, api), api)
    assert "unet/diffusion_pytorch_model.safetensors" in str(error.value)
    got_first = set(hub.downloads())

    hub.down.clear()
    plan = fetch_plan(render, api)
    assert any(repo.here for repo in plan) and not all(repo.here == set(repo.files) for repo in plan)
    before = len(hub.requests)
    download(plan, api)
    got_second = {path for method, path, _ in hub.requests[before:] if method == "GET" and "/resolve/" in path}
    assert got_second and not got_second & got_first, "only what the first run did not get"
    assert all(repo.here == set(repo.files) for repo in fetch_plan(render, api))


def test_a_gated_or_unknown_repo_says_what_to_do(hub: FakeHub, hf_cache: Path, tmp_path: Path) -> None:
    api = HfApi(endpoint=hub.url)
    for model, message, fix in (("acme/gated", "is gated", "hf auth login"), ("acme/nothing", "has no model", "model id")):
        settings = load_settings(None, render={"video": {"kind": "wan", "model": model}})
        with pytest.raises(InputError, match=message) as error:
            fetch_plan(settings.render, api)
        assert fix in (error.value.fix or "")
    local = load_settings(None, render={"video": {"kind": "wan", "model": str(tmp_path)}})
    assert fetch_plan(local.render, api) == [], "a local folder needs nothing from the Hub"


def test_pipeline_files_keep_configs_tokenizers_and_one_weight_format() -> None:
    index = {"unet": PART, "tokenizer": PART, "safety_checker": [None, None], "_diffusers_version": "0.30"}
    files = [*SDXL_NEEDED, *SDXL_EXTRA, "tokenizer/added_tokens.yaml"]
    assert pipeline_files(index, files) == [
        "model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
        "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/added_tokens.yaml",  # a part without weights: all of it
    ]  # fmt: skip
    # As diffusers decides: one part without safetensors means .bin for every part.
    index["controlnet"] = PART
    with_a_bin_only_part = pipeline_files(index, [*files, "controlnet/config.json", "controlnet/diffusion_pytorch_model.bin"])
    assert [name for name in with_a_bin_only_part if "diffusion_pytorch_model" in name] == [
        "unet/diffusion_pytorch_model.bin", "controlnet/diffusion_pytorch_model.bin",
    ]  # fmt: skip


def test_fetch_dry_run_lists_every_file_and_downloads_none(hub: FakeHub, hf_cache: Path, profile: Path, monkeypatch) -> None:
    import functools

    import huggingface_hub
    from typer.testing import CliRunner

    from movieagent.cli import app

    monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(HfApi, endpoint=hub.url))
    result = CliRunner().invoke(app, ["fetch", "-c", str(profile), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{len(VIDEO_NEEDED) + len(SDXL_NEEDED) + len(ADAPTER_NEEDED)} files in 3 repositories")
    listed = {line.split()[2] for line in lines if line.startswith("  ")}  # "  0.000 GB  path  (here)"
    assert listed == set(VIDEO_NEEDED) | set(SDXL_NEEDED) | set(ADAPTER_NEEDED)
    cached = [path.name for path in hf_cache.rglob("*") if path.is_file() and "snapshots" in path.parts]
    assert sorted(cached) == ["model_index.json", "model_index.json"]


def test_the_fetch_command_honours_hf_home(hub: FakeHub, profile: Path, tmp_path: Path) -> None:
    # A child process: huggingface_hub reads HF_HOME and HF_ENDPOINT when it is imported.
    environment = {**os.environ, "HF_HOME": str(tmp_path / "home"), "HF_ENDPOINT": hub.url, "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    for name in ("HF_HUB_OFFLINE", "HF_HUB_CACHE"):
        environment.pop(name, None)
    fetched = subprocess.run(
        [sys.executable, "-m", "movieagent", "fetch", "-c", str(profile)], capture_output=True, text=True, env=environment, timeout=300
    )
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.splitlines()[0].startswith(f"{len(VIDEO_NEEDED) + len(SDXL_NEEDED) + len(ADAPTER_NEEDED)} files"), "the size comes first"
    snapshot = tmp_path / "home" / "hub" / "models--acme--video" / "snapshots" / COMMIT
    assert (snapshot / "vae" / "diffusion_pytorch_model.safetensors").read_bytes() == VIDEO_NEEDED["vae/diffusion_pytorch_model.safetensors"]
    assert f"ready: {snapshot}" in fetched.stdout


def test_offline_a_dry_run_lists_what_the_cache_holds(hub: FakeHub, hf_cache: Path, profile: Path, monkeypatch) -> None:
    api = HfApi(endpoint=hub.url)
    render = load_settings(profile).render
    download(fetch_plan(render, api), api)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    asked = len(hub.requests)

    plan = {repo.repo: repo for repo in fetch_plan(render, api)}

    assert len(hub.requests) == asked, "the Hub was not asked"
    assert set(plan["acme/video"].files) == set(VIDEO_NEEDED) and plan["acme/video"].here == set(VIDEO_NEEDED)
    assert all(repo.offline for repo in plan.values())
    assert "offline: only what the HF cache holds is listed" in "\n".join(describe(list(plan.values()), list_files=False))
    with pytest.raises(MovieAgentError, match="HF_HUB_OFFLINE"):
        download(list(plan.values()), api)


def test_what_fetch_gets_is_what_the_backends_load_offline(hub: FakeHub, hf_cache: Path, tmp_path: Path, monkeypatch) -> None:
    """Real tiny pipelines served as Hub repos, with the extra files real repos carry: fetched, then rendered offline."""
    import numpy as np
    import torch
    from PIL import Image

    from movieagent.backends import load_backend
    from movieagent.config import BackendChoice
    from movieagent.render.phases import preflight
    from tests.test_keyframe_backends import ANN_BOX, make_job as keyframe_job, person
    from tests.test_video_diffusion import draw_keyframe, make_job as video_job
    from tests.tiny_keyframe_models import build_ip_adapter, build_sdxl
    from tests.tiny_video_models import save_wan_i2v

    def as_repo(folder: Path, **extra: bytes) -> dict[str, bytes]:
        files = {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
        return {**files, **extra}

    sdxl = build_sdxl(tmp_path / "sdxl")
    hub.repos["tiny/sdxl"] = as_repo(sdxl, **{"unet/diffusion_pytorch_model.fp16.safetensors": b"x" * 50, "sd_xl.safetensors": b"y" * 90})
    hub.repos["tiny/ip-adapter"] = as_repo(build_ip_adapter(tmp_path / "adapter", sdxl), **{"models/ip-adapter_sd15.bin": b"z" * 40})
    wan = save_wan_i2v(tmp_path / "wan")
    hub.repos["tiny/wan"] = as_repo(wan, **{"transformer/diffusion_pytorch_model.fp16.safetensors": b"w" * 60, "wan.pth": b"v" * 70})
    render = load_settings(
        None,
        render={
            "keyframe": {"kind": "sdxl", "model": "tiny/sdxl", "ip_adapter": "tiny/ip-adapter", "device": "cpu", "steps": 2, "pixels": 256 * 128},
            "video": {"kind": "wan", "model": "tiny/wan", "device": "cpu", "steps": 2, "max_pixels": None},
        },
    ).render
    api = HfApi(endpoint=hub.url)
    download(fetch_plan(render, api), api)
    fetched = {path.rpartition(f"/resolve/{COMMIT}/")[2] for path in hub.downloads()}
    assert not fetched & {"unet/diffusion_pytorch_model.fp16.safetensors", "sd_xl.safetensors", "wan.pth", "models/ip-adapter_sd15.bin"}

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    asked = len(hub.requests)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        preflight(render)
        keyframe = load_backend("keyframe", BackendChoice(**{**render.keyframe.model_dump(), "local_files_only": True}))
        keyframe.render(keyframe_job(characters=[person("Ann", ANN_BOX, draw_portrait(tmp_path / "ann.png"))]), tmp_path / "key.png")
        video = load_backend("video", BackendChoice(**{**render.video.model_dump(), "local_files_only": True}))
        draw_keyframe(tmp_path / "work" / "keyframes" / "a.png", "navy")
        job = video_job()
        video.render(job, tmp_path / "work" / job.output)
    finally:
        torch.set_num_threads(threads)
    assert len(hub.requests) == asked, "rendered from the HF cache alone"
    with Image.open(tmp_path / "key.png") as still:
        assert np.asarray(still).std() > 1
    assert (tmp_path / "work" / job.output).stat().st_size > 0
