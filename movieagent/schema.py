"""All data that flows between stages, as pydantic models.

script + character bank -> Plan -> RenderJob per shot -> clips + speech + subtitles -> movie.
Every model here is plain data: no I/O, no backend objects.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

# Ids appear in file names (clips/shot_0001_<id>.mp4), so they are restricted to a safe alphabet.
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]


def slugify(text: str) -> str:
    """A safe id from free text: 'Dr. Ada Lovelace' -> 'dr-ada-lovelace'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:64] or "unnamed"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------- character bank


class Voice(Model):
    """How a character sounds. Read by every speech backend; each uses the fields it understands."""

    language: str = "en-us"
    variant: str | None = Field(default=None, description="espeak-ng voice variant, e.g. 'm3', 'f2', 'klatt'")
    pitch: int = Field(default=50, ge=0, le=99)
    words_per_minute: int = Field(default=160, ge=80, le=400)


class Character(Model):
    id: Id
    name: str
    aliases: list[str] = []
    description: str = ""
    voice: Voice = Voice()
    images: list[Path] = Field(default=[], description="Reference images, the preferred one first")
    color: str = Field(default="#888888", description="Accent colour for cards and subtitles, #rrggbb")
    height: float = Field(default=1.0, ge=0.3, le=1.5, description="Standing height relative to an adult's 1.0 (a child ~0.7)")
    folder: Path | None = None


class Location(Model):
    id: Id
    name: str
    aliases: list[str] = []
    description: str = ""
    time_of_day: str = Field(default="", description="What the pictures show ('DAY'); other times are graded from it")
    images: list[Path] = []
    folder: Path | None = None


class CharacterBank(Model):
    root: Path
    characters: list[Character] = []
    locations: list[Location] = []

    def character(self, character_id: str) -> Character:
        for character in self.characters:
            if character.id == character_id:
                return character
        raise KeyError(character_id)

    def location(self, location_id: str) -> Location | None:
        for location in self.locations:
            if location.id == location_id:
                return location
        return None

    def find_character(self, cue: str) -> Character | None:
        """The character a script cue names: case-insensitive, extensions such as (V.O.) ignored, aliases too."""
        wanted = _name_key(cue)
        for character in self.characters:
            names = [character.id, character.name, *character.aliases]
            if any(_name_key(name) == wanted for name in names):
                return character
        return None

    def find_location(self, place: str) -> Location | None:
        """The location a scene heading's place names, by id, name or alias, ignoring case and punctuation."""
        wanted = slugify(place)
        for location in self.locations:
            if wanted in {location.id, slugify(location.name), *(slugify(alias) for alias in location.aliases)}:
                return location
        return None


def _name_key(name: str) -> str:
    without_extensions = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(re.sub(r"[^\w' .-]+", " ", without_extensions).lower().replace("’", "'").split())


# --------------------------------------------------------------------------- script (ingested, before planning)


class ScriptAction(Model):
    kind: Literal["action"] = "action"
    text: str
    line: int | None = None
    centered: bool = False


class ScriptDialogue(Model):
    kind: Literal["dialogue"] = "dialogue"
    cue: str = Field(description="The character cue as written, without extensions: 'BRICK'")
    extensions: list[str] = Field(default=[], description="Cue extensions without brackets: ['V.O.', \"CONT'D\"]")
    parenthetical: str | None = None
    text: str
    dual: bool = False
    line: int | None = None


class ScriptTransition(Model):
    kind: Literal["transition"] = "transition"
    text: str = Field(description="'CUT TO:', 'FADE OUT.', 'DISSOLVE TO:'")
    line: int | None = None


ScriptElement = Annotated[Union[ScriptAction, ScriptDialogue, ScriptTransition], Field(discriminator="kind")]


class ScriptScene(Model):
    index: int = Field(ge=1)
    heading: str = Field(description="The scene heading as written, or '' for a script that has none")
    location: str = Field(description="Place name from the heading: 'KITCHEN'")
    interior: bool | None = None
    time_of_day: str = Field(default="", description="'DAY', 'NIGHT', 'CONTINUOUS', ... or ''")
    synopsis: str | None = None
    line: int | None = None
    elements: list[ScriptElement] = []


class Script(Model):
    title: str
    source: Path
    format: Literal["fountain", "synopsis", "movieagent"]
    title_page: dict[str, str] = {}
    characters: list[str] = Field(default=[], description="Character names the script declares (MovieAgent JSON)")
    scenes: list[ScriptScene]

    def dialogue(self) -> list[ScriptDialogue]:
        return [element for scene in self.scenes for element in scene.elements if isinstance(element, ScriptDialogue)]


# --------------------------------------------------------------------------- plan


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


class LocationSheet(Model):
    """One canonical description per location, reused verbatim in every shot there."""

    id: Id
    name: str
    description: str
    reference_image: Path | None = None
    time_of_day: str = ""


class Plan(Model):
    title: str
    source: Path
    logline: str = ""
    style: str = ""
    cast: list[CastMember]
    locations: list[LocationSheet]
    scenes: list[Scene] = Field(min_length=1)

    def shots(self) -> list[Shot]:
        return [shot for scene in self.scenes for shot in scene.shots]

    def lines(self) -> list[Line]:
        return [line for shot in self.shots() for line in shot.lines]

    def duration_s(self) -> float:
        return sum(shot.duration_s for shot in self.shots())


# --------------------------------------------------------------------------- speech and timing


class SpokenLine(Model):
    """A line after speech synthesis: its audio file and real length."""

    line_id: Id
    speaker_id: Id
    text: str
    audio: Path
    duration_s: float = Field(ge=0)


class LineTiming(Model):
    line_id: Id
    speaker_id: Id
    text: str
    audio: Path
    start_s: float = Field(ge=0, description="From the start of the movie")
    end_s: float = Field(ge=0)


class ShotTiming(Model):
    shot_id: Id
    index: int = Field(ge=1, description="1-based position in the movie")
    start_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    num_frames: int = Field(ge=1)
    lines: list[LineTiming] = []


class Timeline(Model):
    """Where every shot and line sits in the finished movie, in frames and seconds."""

    fps: int
    shots: list[ShotTiming]

    def duration_s(self) -> float:
        return sum(shot.num_frames for shot in self.shots) / self.fps

    def lines(self) -> list[LineTiming]:
        return [line for shot in self.shots for line in shot.lines]


# --------------------------------------------------------------------------- render jobs


class JobCharacter(Model):
    character_id: Id
    name: str
    image: Path | None = Field(description="Reference image; None draws a placeholder figure")
    color: str
    box: Box
    facing: Literal["left", "right", "camera"] = "camera"
    speaking: bool = False


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
