"""The part of every image-to-video backend (diffusion/video_wan.py, video_ltx.py, video_cogvideox.py) that is the same.

A backend subclasses `ImageToVideoBackend` and says only what differs between models: how to load the
pipeline, its frame and size grid, and how to call it. The render steps live here once; loading on the
first render (then keeping the pipeline), lowering memory and the weight check come from
diffusion/backend.py, which the keyframe backends share.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
import torch
from PIL import Image
from pydantic import ConfigDict, Field

from movieagent.diffusion.backend import DiffusionBackend
from movieagent.diffusion.clips import generation_size, keyframe_paths, model_frame_count, shot_prompt, write_clip
from movieagent.diffusion.loading import DiffusionOptions, generator
from movieagent.schema import RenderJob

# The model's own limits, as types: a backend's Options gives its model's values as defaults and keeps the checks.
ModelFps = Annotated[int, Field(ge=1, description="The frame rate the model was trained at; clips are drawn at it, then retimed")]
MaxFrames = Annotated[int, Field(ge=2, description="The longest clip the model draws; a longer shot plays it slower")]
MaxPixels = Annotated[
    int | None,
    Field(
        ge=64 * 64,
        description="The pixel area the model was trained at; larger shots are drawn at it and scaled up. None: the shot's size",
    ),
]


class ImageToVideoOptions(DiffusionOptions):
    """Options of every image-to-video backend; each backend's `Options` sets its model's defaults."""

    model_config = ConfigDict(extra="forbid")

    model_fps: ModelFps
    max_frames: MaxFrames
    max_pixels: MaxPixels
    negative_prompt: str = Field(default="", description="What the model should avoid; '' for none")
    threads: int = Field(default=1, ge=1, le=16, description="x264 threads for encoding a clip")


@dataclass(frozen=True)
class ClipRequest:
    """One call of the model: the inputs every image-to-video pipeline takes, already on the model's grid."""

    image: Image.Image
    last_image: Image.Image | None
    prompt: str
    negative_prompt: str
    width: int
    height: int
    num_frames: int
    fps: int
    generator: torch.Generator
    # Pictures of who and what the clip shows (the bank's), for models that take them (diffusion/video_wan_vace.py).
    references: tuple[Image.Image, ...] = ()


class ImageToVideoBackend(DiffusionBackend, ABC):
    """A video backend that animates each shot's keyframe with a diffusers image-to-video pipeline."""

    # Names the model in messages, e.g. "Wan image-to-video".
    model_name: ClassVar[str]
    options: ImageToVideoOptions

    def models(self) -> list[tuple[str, str]]:
        return [(self.model_name, self.options.model)]

    def render(self, job: RenderJob, output: Path) -> None:
        # 1. Check inputs before loading anything.
        keyframe, end_keyframe = keyframe_paths(job, output)
        references = tuple(self.references(job))

        # 2. Prepare what the model draws: the frames the shot's duration needs at the model's rate, its size, the stills.
        pipeline = self.pipeline()
        width, height = self.size(pipeline, job)
        needed = model_frame_count(
            job.num_frames / job.fps,
            fps=self.options.model_fps,
            frame_step=self.frame_step(pipeline),
            max_frames=self.options.max_frames,
        )
        request = ClipRequest(
            image=_load_still(keyframe, width, height),
            last_image=_load_still(end_keyframe, width, height) if end_keyframe is not None else None,
            prompt=shot_prompt(job),
            negative_prompt=self.options.negative_prompt,
            width=width,
            height=height,
            num_frames=self.fixed_frames(pipeline) or needed,
            fps=self.options.model_fps,
            generator=generator(job.seed),
            references=references,
        )

        # 3. Draw. A model that only draws a fixed length gives more than needed: the shot keeps its start, at natural speed.
        frames = self.generate(pipeline, request)[:needed]

        # 4. Retime and scale to the shot, encode, and move the clip into place.
        write_clip(frames, job, output, threads=self.options.threads)

    @abstractmethod
    def load(self) -> Any:
        """Loads the pipeline with the current options (through loading.load_pipeline)."""

    @abstractmethod
    def frame_step(self, pipeline: Any) -> int:
        """Clips have `frame_step`*k+1 frames (the VAE's temporal compression)."""

    @abstractmethod
    def size(self, pipeline: Any, job: RenderJob) -> tuple[int, int]:
        """Width and height the model draws the job at."""

    def references(self, job: RenderJob) -> list[Image.Image]:
        """Reference pictures the model takes besides the keyframe; none by default."""
        return []

    def fixed_frames(self, pipeline: Any) -> int | None:
        """The one clip length the model can draw, for models trained at a single length; None: any length on the grid."""
        return None

    @abstractmethod
    def generate(self, pipeline: Any, request: ClipRequest) -> np.ndarray:
        """Runs the pipeline; returns frames x height x width x RGB floats in 0..1."""

    def scaled_size(self, job: RenderJob, multiple: int) -> tuple[int, int]:
        """The usual size rule: the shot's aspect at the model's pixel area and resolution scale, on a `multiple` grid."""
        return generation_size(
            job.width, job.height, scale=self.options.resolution_scale, multiple=multiple, max_pixels=self.options.max_pixels
        )


def _load_still(path: Path, width: int, height: int) -> Image.Image:
    # Resized here, with a good filter, so every pipeline gets the still exactly at the size it draws.
    with Image.open(path) as image:
        return image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
