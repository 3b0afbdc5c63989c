"""Video backend 'cogvideox': animates each shot's keyframe with CogVideoX (diffusers CogVideoXImageToVideoPipeline).

CogVideoX-5b-I2V draws 49 frames (4k+1) at 8 fps, and only at 720x480: its transformer learned one grid of
positions. For such a model every clip is drawn at that size and length; a shorter shot keeps the clip's
start at natural speed, and the picture is stretched back to the shot's aspect (the keyframe was squeezed
the same way going in). CogVideoX1.5-5B-I2V (16 fps, 81 frames, 8k+1) has no learned positions and draws
at the shot's aspect. The pipeline takes a first frame only: a continuing take is not steered to its end.
"""

from __future__ import annotations

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


class Backend(ImageToVideoBackend):
    model_name = "CogVideoX image-to-video"

    class Options(ImageToVideoOptions):
        model: str = "THUDM/CogVideoX-5b-I2V"
        model_fps: ModelFps = 8
        max_frames: MaxFrames = 49
        max_pixels: MaxPixels = 720 * 480
        steps: int = Field(default=50, ge=1)
        guidance_scale: float = Field(default=6.0, ge=0)
        dynamic_cfg: bool = Field(default=True, description="Guidance that grows over the steps, as CogVideoX recommends")

    options: Options

    def load(self) -> Any:
        from diffusers import CogVideoXImageToVideoPipeline

        return load_pipeline(CogVideoXImageToVideoPipeline, self.options)

    def frame_step(self, pipeline: Any) -> int:
        # CogVideoX 1.5 groups latent frames in pairs (patch_size_t 2): 8k+1 frames need no padding.
        return pipeline.vae_scale_factor_temporal * (pipeline.transformer.config.patch_size_t or 1)

    def size(self, pipeline: Any, job: RenderJob) -> tuple[int, int]:
        config = pipeline.transformer.config
        if config.use_learned_positional_embeddings:
            return (
                config.sample_width * pipeline.vae_scale_factor_spatial,
                config.sample_height * pipeline.vae_scale_factor_spatial,
            )
        return self.scaled_size(job, pipeline.vae_scale_factor_spatial * config.patch_size)

    def fixed_frames(self, pipeline: Any) -> int | None:
        config = pipeline.transformer.config
        return config.sample_frames if config.use_learned_positional_embeddings else None

    def generate(self, pipeline: Any, request: ClipRequest) -> np.ndarray:
        return pipeline(
            image=request.image,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            height=request.height,
            width=request.width,
            num_frames=request.num_frames,
            num_inference_steps=self.options.steps,
            guidance_scale=self.options.guidance_scale,
            use_dynamic_cfg=self.options.dynamic_cfg,
            generator=request.generator,
            output_type="np",
            # The transformer's positions cover exactly this many text tokens.
            max_sequence_length=pipeline.transformer.config.max_text_seq_length,
        ).frames[0]
