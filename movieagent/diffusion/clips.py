"""What every image-to-video backend does around its model: paths, frame counts, sizes, prompts, the clip file.

A video model draws at its own frame rate, its own frame-count rule (4k+1, 8k+1) and its own size grid,
usually shorter and smaller than the shot. These pure functions (no torch) turn a RenderJob into what the
model can draw, and the model's frames back into a clip of exactly the job's frames, rate and size.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from movieagent.errors import InputError, RenderError
from movieagent.media import encode_clip
from movieagent.schema import RenderJob
from movieagent.workspace import atomic_path


def keyframe_paths(job: RenderJob, output: Path) -> tuple[Path, Path | None]:
    """The job's keyframe and end keyframe as files, checked to exist.

    Job paths are relative to the output folder, and the runner renders into `output = folder / job.output`,
    so the folder is `output` with `job.output`'s parts taken off its end. Deriving it here keeps the
    backend protocol to `render(job, output)` for every family.
    """
    if job.keyframe is None:
        raise InputError(
            f"shot {job.index} ({job.shot_id}): an image-to-video backend animates a keyframe, but no keyframe was drawn",
            fix="set render.keyframe in the config (a keyframe backend draws each shot's first frame)",
        )
    depth = len(job.output.parts)
    if Path(*output.parts[-depth:]) != job.output:
        raise RenderError(f"shot {job.index} ({job.shot_id}): output {output} does not end with the job's clip path {job.output}")
    folder = output.parents[depth - 1]
    keyframe = folder / job.keyframe
    end_keyframe = folder / job.end_keyframe if job.end_keyframe is not None else None
    for path in (keyframe, end_keyframe):
        if path is not None and not path.is_file():
            raise RenderError(f"shot {job.index} ({job.shot_id}): keyframe not found: {path}")
    return keyframe, end_keyframe


def shot_prompt(job: RenderJob) -> str:
    """What moves (the camera and the people, from the plan's motion prompt), then what is seen."""
    motion = job.motion_prompt or f"Camera: {job.movement.value.replace('_', ' ')}."
    return " ".join(part for part in (motion, job.prompt or job.action) if part)


def model_frame_count(duration_s: float, *, fps: int, frame_step: int, max_frames: int) -> int:
    """Frames the model draws for a shot: its duration at the model's rate, up to the next `frame_step`*k+1.

    At least one step of motion, at most `max_frames` (rounded down to the rule): a longer shot plays the
    clip slower rather than cutting it short.
    """
    # Rounded first: 168 / 24 * 16 is 112.00000000000001 in floating point, which must not become 113.
    wanted = math.ceil(round(duration_s * fps, 6))
    steps = max(1, math.ceil((wanted - 1) / frame_step))
    most_steps = max(1, (max_frames - 1) // frame_step)
    return min(steps, most_steps) * frame_step + 1


def generation_size(width: int, height: int, *, scale: float, multiple: int, max_pixels: int | None) -> tuple[int, int]:
    """The size the model draws at: the shot's aspect, shrunk to the model's pixel area, times `scale`, on its grid."""
    factor = scale * (min(1.0, math.sqrt(max_pixels / (width * height))) if max_pixels else 1.0)

    def on_grid(side: int) -> int:
        return max(multiple, int(side * factor) // multiple * multiple)

    return on_grid(width), on_grid(height)


def retime(source_frames: int, num_frames: int) -> list[int]:
    """Which drawn frame each clip frame shows: the first on the first, the last on the last, evenly between.

    Keeping both ends matters: a take that continues into the next shot must end on the frame it was drawn to reach.
    """
    if num_frames == 1:
        return [0]
    return [round(index * (source_frames - 1) / (num_frames - 1)) for index in range(num_frames)]


def write_clip(frames: np.ndarray, job: RenderJob, output: Path, *, threads: int = 1) -> None:
    """Encodes drawn frames (frames x height x width x RGB, floats 0..1 or bytes) as the job's clip.

    Retimed to exactly `job.num_frames` at `job.fps`, scaled to `job.width` x `job.height`, with the same
    encoder settings as every other clip of the movie, written atomically.
    """
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise RenderError(f"shot {job.index} ({job.shot_id}): the model returned frames of shape {frames.shape}")
    if frames.dtype != np.uint8:
        frames = (np.clip(frames, 0.0, 1.0) * 255).round().astype(np.uint8)
    _, height, width, _ = frames.shape
    retimed = (frames[index] for index in retime(len(frames), job.num_frames))
    with atomic_path(output) as temporary:
        encode_clip(retimed, job, temporary, frame_size=(width, height), threads=threads)
