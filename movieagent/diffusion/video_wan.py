"""Video backend 'wan': animates each shot's keyframe with Wan image-to-video (diffusers WanImageToVideoPipeline).

When the next shot continues this take (`job.end_keyframe`), that keyframe is passed as `last_image`, so the
clip ends on the frame the next one starts from, where the model was made for it. One backend for the Wan
family, told apart by the weights' own config:
- Wan 2.2 I2V A14B (Wan-AI/Wan2.2-I2V-A14B-Diffusers): stills enter through the latents only, first and last
  alike; a high-noise and a low-noise transformer switch at the config's `boundary_ratio`.
- Wan 2.1 I2V (Wan-AI/Wan2.1-I2V-14B-480P-Diffusers, -720P-): a CLIP image encoder also shows the transformer
  the keyframe. It was trained on a first frame alone, so the end keyframe is left out.
- Wan 2.1 FLF2V (a Wan-AI/Wan2.1-FLF2V-14B-720P transformer in this pipeline): trained on a first and a last
  frame, and only on both: it draws continuing takes only.
Wan draws 4k+1 frames at 16 fps on a 16-pixel grid (VAE 8x, patches 2x).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
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
from movieagent.errors import InputError, RenderError
from movieagent.schema import RenderJob


class Backend(ImageToVideoBackend):
    model_name = "Wan image-to-video"

    class Options(ImageToVideoOptions):
        model: str = "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"
        model_fps: ModelFps = 16
        max_frames: MaxFrames = 81
        max_pixels: MaxPixels = 832 * 480  # the 480P model; 1280 * 720 for the 720P and Wan 2.2 models
        steps: int = Field(default=40, ge=1)
        guidance_scale: float = Field(default=5.0, ge=0)
        guidance_scale_2: float | None = Field(
            default=None, ge=0, description="Wan 2.2: guidance of the low-noise transformer; None uses guidance_scale"
        )
        flow_shift: float | None = Field(
            default=None, gt=0, description="Scheduler shift: about 3 for 480p, 5 for 720p; None keeps the model's own"
        )
        vae_float32: bool = Field(default=True, description="Decode in float32 (Wan's VAE loses detail in bf16)")
        negative_prompt: str = (
            "static, frozen, blurred, low quality, jpeg artifacts, deformed faces, extra fingers, subtitles, watermark"
        )

    options: Options

    def load(self) -> Any:
        from diffusers import AutoencoderKLWan, WanImageToVideoPipeline

        components = {}
        if self.options.vae_float32:
            try:
                components["vae"] = AutoencoderKLWan.from_pretrained(
                    self.options.model,
                    subfolder="vae",
                    torch_dtype=torch.float32,
                    revision=self.options.revision,
                    local_files_only=self.options.local_files_only,
                )
            except (OSError, ValueError):
                pass  # weights missing: load_pipeline below says which and how to fetch them
        pipeline = load_pipeline(WanImageToVideoPipeline, self.options, **components)
        if self.options.flow_shift is not None:
            if "flow_shift" not in pipeline.scheduler.config:
                raise InputError(
                    f"flow_shift: the scheduler of '{self.options.model}' ({type(pipeline.scheduler).__name__}) has no flow_shift",
                    fix="remove flow_shift from the wan options",
                )
            pipeline.scheduler = type(pipeline.scheduler).from_config(
                pipeline.scheduler.config, flow_shift=self.options.flow_shift
            )
        return pipeline

    def frame_step(self, pipeline: Any) -> int:
        return pipeline.vae_scale_factor_temporal

    def size(self, pipeline: Any, job: RenderJob) -> tuple[int, int]:
        denoiser = pipeline.transformer or pipeline.transformer_2
        return self.scaled_size(job, pipeline.vae_scale_factor_spatial * denoiser.config.patch_size[1])

    def generate(self, pipeline: Any, request: ClipRequest) -> np.ndarray:
        encoded_stills = _encoded_stills(pipeline)
        if encoded_stills == 2 and request.last_image is None:
            raise RenderError(
                f"'{self.options.model}' (Wan FLF2V) only draws between two keyframes, and this shot does not continue "
                "into the next: use a Wan I2V model (Wan 2.2 I2V also ends continuing takes on the next keyframe)"
            )
        return pipeline(
            image=request.image,
            # Wan 2.1 I2V's image encoder input was trained on the first frame alone: a last one only confuses it.
            last_image=request.last_image if encoded_stills != 1 else None,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            height=request.height,
            width=request.width,
            num_frames=request.num_frames,
            num_inference_steps=self.options.steps,
            guidance_scale=self.options.guidance_scale,
            guidance_scale_2=self.options.guidance_scale_2,
            generator=request.generator,
            output_type="np",
        ).frames[0]


def _encoded_stills(pipeline: Any) -> int:
    """Stills the transformer also sees through the image encoder: 0 (Wan 2.2: through the latents only), 1 (2.1 I2V), 2 (2.1 FLF2V)."""
    config = (pipeline.transformer or pipeline.transformer_2).config
    if config.image_dim is None:
        return 0
    return 2 if config.pos_embed_seq_len else 1
