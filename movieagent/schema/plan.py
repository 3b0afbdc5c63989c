"""The plan: scenes, shots, camera, cast, locations and dialogue (plan.json)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import Field

from movieagent.schema.base import Id, Model


class ShotSize(str, Enum):
    extreme_wide = "extreme_wide"
    wide = "wide"
    full = "full"
    medium_wide = "medium_wide"
    medium = "medium"
    medium_close_up = "medium_close_up"
    close_up = "close_up"
    extreme_close_up = "extreme_close_up"


class CameraAngle(str, Enum):
    eye_level = "eye_level"
    high = "high"
    low = "low"
    overhead = "overhead"
    dutch = "dutch"


# A framing in words, as every prompt says it (the planner's shot prompts, the keyframe prompts).
SHOT_SIZE_WORDS = {
    ShotSize.extreme_wide: "extreme wide shot",
    ShotSize.wide: "wide shot",
    ShotSize.full: "full shot",
    ShotSize.medium_wide: "medium wide shot",
    ShotSize.medium: "medium shot",
    ShotSize.medium_close_up: "medium close-up",
    ShotSize.close_up: "close-up",
    ShotSize.extreme_close_up: "extreme close-up",
}
CAMERA_ANGLE_WORDS = {
    CameraAngle.eye_level: "eye level",
    CameraAngle.high: "high angle",
    CameraAngle.low: "low angle",
    CameraAngle.overhead: "overhead view",
    CameraAngle.dutch: "dutch angle",
}


class CameraMovement(str, Enum):
    static = "static"
    pan_left = "pan_left"
    pan_right = "pan_right"
    tilt_up = "tilt_up"
    tilt_down = "tilt_down"
    zoom_in = "zoom_in"
    zoom_out = "zoom_out"
    dolly_in = "dolly_in"
    dolly_out = "dolly_out"


class Transition(str, Enum):
    cut = "cut"
    fade = "fade"


class Box(Model):
    """A rectangle in frame coordinates, 0..1 from the top-left corner."""

    x: float = Field(ge=-1, le=2)
    y: float = Field(ge=-1, le=2)
    w: float = Field(gt=0, le=3)
    h: float = Field(gt=0, le=3)


class CharacterInShot(Model):
    character_id: Id
    box: Box = Field(description="Where the character's figure stands in the frame")
    facing: Literal["left", "right", "camera"] = "camera"


class Line(Model):
    """One spoken line, in plan order."""

    id: Id
    speaker_id: Id
    text: str = Field(min_length=1)
    parenthetical: str | None = None
    off_screen: bool = Field(default=False, description="V.O. or O.S.: heard, not seen")
    voice_over: bool = Field(default=False, description="V.O.: narration, heard close and dry; off screen without it is O.S.")


class Shot(Model):
    id: Id
    scene_id: Id
    size: ShotSize = ShotSize.medium
    angle: CameraAngle = CameraAngle.eye_level
    movement: CameraMovement = CameraMovement.static
    characters: list[CharacterInShot] = []
    action: str = ""
    lines: list[Line] = []
    duration_s: float = Field(gt=0, le=120, description="Planned duration; speech may lengthen it")
    transition_in: Transition = Transition.cut
    transition_out: Transition = Transition.cut
    prompt: str = Field(default="", description="Visual prompt for an image generator")
    motion_prompt: str = Field(default="", description="Motion prompt for an image-to-video generator")
    seed: int = Field(default=0, ge=0, lt=2**32)


class Scene(Model):
    id: Id
    index: int = Field(ge=1)
    heading: str
    location_id: Id
    interior: bool | None = None
    time_of_day: str = ""
    summary: str = ""
    shots: list[Shot] = Field(min_length=1)


class CastMember(Model):
    id: Id
    name: str
    description: str = ""
    extra: bool = Field(default=False, description="A minor role played by an extra: a neutral figure and a voice unlike the cast's")


class LocationSheet(Model):
    """One canonical description per location, reused verbatim in every shot there."""

    id: Id
    name: str
    description: str
    reference_image: Path | None = None
    time_of_day: str = ""


class PlanningAnswer(Model):
    """Who answered one planning question: the crew's model, or the rules crew standing in for it (planning.fallback)."""

    role: str
    scene_id: Id | None = None
    answered_by: Literal["model", "fallback"]
    reason: str | None = Field(default=None, description="Why the fallback answered: the model's last problem")


class Plan(Model):
    title: str
    source: Path
    logline: str = ""
    style: str = ""
    language: str = Field(default="en", description="BCP 47 tag of the script's language: speech and subtitle rules follow it")
    cast: list[CastMember]
    locations: list[LocationSheet]
    scenes: list[Scene] = Field(min_length=1)
    # Left out of plan.json when empty (the rules crew, or no fallback), so such plans read as before.
    answers: list[PlanningAnswer] = Field(
        default=[], exclude_if=lambda answers: not answers, description="An LLM crew's questions, and who answered each"
    )

    def shots(self) -> list[Shot]:
        return [shot for scene in self.scenes for shot in scene.shots]

    def lines(self) -> list[Line]:
        return [line for shot in self.shots() for line in shot.lines]

    def duration_s(self) -> float:
        return sum(shot.duration_s for shot in self.shots())
