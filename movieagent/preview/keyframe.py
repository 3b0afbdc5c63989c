"""Keyframe backend 'preview': the animatic's first frame of the shot as a PNG. No GPU, no model, no network.

The still shows the plan's layout (the location, each character in its box, the camera's framing), so it
makes the keyframe phase runnable without weights and gives an image-to-video model a start that follows
the storyboard. Drawing is the preview renderer's own (movieagent/preview/).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from movieagent.preview.shot import Look, compose_shot
from movieagent.schema import RenderJob
from movieagent.workspace import atomic_path


class Backend:
    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        # Off by default: a video model would animate a tag or a halo as if it were part of the scene.
        shot_label: bool = Field(default=False, description="The small top-left tag such as '12  MS  dolly in'")
        speaker_cue: bool = Field(default=False, description="The soft halo around characters who speak in the shot")

    def __init__(self, options: Options):
        self.options = options

    def render(self, job: RenderJob, output: Path) -> None:
        # A one-frame shot: the camera where the shot starts, and no fade (a keyframe is the picture, not black).
        still = job.model_copy(update={"num_frames": 1})
        shot = compose_shot(still, Look(shot_label=self.options.shot_label, speaker_cue=self.options.speaker_cue))
        with atomic_path(output) as temporary:
            shot.frame(0).save(temporary, format="PNG")
