"""Keyframe backend 'sdxl': Stable Diffusion XL with IP-Adapter, so the same faces and place come back in every shot.

Two IP-Adapters share one CLIP image encoder (ViT-H, from h94/IP-Adapter):
- the characters' adapter (plus-face by default) gets every character's reference image, each masked to that
  character's box, so in a two-shot each face is drawn from its own reference and not from a blend of both;
  the plus-face adapter was trained on faces, so it gets the face region of a full-figure reference
  (keyframes.face_region), not the whole figure squeezed into the encoder's 224 pixels;
- the location's adapter (plain) gets the location's reference image, masked to the frame outside the boxes.
The text prompt (the shot's framing, the planner's visual prompt, a style) carries the rest. The image is
generated near SDXL's training size (about one megapixel, sides multiples of 64) at the shot's aspect ratio,
then scaled and centre-cropped to exactly the job's size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from PIL import Image
from pydantic import ConfigDict, Field, field_validator

from movieagent.diffusion.backend import DiffusionBackend, WeightFiles
from movieagent.diffusion.keyframes import (
    background_mask,
    box_mask,
    character_references,
    keyframe_prompt,
    keyframe_size,
    location_reference,
    save_keyframe,
)
from movieagent.diffusion.loading import DiffusionOptions, generator, load_pipeline
from movieagent.errors import InputError
from movieagent.schema import JobCharacter, RenderJob

# SDXL was trained on buckets whose sides are multiples of 64.
SIZE_MULTIPLE = 64


class Backend(DiffusionBackend):
    class Options(DiffusionOptions):
        model_config = ConfigDict(extra="forbid")

        model: str = "stabilityai/stable-diffusion-xl-base-1.0"
        ip_adapter: str = Field(default="h94/IP-Adapter", description="Repo or folder holding the IP-Adapter weights")
        ip_adapter_subfolder: str = "sdxl_models"
        character_weights: str = Field(
            default="ip-adapter-plus-face_sdxl_vit-h.safetensors", description="Adapter fed each character's reference"
        )
        location_weights: str | None = Field(
            default="ip-adapter_sdxl_vit-h.safetensors",
            description="Adapter fed the location's reference; None leaves the place to the prompt",
        )
        image_encoder_folder: str = Field(
            default="models/image_encoder", description="The CLIP image encoder both adapters were trained with, in ip_adapter"
        )
        character_crop: Literal["face", "figure"] = Field(
            default="face", description="What the characters' adapter sees: the face (for plus-face) or the whole figure"
        )
        character_scale: float = Field(default=0.7, ge=0, le=2, description="How strongly the faces follow the references")
        location_scale: float = Field(default=0.4, ge=0, le=2, description="How strongly the place follows its reference")
        pixels: int = Field(default=1024 * 1024, ge=64 * 64, description="Generation area before resolution_scale")
        style: str = "cinematic film still, natural light, detailed"
        negative_prompt: str = "lowres, blurry, deformed, extra limbs, text, watermark, cartoon"

        @field_validator("cache")
        @classmethod
        def _unet_has_no_cache_hooks(cls, cache: str | None) -> str | None:
            if cache is not None:
                raise ValueError("the SDXL UNet takes no caching hook; leave cache unset")
            return cache

    options: Options

    def models(self) -> list[tuple[str, str]]:
        return [("SDXL", self.options.model)]

    def weight_files(self) -> list[WeightFiles]:
        options = self.options
        return [
            WeightFiles(
                "IP-Adapter",
                options.ip_adapter,
                (
                    *(f"{options.ip_adapter_subfolder}/{name}" for name in self._adapters()),
                    f"{options.image_encoder_folder}/config.json",
                    f"{options.image_encoder_folder}/model.safetensors",
                ),
            )
        ]

    def load(self) -> Any:
        from diffusers import StableDiffusionXLPipeline

        return load_pipeline(StableDiffusionXLPipeline, self.options, prepare=self._load_adapters)

    def render(self, job: RenderJob, output: Path) -> None:
        options = self.options
        # 1. Check inputs: read every reference first, so a bad image fails before the model loads.
        characters = character_references(job, faces=options.character_crop == "face")
        location = location_reference(job) if options.location_weights else None

        # 2. Prepare: the pipeline, the generation size, and each adapter's images, masks and strength.
        pipeline = self.pipeline()
        width, height = keyframe_size(
            job.width, job.height, pixels=options.pixels, multiple=SIZE_MULTIPLE, scale=options.resolution_scale
        )
        images, masks, scales = self._adapter_inputs(characters, location, (width, height))
        # On the device the UNet runs on: the attention layers resample every mask at every step, and a mask on
        # the CPU would be copied over for each of those thousands of calls.
        masks = [mask.to(pipeline._execution_device) if mask is not None else None for mask in masks]
        pipeline.set_ip_adapter_scale(scales)

        # 3. Run.
        result = pipeline(
            prompt=keyframe_prompt(job, options.style),
            negative_prompt=options.negative_prompt,
            width=width,
            height=height,
            num_inference_steps=options.steps,
            guidance_scale=options.guidance_scale,
            generator=generator(job.seed),
            ip_adapter_image=images,
            cross_attention_kwargs={"ip_adapter_masks": masks},
        )

        # 4. Post-process: exactly the job's size, written atomically.
        save_keyframe(result.images[0], job, output)

    def _adapter_inputs(
        self, characters: list[tuple[JobCharacter, Image.Image]], location: Image.Image | None, size: tuple[int, int]
    ) -> tuple[list[Any], list[Any], list[float]]:
        """Per adapter, in `_adapters` order: its images, their masks (a tensor, or None for the whole frame), its scale.

        An adapter with nothing to show in this shot gets a blank image at scale 0, which the pipeline skips.
        """
        width, height = size
        if characters:
            boxes = [box_mask(character.box, size) for character, _ in characters]
            images: list[Any] = [[reference for _, reference in characters]]
            masks: list[Any] = [_mask_tensor(boxes, width, height)]
            scales = [self.options.character_scale]
        else:
            images, masks, scales = [_blank_reference()], [None], [0.0]
        if self.options.location_weights:
            backdrop = background_mask([character.box for character, _ in characters], size)
            images.append(location if location is not None else _blank_reference())
            masks.append(_mask_tensor([backdrop], width, height))
            scales.append(self.options.location_scale if location is not None else 0.0)
        return images, masks, scales

    def _adapters(self) -> list[str]:
        """Weight file names, in the order the pipeline takes their images: the characters', then the location's."""
        return [self.options.character_weights, *([self.options.location_weights] if self.options.location_weights else [])]

    def _load_adapters(self, pipeline: Any) -> None:
        options = self.options
        try:
            pipeline.load_ip_adapter(
                options.ip_adapter,
                subfolder=options.ip_adapter_subfolder,
                weight_name=self._adapters(),
                image_encoder_folder=options.image_encoder_folder,
                local_files_only=options.local_files_only,
            )
        except (OSError, ValueError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(
                f"cannot load the IP-Adapter weights from '{options.ip_adapter}': {first_line[:300]}",
                fix=self.weight_files()[0].fetch_command(),
            ) from None


def _blank_reference() -> Image.Image:
    # Stands in for the reference of an adapter with nothing to show in a shot; its scale is 0, so it adds nothing.
    return Image.new("RGB", (224, 224), (128, 128, 128))


def _mask_tensor(masks: list[Image.Image], width: int, height: int) -> Any:
    """Masks as one adapter's `ip_adapter_masks` entry: a tensor of shape [1, number of images, height, width]."""
    from diffusers.image_processor import IPAdapterMaskProcessor

    return IPAdapterMaskProcessor().preprocess(masks, height=height, width=width).reshape(1, len(masks), height, width)
