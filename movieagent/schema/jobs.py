"""Render jobs and their results: one job per shot, pure data for the runners and backends."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from movieagent.schema.base import Id, Model
from movieagent.schema.plan import Box, CameraAngle, CameraMovement, ShotSize, Transition


class JobCharacter(Model):
    character_id: Id
    name: str
    image: Path | None = Field(description="Reference image; None draws a placeholder figure")
    color: str
    box: Box
    facing: Literal["left", "right", "camera"] = "camera"
    speaking: bool = False
    extra: bool = Field(default=False, description="Drawn as a neutral figure without a name")


class RenderJob(Model):
    """Everything a video backend needs to draw one shot, and nothing else."""

    shot_id: Id
    index: int = Field(ge=1)
    scene_heading: str
    location_name: str
    location_image: Path | None
    location_image_time_of_day: str = Field(default="", description="What the location image shows; '' unknown")
    time_of_day: str = ""
    interior: bool | None = None
    width: int = Field(ge=16)
    height: int = Field(ge=16)
    fps: int = Field(ge=1)
    num_frames: int = Field(ge=1)
    size: ShotSize
    angle: CameraAngle
    movement: CameraMovement
    transition_in: Transition
    transition_out: Transition
    characters: list[JobCharacter]
    action: str
    prompt: str
    motion_prompt: str
    seed: int
    crf: int = Field(ge=0, le=51)
    preset: str
    output: Path = Field(description="Clip path, relative to the output folder")
    cache_key: str
    keyframe: Path | None = Field(
        default=None, description="Keyframe PNG relative to the output folder, when a keyframe backend draws one first"
    )
    end_keyframe: Path | None = Field(
        default=None, description="The next shot's keyframe when it continues this take: the clip should end on it"
    )
    keyframe_key: str = Field(default="", description="Content key of the keyframe; '' without a keyframe phase")


class ClipResult(Model):
    shot_id: Id
    path: Path
    num_frames: int
    cached: bool
