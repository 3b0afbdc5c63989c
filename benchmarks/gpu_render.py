"""Image-to-video rendering on one GPU: seconds of video per GPU-minute, peak VRAM, load share, and the naive way.

    python -m benchmarks.gpu_render [--variant 1.3b|14b] [--shots 3] [--seconds 2.0] [--steps 20]
        [--dtype bfloat16] [--saved-dtype float32|bfloat16] [--offload none|model|group|sequential]
        [--attention-backend _native_cudnn] [--cache first_block] [--cache-option threshold=0.05]
        [--model ID_OR_FOLDER] [--scratch DIR]
    python -m benchmarks.gpu_render --tiny     # a smoke run on the CPU with tiny models (seconds)

Run from the repository root: the model builder is the test suite's (tests/tiny_video_models.py, at other sizes).

Without --model it builds a Wan 2.1 image-to-video model at FULL size with random weights (no download)
and saves it to --scratch, so both ways below load it from disk through the real from_pretrained path. It is
saved as the published repo ships it, in float32 shards (--saved-dtype), so every load reads 4 bytes a weight
and casts them to --dtype, as a real run does; `--saved-dtype bfloat16` measures a bf16 copy made once instead
(the 14b model in float32 needs about 90 GB of disk). A file just written is likely still in the page cache:
these loads read memory, not a cold disk, which is slower.
- transformer: WanTransformer3DModel with the published configs: 14b = Wan2.1-I2V-14B (40 layers, 40 heads
  x 128, ffn 13824); 1.3b = the 1.3B I2V architecture (SkyReels-V2-I2V-1.3B: 30 layers, 12 heads x 128,
  ffn 8960). Both take 36 input channels and 1280-wide CLIP image tokens.
- text encoder: UMT5-XXL's encoder at full size (24 layers, d_model 4096, 64 heads, d_ff 10240, vocab 256384).
- image encoder: CLIP ViT-H/14 vision tower at full size (32 layers, width 1280, 224 px, patch 14).
- VAE: AutoencoderKLWan with its default (= published) config.
- substituted: the tokenizer is a small offline vocabulary. Wan pads every prompt to 512 tokens, so the
  text encoder does exactly the work it does with the real tokenizer.
Parameters: transformer 16.4B (14b) or 1.56B (1.3b), text encoder 5.68B, image encoder 0.63B, VAE 0.13B;
in bf16 the 14b model needs about 46 GB of GPU memory, the 1.3b one about 16 GB (twice that on disk in float32).

It renders the same shots of a small example plan twice:
- movieagent's way: the video backend (diffusion/video_wan.py) loads the pipeline once and keeps it;
- the naive way (as MovieAgent does): a pipeline built for each shot and dropped after it.
Random weights draw noise, but every operation and every byte moved is the real model's, so the times
and memory are what the real weights cost. --model renders with real weights instead.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image, ImageDraw

from movieagent.diffusion.video_wan import Backend
from movieagent.schema import RenderJob
from tests.tiny_video_models import WanSizes, save_wan_i2v

UMT5_XXL_ENCODER = {
    "vocab_size": 256384, "d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24, "num_heads": 64,
    "feed_forward_proj": "gated-gelu", "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
}  # fmt: skip
CLIP_VIT_H_14 = {
    "hidden_size": 1280, "intermediate_size": 5120, "num_hidden_layers": 32, "num_attention_heads": 16,
    "image_size": 224, "patch_size": 14, "projection_dim": 1024, "hidden_act": "gelu",
}  # fmt: skip
WAN_TRANSFORMER_COMMON = {"attention_head_dim": 128, "text_dim": 4096, "freq_dim": 256, "rope_max_seq_len": 1024}
FULL_SIZES = {
    "14b": WanSizes(
        transformer={**WAN_TRANSFORMER_COMMON, "num_attention_heads": 40, "ffn_dim": 13824, "num_layers": 40},
        text_encoder=UMT5_XXL_ENCODER,
        image_encoder=CLIP_VIT_H_14,
        vae={},
    ),
    "1.3b": WanSizes(
        transformer={**WAN_TRANSFORMER_COMMON, "num_attention_heads": 12, "ffn_dim": 8960, "num_layers": 30},
        text_encoder=UMT5_XXL_ENCODER,
        image_encoder=CLIP_VIT_H_14,
        vae={},
    ),
}
SHOT_PROMPTS = [
    ("A lighthouse keeper climbs a spiral staircase, lantern in hand.", "The camera tilts up, following the keeper.", "#203050"),
    ("The keeper opens the lamp room door; the sea glitters below.", "Slow dolly in; the keeper walks to the window.", "#305060"),
    (
        "Close on the keeper's face, lit by the turning beam.",
        "Static camera; the keeper speaks, the beam sweeps past.",
        "#504030",
    ),
    ("Waves break on the rocks under a stormy sky.", "The camera pans right across the rocks.", "#203040"),
]


BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


@dataclass
class Run:
    wall_s: float
    load_s: float
    peak_vram_gib: float | None


def main() -> None:
    arguments = parse_arguments()
    device = arguments.device or ("cuda" if torch.cuda.is_available() else "cpu")
    with tempfile.TemporaryDirectory(dir=arguments.scratch) as scratch:
        # 1. The model: real weights, or a full-size (or tiny) random one saved to disk.
        model = arguments.model
        if model is None:
            started = time.perf_counter()
            sizes = WanSizes() if arguments.tiny else FULL_SIZES[arguments.variant]
            saved = getattr(torch, arguments.saved_dtype)
            check_disk(Path(scratch), arguments)
            model = str(save_wan_i2v(Path(scratch) / "model", sizes, device=device, dtype=saved))
            free(device)
            on_disk = sum(path.stat().st_size for path in Path(model).rglob("*") if path.is_file())
            print(f"built and saved a random {'tiny' if arguments.tiny else arguments.variant} Wan 2.1 I2V model "
                  f"in {time.perf_counter() - started:.1f} s (not counted below): {on_disk / 1e9:.1f} GB of "
                  f"{arguments.saved_dtype} weights, each load reads them and casts them to "
                  f"{arguments.dtype if device != 'cpu' else 'float32'}")  # fmt: skip

        # 2. The shots and the backend options.
        jobs = example_jobs(Path(scratch) / "work", arguments)
        video_s = sum(job.num_frames / job.fps for job in jobs)
        options = Backend.Options(
            model=model,
            device=device,
            dtype=arguments.dtype,
            offload=arguments.offload,
            attention_backend=arguments.attention_backend,
            cache=arguments.cache,
            cache_options=dict(arguments.cache_option),
            steps=arguments.steps,
            max_pixels=None,  # draw at the shot's size, given by --width/--height
        )

        # 3. Both ways, on the same shots, after one shot that warms up the device and its kernels (not counted).
        transformer_params = warm_up(options, jobs[0], Path(scratch) / "work")
        ours = measure(lambda: render_kept(options, jobs, Path(scratch) / "work"), device)
        naive = measure(lambda: render_naively(options, jobs, Path(scratch) / "work"), device)
        if arguments.keep_clips:
            shutil.copytree(Path(scratch) / "work" / "clips", arguments.keep_clips, dirs_exist_ok=True)

    # 4. Report.
    unit = "GPU" if device.startswith("cuda") else "CPU"
    name = torch.cuda.get_device_name(torch.device(device)) if unit == "GPU" else "CPU"
    frames = {job.num_frames for job in jobs}
    print(f"device: {name}; dtype {options.dtype if unit == 'GPU' else 'float32'}; offload {options.offload}; "
          f"attention {options.attention_backend or 'default'}; cache {options.cache or 'none'}; steps {options.steps}")  # fmt: skip
    print(f"transformer: {transformer_params:,} parameters")
    print(f"shots: {len(jobs)} at {jobs[0].width}x{jobs[0].height}, {sorted(frames)} frames at {jobs[0].fps} fps "
          f"= {video_s:.1f} s of video")  # fmt: skip
    for label, run in [("movieagent (load once)", ours), ("naive (load per shot)", naive)]:
        vram = f"{run.peak_vram_gib:.1f} GiB" if run.peak_vram_gib is not None else "n/a"
        print(f"{label:<24} wall {run.wall_s:8.1f} s | {60 * video_s / run.wall_s:7.2f} s of video per {unit}-minute | "
              f"model load {run.load_s:7.1f} s = {100 * run.load_s / run.wall_s:4.1f} % of wall | peak VRAM {vram}")  # fmt: skip
    print(f"naive / movieagent wall time: {naive.wall_s / ours.wall_s:.2f}x "
          f"(each load: {ours.load_s:.1f} s kept, {naive.load_s / len(jobs):.1f} s per shot naive)")  # fmt: skip


def warm_up(options: Backend.Options, job: RenderJob, workdir: Path) -> int:
    """Renders one shot uncounted (CUDA context, kernels, allocator); returns the transformer's parameter count."""
    backend = Backend(options)
    backend.render(job, workdir / job.output)
    pipeline = backend.pipeline()
    denoisers = [model for model in (pipeline.transformer, pipeline.transformer_2) if model is not None]
    params = sum(parameter.numel() for model in denoisers for parameter in model.parameters())
    del backend, pipeline, denoisers
    free(options.device)
    return params


def render_kept(options: Backend.Options, jobs: list[RenderJob], workdir: Path) -> float:
    """One backend for every shot; returns the seconds spent loading."""
    backend = Backend(options)
    started = time.perf_counter()
    backend.pipeline()
    load_s = time.perf_counter() - started
    for job in jobs:
        backend.render(job, workdir / job.output)
    return load_s


def render_naively(options: Backend.Options, jobs: list[RenderJob], workdir: Path) -> float:
    """A new pipeline for each shot, dropped after it; returns the seconds spent loading."""
    load_s = 0.0
    for job in jobs:
        backend = Backend(options)
        started = time.perf_counter()
        backend.pipeline()
        load_s += time.perf_counter() - started
        backend.render(job, workdir / job.output)
        del backend
        free(options.device)
    return load_s


def measure(render: Callable[[], float], device: str) -> Run:
    gpu = torch.device(device) if device.startswith("cuda") else None
    if gpu is not None:
        torch.cuda.synchronize(gpu)
        torch.cuda.reset_peak_memory_stats(gpu)
    started = time.perf_counter()
    load_s = render()
    if gpu is not None:
        torch.cuda.synchronize(gpu)
    wall_s = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated(gpu) / 2**30 if gpu is not None else None
    free(device)
    return Run(wall_s=wall_s, load_s=load_s, peak_vram_gib=peak)


def free(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def check_disk(scratch: Path, arguments: argparse.Namespace) -> None:
    """Stops before writing a model the scratch folder cannot hold."""
    if arguments.tiny:
        return
    parameters = {"14b": 16.4e9 + 5.68e9 + 0.63e9 + 0.13e9, "1.3b": 1.56e9 + 5.68e9 + 0.63e9 + 0.13e9}[arguments.variant]
    needed = parameters * BYTES[arguments.saved_dtype] * 1.05
    free_bytes = shutil.disk_usage(scratch).free
    if needed > free_bytes:
        sys.exit(
            f"the {arguments.variant} model in {arguments.saved_dtype} needs about {needed / 1e9:.0f} GB in {scratch}, "
            f"which has {free_bytes / 1e9:.0f} GB free: pass --scratch DIR on a bigger disk, or --saved-dtype bfloat16"
        )


def example_jobs(workdir: Path, arguments: argparse.Namespace) -> list[RenderJob]:
    """The example plan's shots: keyframes drawn as simple pictures; shot 2 continues into shot 3 (one take)."""
    fps = 24
    jobs = []
    for index in range(1, arguments.shots + 1):
        prompt, motion, colour = SHOT_PROMPTS[(index - 1) % len(SHOT_PROMPTS)]
        keyframe = Path("keyframes") / f"shot_{index:04d}.png"
        draw_keyframe(workdir / keyframe, colour, index, arguments.width, arguments.height)
        seconds = arguments.seconds * (1.0, 1.5, 0.75)[(index - 1) % 3]  # shots differ in length, like a real plan
        jobs.append(
            RenderJob(
                shot_id=f"shot{index}", index=index, scene_heading="INT. LIGHTHOUSE - NIGHT", location_name="lighthouse",
                location_image=None, width=arguments.width, height=arguments.height, fps=fps,
                num_frames=max(1, round(seconds * fps)), size="medium", angle="eye_level", movement="static",
                transition_in="cut", transition_out="cut", characters=[], action=prompt, prompt=prompt,
                motion_prompt=motion, seed=1000 + index, crf=18, preset="veryfast",
                output=Path("clips") / f"shot_{index:04d}.mp4", cache_key=f"benchmark-{index}", keyframe=keyframe,
                end_keyframe=Path("keyframes") / f"shot_{index + 1:04d}.png" if index == 2 and arguments.shots > 2 else None,
            )
        )  # fmt: skip
    return jobs


def draw_keyframe(path: Path, colour: str, index: int, width: int, height: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 2 // 3, width, height], fill="#1a1a1a")  # a floor
    x = width * (0.2 + 0.15 * index) % width
    draw.ellipse([x, height * 0.2, x + width * 0.12, height * 0.42], fill="#e0b090")  # a head
    draw.rectangle([x - width * 0.02, height * 0.42, x + width * 0.14, height * 0.85], fill="#405080")  # a body
    image.save(path)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="Tiny random model on the CPU: a smoke run")
    parser.add_argument("--variant", choices=sorted(FULL_SIZES), default="1.3b")
    parser.add_argument("--model", help="Real weights (HF id or folder) instead of a random model")
    parser.add_argument("--shots", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="Typical shot length; shots vary around it")
    parser.add_argument("--width", type=int, default=832)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--device", help="cuda, cuda:N or cpu (default: cuda when there is one)")
    parser.add_argument("--dtype", choices=sorted(BYTES), default="bfloat16", help="What the model runs in")
    parser.add_argument("--saved-dtype", choices=sorted(BYTES), default="float32", help="What the random model is saved in")
    parser.add_argument("--offload", choices=["none", "model", "group", "sequential"], default="none")
    parser.add_argument("--attention-backend", help="diffusers attention backend, e.g. _native_cudnn, flash, sage")
    parser.add_argument("--cache", choices=["first_block", "taylorseer", "faster", "mag"], help="Caching hook on the transformer")
    parser.add_argument("--cache-option", type=key_value, action="append", default=[], help="KEY=VALUE for the hook's config")
    parser.add_argument("--scratch", type=Path, help="Where the random model is saved (default: the temp folder)")
    parser.add_argument("--keep-clips", type=Path, help="Copy the rendered clips here")
    arguments = parser.parse_args()
    if arguments.tiny:
        # The tiny model's operations are too small to split: extra threads only wait, and stall on a busy CPU.
        torch.set_num_threads(1)
        arguments.device = arguments.device or "cpu"
        arguments.width, arguments.height, arguments.seconds, arguments.steps = 64, 48, 0.5, 2
        arguments.saved_dtype = "float32"  # what the CPU runs
    return arguments


def key_value(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


if __name__ == "__main__":
    main()
