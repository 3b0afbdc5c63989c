"""Video backend 'ltx': animates each shot's keyframe with LTX-Video (diffusers LTXImageToVideoPipeline).

LTX-Video is fast (real time on a large GPU at 768x512) and draws 8k+1 frames at 24 or 25 fps on a
32-pixel grid; it was trained at about 768x512 and up to 257 frames. The image-to-video pipeline takes
a first frame only, so a continuing take (`job.end_keyframe`) is not steered to its end here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import Field

from movieagent.diffusion.image_to_video import (
    ClipRequest,
    ImageToVideoBackend,
    ImageToVideoOptions,
    MaxFrames,
    MaxPixels,
    ModelFps,
)
from movieagent.diffusion.loading import load_pipeline
from movieagent.schema import RenderJob

# The pipeline checks that height and width are multiples of 32, whatever its VAE compresses.
PIPELINE_GRID = 32


class Backend(ImageToVideoBackend):
    model_name = "LTX-Video image-to-video"

    class Options(ImageToVideoOptions):
        model: str = "Lightricks/LTX-Video"
        model_fps: ModelFps = 24
        max_frames: MaxFrames = 161
        max_pixels: MaxPixels = 768 * 512
        steps: int = Field(default=40, ge=1)
        guidance_scale: float = Field(default=3.0, ge=0)
        decode_timestep: float = Field(
            default=0.0, ge=0, le=1, description="0.03 for LTX-Video 0.9.1 and later (timestep-aware VAE)"
        )
        decode_noise_scale: float | None = Field(default=None, ge=0, le=1, description="0.025 for 0.9.1 and later")
        negative_prompt: str = "worst quality, blurry, jittery, inconsistent motion, distorted faces"

    options: Options

    def load(self) -> Any:
        from diffusers import LTXImageToVideoPipeline

        return load_pipeline(LTXImageToVideoPipeline, self.options)

    def frame_step(self, pipeline: Any) -> int:
        return pipeline.vae_temporal_compression_ratio * pipeline.transformer_temporal_patch_size

    def size(self, pipeline: Any, job: RenderJob) -> tuple[int, int]:
        latent_grid = pipeline.vae_spatial_compression_ratio * pipeline.transformer_spatial_patch_size
        return self.scaled_size(job, math.lcm(PIPELINE_GRID, latent_grid))

    def generate(self, pipeline: Any, request: ClipRequest) -> np.ndarray:
        return pipeline(
            image=request.image,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            height=request.height,
            width=request.width,
            num_frames=request.num_frames,
            frame_rate=request.fps,
            num_inference_steps=self.options.steps,
            guidance_scale=self.options.guidance_scale,
            decode_timestep=self.options.decode_timestep,
            decode_noise_scale=self.options.decode_noise_scale,
            generator=request.generator,
            output_type="np",
        ).frames[0]
