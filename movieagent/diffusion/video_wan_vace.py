"""Video backend 'wan_vace': Wan VACE animates each keyframe with the bank's pictures of the characters and the place
in view the whole time (diffusers WanVACEPipeline, `reference_images`), so faces and clothes hold through the clip
and not only in its first frame.

VACE draws a video from a conditioning video and a mask: here the first frame is the keyframe (kept: black in the
mask), the frames after it are grey and drawn (white); a take that continues into the next shot also keeps its last
frame, the next shot's keyframe. The references are each character's bank picture (the whole figure on white, as
VACE's subject references were) and then the location's picture, at most `max_references`; the pipeline encodes
them as extra latent frames before the clip and drops them after denoising.
Wan-AI/Wan2.1-VACE-14B-diffusers (or -1.3B-) draws 4k+1 frames at 16 fps on a 16-pixel grid, about 832x480.
Loading, guidance and flow shift are Wan's (diffusion/video_wan.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image
from pydantic import Field

from movieagent.diffusion import video_wan
from movieagent.diffusion.image_to_video import ClipRequest
from movieagent.diffusion.keyframes import character_references, location_reference
from movieagent.schema import RenderJob

# What VACE sees behind a cut-out reference: its subject references were shown on white.
WHITE = (255, 255, 255)
GREY = (128, 128, 128)


class Backend(video_wan.Backend):
    model_name = "Wan VACE reference-to-video"
    pipeline_class = "WanVACEPipeline"

    class Options(video_wan.Backend.Options):
        model: str = "Wan-AI/Wan2.1-VACE-14B-diffusers"
        max_references: int = Field(
            default=3, ge=1, le=8, description="Reference pictures per clip: the characters in the shot first, then the location"
        )
        location_reference: bool = Field(default=True, description="Show the model the location's picture too")
        conditioning_scale: float = Field(default=1.0, ge=0, le=2, description="How strongly the VACE layers steer the model")

    options: Options

    def references(self, job: RenderJob) -> list[Image.Image]:
        pictures = [picture for _, picture in character_references(job, background=WHITE)]
        if self.options.location_reference and (place := location_reference(job)) is not None:
            pictures.append(place)
        return pictures[: self.options.max_references]

    def generate(self, pipeline: Any, request: ClipRequest) -> np.ndarray:
        size = (request.width, request.height)
        kept, drawn = Image.new("L", size, 0), Image.new("L", size, 255)
        middle = request.num_frames - 1 - (request.last_image is not None)
        video = [request.image, *[Image.new("RGB", size, GREY)] * middle]
        mask = [kept, *[drawn] * middle]
        if request.last_image is not None:
            video.append(request.last_image)
            mask.append(kept)
        return pipeline(
            video=video,
            mask=mask,
            reference_images=list(request.references) or None,
            conditioning_scale=self.options.conditioning_scale,
            **self.arguments(video_wan.wan_family(pipeline), request),
        ).frames[0]
