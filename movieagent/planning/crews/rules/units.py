"""What the storyboard artist works with: a unit (what one shot covers) and a draft (a unit framed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from movieagent.planning.crew import DialogueBeat
from movieagent.schema import CameraAngle, CameraMovement, ShotSize

# Units that show the place itself, timed as establishing shots.
VIEWS = ("establishing", "place")


@dataclass
class Unit:
    """What one shot covers before it is framed: a view of the place, an action beat, lines, or both."""

    kind: Literal["establishing", "place", "action", "dialogue"]
    action: str = ""
    named: list[str] = field(default_factory=list)
    lines: list[DialogueBeat] = field(default_factory=list)
    fade_in: bool = False
    fade_out: bool = False


@dataclass
class Draft:
    """A unit framed: who the camera is on, how close and from where. Placed in frame once the cut is final."""

    unit: Unit
    size: ShotSize
    subjects: list[str]
    over_shoulder_of: str | None = None  # the listener whose shoulder frames the speaker
    angle: CameraAngle = CameraAngle.eye_level
    movement: CameraMovement = CameraMovement.static
    introduced: list[str] = field(default_factory=list)  # characters the action brings on, names in capitals

    def framing(self) -> tuple[frozenset[str], ShotSize, CameraAngle]:
        """What the next shot must change or the cut jumps. A reverse shot changes whom the camera is on."""
        return frozenset(self.subjects), self.size, self.angle


EMOTIONAL_DELIVERY = (
    "whisper",
    "soft",
    "quiet",
    "hush",
    "tear",
    "cry",
    "crying",
    "sob",
    "chok",
    "trembl",
    "shak",
    "angr",
    "furious",
    "shout",
    "yell",
    "scream",
    "plead",
    "desperat",
    "scared",
    "afraid",
    "terrif",
    "sad",
    "heartbr",
    "intense",
)


def is_emotional(lines: list[DialogueBeat]) -> bool:
    return any(line.parenthetical and any(cue in line.parenthetical.lower() for cue in EMOTIONAL_DELIVERY) for line in lines)


def unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))
