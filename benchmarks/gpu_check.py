"""The checks benchmarks/gpu_check.sh runs on a lent GPU: random weights, no downloads, one line per check.

    python -m benchmarks.gpu_check                 # on the GPU (cuda), from the repository root
    python -m benchmarks.gpu_check --device cpu    # the same checks on the CPU, as a smoke test (no memory figures)

- oom-retry: a Wan model with a 1.3B-sized transformer runs out of memory inside its pipeline call (a planted
  torch.OutOfMemoryError); the worker's retry switches it to model offload on the loaded pipeline, and, where
  switching is refused, frees the old model before loading it again: GPU memory before, at the reload, after.
- mask-placement: SDXL with two IP-Adapters (tiny): the masks reach the pipeline on the GPU, where its attention
  layers resample them at every step, not on the CPU.
- wan-clip: one clip through the real Wan backend in bf16, decoded and counted.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import torch

from movieagent.backends import load_backend
from movieagent.backends.base import RenderPhase
from movieagent.config import BackendChoice
from movieagent.diffusion import backend as diffusion_backend
from movieagent.diffusion.memory import lowered
from movieagent.render.worker import render_job
from tests.media_probe import count_frames
from tests.test_video_diffusion import draw_keyframe, make_job
from tests.tiny_video_models import WanSizes, save_wan_i2v

GIB = 2**30
# The 1.3B Wan transformer's own sizes, with the tiny text and image encoders: only the transformer weighs.
WAN_1_3B_TRANSFORMER = {
    "num_attention_heads": 12, "attention_head_dim": 128, "ffn_dim": 8960, "num_layers": 30, "text_dim": 32,
    "freq_dim": 256, "rope_max_seq_len": 1024,
}  # fmt: skip


def check_oom_retry(device: str, scratch: Path) -> str:
    on_gpu = device.startswith("cuda")
    # On the GPU a transformer big enough to measure (built there, saved in bf16); on the CPU the tiny one.
    sizes = WanSizes(transformer=WAN_1_3B_TRANSFORMER) if on_gpu else WanSizes()
    model = save_wan_i2v(scratch / "wan", sizes, device=device, dtype=torch.bfloat16 if on_gpu else torch.float32)
    _free(device)
    draw_keyframe(scratch / "keyframes" / "a.png", "navy")
    phase = RenderPhase(family="video", backend=BackendChoice(kind="wan"))
    original_lowered = diffusion_backend.lowered
    # On the CPU the ladder stops at once: walk the GPU's ladder there too.
    diffusion_backend.lowered = lambda options: _same_device(lowered(options.model_copy(update={"device": "cuda"})), options)
    try:
        # 1. Switched in place: model offload on the loaded pipeline, no reload.
        backend = _wan(model, device, steps=2, cache="first_block")
        loads = _count_loads(backend)
        _plant_out_of_memory(backend.pipeline())
        loaded = _allocated(device)
        render_job(backend, make_job(), phase, scratch)
        after_switch = _allocated(device)
        assert len(loads) == 1, f"loaded {len(loads)} times"

        # 2. A pipeline that cannot switch: the old one must be gone when the new one loads.
        backend = _wan(model, device, steps=2, cache="first_block")
        _plant_out_of_memory(backend.pipeline())
        real_place = diffusion_backend.place
        diffusion_backend.place = _refuse
        at_reload: list[float] = []
        load = backend.load
        backend.load = lambda: at_reload.append(_allocated(device)) or load()
        try:
            render_job(backend, make_job(), phase, scratch)
        finally:
            diffusion_backend.place = real_place
        assert at_reload, "the pipeline was not loaded again"
        if on_gpu:
            assert at_reload[0] < 0.1 * loaded, f"{at_reload[0] / GIB:.2f} GiB still held at the reload, {loaded / GIB:.2f} GiB loaded"
        return (
            f"loaded {_gib(loaded)}; after the in-place switch to model offload {_gib(after_switch)} (1 load); "
            f"at the reload of a pipeline that could not switch {_gib(at_reload[0])}"
        )
    finally:
        diffusion_backend.lowered = original_lowered


def check_mask_placement(device: str, scratch: Path) -> str:
    from tests.conftest import draw_portrait
    from tests.test_keyframe_backends import ANN_BOX, BOB_BOX, make_job as keyframe_job, person
    from tests.tiny_keyframe_models import build_ip_adapter, build_sdxl

    sdxl = build_sdxl(scratch / "sdxl")
    options = {"model": str(sdxl), "ip_adapter": str(build_ip_adapter(scratch / "adapter", sdxl)), "device": device, "steps": 3}
    backend = load_backend("keyframe", BackendChoice(kind="sdxl", pixels=256 * 128, **options))
    pipeline = backend.pipeline()
    seen: list[str] = []
    real_call = type(pipeline).__call__

    def recording_call(self, *args, **kwargs):
        seen.extend(str(mask.device) for mask in kwargs["cross_attention_kwargs"]["ip_adapter_masks"] if mask is not None)
        return real_call(self, *args, **kwargs)

    type(pipeline).__call__ = recording_call
    try:
        people = [person("Ann", ANN_BOX, draw_portrait(scratch / "ann.png", "#cc3333")), person("Bob", BOB_BOX, draw_portrait(scratch / "bob.png"))]
        started = time.perf_counter()
        backend.render(keyframe_job(characters=people), scratch / "key.png")
        seconds = time.perf_counter() - started
    finally:
        type(pipeline).__call__ = real_call
    expected = str(pipeline._execution_device)
    assert seen and all(device_name == expected for device_name in seen), f"masks on {seen}, the UNet on {expected}"
    return f"{len(seen)} masks on {expected}; a keyframe in {seconds:.2f} s"


def check_wan_clip(device: str, scratch: Path) -> str:
    model = save_wan_i2v(scratch / "wan-tiny")
    draw_keyframe(scratch / "keyframes" / "a.png", "navy")
    backend = _wan(model, device, steps=4, dtype="bfloat16")
    job = make_job()
    started = time.perf_counter()
    backend.render(job, scratch / job.output)
    frames = count_frames(scratch / job.output)
    assert frames == job.num_frames, f"{frames} frames, {job.num_frames} wanted"
    return f"{frames} frames at {job.fps} fps in {time.perf_counter() - started:.2f} s (load included)"


def _wan(model: Path, device: str, **options):
    return load_backend("video", BackendChoice(kind="wan", model=str(model), device=device, max_pixels=None, **options))


def _same_device(step, options):
    return step.model_copy(update={"device": options.device}) if step is not None else None


def _plant_out_of_memory(pipeline) -> None:
    left = [1]

    def raise_once(module, inputs):
        if left[0]:
            left[0] -= 1
            raise torch.OutOfMemoryError("CUDA out of memory (planted by benchmarks/gpu_check.py)")

    pipeline.transformer.blocks[0].register_forward_pre_hook(raise_once)


def _refuse(pipeline, options):
    raise RuntimeError("this pipeline cannot switch offload (planted)")


def _count_loads(backend) -> list[int]:
    loads: list[int] = []
    load = backend.load
    backend.load = lambda: loads.append(1) or load()
    return loads


def _free(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def _allocated(device: str) -> float:
    gc.collect()
    return float(torch.cuda.memory_allocated(torch.device(device))) if device.startswith("cuda") else 0.0


def _gib(amount: float) -> str:
    return f"{amount / GIB:.2f} GiB" if amount else "n/a (CPU)"


CHECKS: dict[str, Callable[[str, Path], str]] = {
    "oom-retry": check_oom_retry,
    "mask-placement": check_mask_placement,
    "wan-clip": check_wan_clip,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--only", choices=sorted(CHECKS), action="append", help="Run only these checks")
    arguments = parser.parse_args()
    if arguments.device == "cpu":
        torch.set_num_threads(1)  # tiny operations: threads only wait
    failed = 0
    for name in arguments.only or list(CHECKS):
        with tempfile.TemporaryDirectory() as scratch:
            try:
                print(f"PASS {name}: {CHECKS[name](arguments.device, Path(scratch))}", flush=True)
            except Exception as error:  # every check reports, whatever breaks
                failed += 1
                where = traceback.extract_tb(error.__traceback__)[-1]
                print(f"FAIL {name}: {type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})", flush=True)
        _free(arguments.device)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
