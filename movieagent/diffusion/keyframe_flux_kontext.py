"""Keyframe backend 'flux_kontext': FLUX.1 Kontext turns a collage of the references into one film still.

Kontext edits an input image by instruction. The input is the shot laid out with the references themselves:
the location's picture as the backdrop (a set drawn from its name without one), each character's reference
standing in the character's box. The instruction asks for one photographic frame that keeps those people's
faces, hair and clothes and that place, and names who stands where. The collage is drawn at the generation
size (the shot's aspect ratio at about one megapixel, sides multiples of 16), so the boxes land where the
plan put them; the result is scaled and centre-cropped to exactly the job's size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from movieagent.diffusion.backend import DiffusionBackend
from movieagent.diffusion.keyframes import framing, keyframe_size, reference_collage, save_keyframe, where_in_frame
from movieagent.diffusion.loading import DiffusionOptions, cache_context, generator, load_pipeline
from movieagent.schema import RenderJob

# Flux latents are 1/8 of the image and packed 2x2 into tokens.
SIZE_MULTIPLE = 16


class Backend(DiffusionBackend):
    class Options(DiffusionOptions):
        model_config = ConfigDict(extra="forbid")

        model: str = "black-forest-labs/FLUX.1-Kontext-dev"
        steps: int = Field(default=28, ge=1)
        guidance_scale: float = Field(default=2.5, ge=0, description="Kontext's distilled guidance; 2.5 as trained")
        pixels: int = Field(default=1024 * 1024, ge=64 * 64, description="Generation area before resolution_scale")
        max_sequence_length: int = Field(default=512, ge=16, le=512, description="T5 tokens of the instruction")
        style: str = "photorealistic cinematic film still, natural light"

    options: Options

    def models(self) -> list[tuple[str, str]]:
        return [("FLUX.1 Kontext", self.options.model)]

    def load(self) -> Any:
        from diffusers import FluxKontextPipeline

        return load_pipeline(FluxKontextPipeline, self.options)

    def render(self, job: RenderJob, output: Path) -> None:
        options = self.options
        # 1. Check inputs and lay out the references (reading them fails before the model loads).
        width, height = keyframe_size(
            job.width, job.height, pixels=options.pixels, multiple=SIZE_MULTIPLE, scale=options.resolution_scale
        )
        collage = reference_collage(job, (width, height))

        # 2. Prepare the model.
        pipeline = self.pipeline()

        # 3. Run at the collage's own size: max_area keeps the pipeline from choosing another, and without
        # auto-resize it does not snap the input to its preferred sizes, which would move the boxes.
        with cache_context(pipeline):
            result = pipeline(
                image=collage,
                prompt=instruction(job, options.style),
                width=width,
                height=height,
                max_area=width * height,
                _auto_resize=False,
                num_inference_steps=options.steps,
                guidance_scale=options.guidance_scale,
                max_sequence_length=options.max_sequence_length,
                generator=generator(job.seed),
            )

        # 4. Post-process: exactly the job's size, written atomically.
        save_keyframe(result.images[0], job, output)


def instruction(job: RenderJob, style: str) -> str:
    """The edit Kontext is asked for: the collage made into one frame, who is who, and the shot's own prompt."""
    people = [c for c in job.characters if c.image is not None]
    cast = "; ".join(f"{c.name} is the person pictured {where_in_frame(c.box)}" for c in people)
    parts = [
        f"Turn this collage into one {style}, {framing(job)}",
        "Keep each pictured person's face, hair and clothes exactly as they are, where they stand" if people else "",
        cast,
        "Keep the place shown in the background, seen as one continuous space",
        " ".join(job.prompt.split()),
    ]
    return ". ".join(part.rstrip(". ") for part in parts if part)
