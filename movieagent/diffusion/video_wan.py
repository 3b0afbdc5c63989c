"""Video backend 'wan': animates each shot's keyframe with Wan image-to-video (diffusers WanImageToVideoPipeline).

When the next shot continues this take (`job.end_keyframe`), that keyframe is passed as `last_image`, so the
clip ends on the frame the next one starts from, where the model was made for it. One backend for the Wan
family, told apart by the weights' own config:
- Wan 2.2 I2V A14B (Wan-AI/Wan2.2-I2V-A14B-Diffusers): stills enter through the latents only, first and last
  alike; a high-noise and a low-noise transformer switch at the config's `boundary_ratio`.
- Wan 2.2 TI2V 5B (Wan-AI/Wan2.2-TI2V-5B-Diffusers, `expand_timesteps` in its config): one 5B transformer over a
  VAE that compresses 16x; the keyframe is the first latent frame, kept clean. 24 fps, up to 121 frames at 1280x704;
  it takes no end frame.
- Wan 2.1 I2V (Wan-AI/Wan2.1-I2V-14B-480P-Diffusers, -720P-): a CLIP image encoder also shows the transformer
  the keyframe. It was trained on a first frame alone, so the end keyframe is left out.
- Wan 2.1 FLF2V (a Wan-AI/Wan2.1-FLF2V-14B-720P transformer in this pipeline): trained on a first and a last
  frame, and only on both: it draws continuing takes only.
Wan draws 4k+1 frames at 16 fps on a 16-pixel grid (VAE 8x, patches 2x); TI2V 5B at 24 fps on a 32-pixel grid.
Each family was trained with its own classifier-free guidance (Wan's published settings): 5.0 for Wan 2.1 and
TI2V 5B, 3.5 for both experts of Wan 2.2 A14B; unset, a backend uses its model's.
"""

from __future__ import annotations

from typing import Any, Literal

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
    # The diffusers pipeline the weights load into (video_wan_vace.py loads the same family into WanVACEPipeline).
    pipeline_class = "WanImageToVideoPipeline"

    class Options(ImageToVideoOptions):
        model: str = "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"
        model_fps: ModelFps = 16
        max_frames: MaxFrames = 81
        max_pixels: MaxPixels = 832 * 480  # the 480P model; 1280 * 720 for the 720P and Wan 2.2 models
        steps: int = Field(default=40, ge=1)
        guidance_scale: float | None = Field(  # type: ignore[assignment]
            default=None, ge=0, description="None: the model's own (5.0 Wan 2.1 and TI2V 5B, 3.5 Wan 2.2 A14B)"
        )
        guidance_scale_2: float | None = Field(
            default=None, ge=0, description="Wan 2.2 A14B: guidance of the low-noise expert; None: as guidance_scale, or the model's own"
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
        import diffusers
        from diffusers import AutoencoderKLWan

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
        pipeline = load_pipeline(getattr(diffusers, self.pipeline_class), self.options, **components)
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
        family = wan_family(pipeline)
        if family == "2.1-flf2v" and request.last_image is None:
            raise RenderError(
                f"'{self.options.model}' (Wan FLF2V) only draws between two keyframes, and this shot does not continue "
                "into the next: use a Wan I2V model (Wan 2.2 I2V also ends continuing takes on the next keyframe)"
            )
        return pipeline(
            image=request.image,
            # Wan 2.1 I2V's image encoder input was trained on the first frame alone: a last one only confuses it;
            # TI2V 5B's pipeline would drop it.
            last_image=request.last_image if family in ("2.2-a14b", "2.1-flf2v") else None,
            **self.arguments(family, request),
        ).frames[0]

    def arguments(self, family: WanFamily, request: ClipRequest) -> dict[str, Any]:
        """What every Wan pipeline call takes besides its stills: text, size, length, steps, guidance, noise."""
        guidance, guidance_2 = self.guidance(family)
        return {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "height": request.height,
            "width": request.width,
            "num_frames": request.num_frames,
            "num_inference_steps": self.options.steps,
            "guidance_scale": guidance,
            "guidance_scale_2": guidance_2,
            "generator": request.generator,
            "output_type": "np",
        }

    def guidance(self, family: WanFamily) -> tuple[float, float | None]:
        """Guidance of the (high-noise) transformer and of Wan 2.2 A14B's low-noise expert: the options', else the model's."""
        own, own_2 = GUIDANCE[family]
        first = self.options.guidance_scale if self.options.guidance_scale is not None else own
        if own_2 is None:
            return first, None
        second = self.options.guidance_scale_2
        return first, second if second is not None else (first if self.options.guidance_scale is not None else own_2)


WanFamily = Literal["2.1-i2v", "2.1-flf2v", "2.2-a14b", "2.2-ti2v"]
# (guidance, low-noise expert's guidance) each family was published with (Wan-Video/Wan2.1 and Wan2.2 configs).
GUIDANCE: dict[WanFamily, tuple[float, float | None]] = {
    "2.1-i2v": (5.0, None),
    "2.1-flf2v": (5.0, None),
    "2.2-a14b": (3.5, 3.5),
    "2.2-ti2v": (5.0, None),
}


def wan_family(pipeline: Any) -> WanFamily:
    """Which Wan the weights are, from their own configs (see the module's docstring)."""
    if pipeline.config.get("expand_timesteps"):
        return "2.2-ti2v"
    if pipeline.config.get("boundary_ratio") is not None:
        return "2.2-a14b"
    # One transformer: 2.1 (with or without an image encoder, e.g. Wan 2.1 Fun InP), first frame only unless FLF2V.
    config = pipeline.transformer.config
    return "2.1-flf2v" if config.pos_embed_seq_len else "2.1-i2v"
