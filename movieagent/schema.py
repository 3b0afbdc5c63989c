"""All data that flows between stages, as pydantic models.

script + character bank -> Plan -> RenderJob per shot -> clips + speech + subtitles -> movie.
Every model here is plain data: no I/O, no backend objects.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


Gender = Literal["female", "male", "neutral"]
AgeGroup = Literal["child", "teen", "young", "adult", "middle-aged", "old"]
PitchWord = Literal["low", "medium", "high"]
SpeedWord = Literal["slow", "normal", "fast"]

# The speaking rate a voice has at speed 1 ("normal"), in words per minute: the planning default too.
NORMAL_WORDS_PER_MINUTE = 160
SPEED_FACTORS: dict[str, float] = {"slow": 0.85, "normal": 1.0, "fast": 1.18}
# Semitones from a voice's own register; numbers on espeak-ng's 0-99 pitch scale map to about 6 steps a semitone.
PITCH_SEMITONES: dict[str, float] = {"low": -2.5, "medium": 0.0, "high": 2.5}
ESPEAK_PITCH_STEPS_PER_SEMITONE = 6.0

# Words people write for each field, mapped to the one the field keeps.
_GENDER_WORDS = {
    **dict.fromkeys(("female", "f", "woman", "girl", "feminine", "she"), "female"),
    **dict.fromkeys(("male", "m", "man", "boy", "masculine", "he"), "male"),
    **dict.fromkeys(("neutral", "nonbinary", "non-binary", "androgynous", "any"), "neutral"),
}
_AGE_WORDS = {
    **dict.fromkeys(("child", "kid", "little"), "child"),
    **dict.fromkeys(("teen", "teenager", "teenage", "adolescent"), "teen"),
    **dict.fromkeys(("young", "youth", "young adult"), "young"),
    **dict.fromkeys(("adult", "grown-up"), "adult"),
    **dict.fromkeys(("middle-aged", "middle aged", "middle"), "middle-aged"),
    **dict.fromkeys(("old", "elderly", "senior", "aged"), "old"),
}
_PITCH_WORDS = {**dict.fromkeys(("low", "deep"), "low"), **dict.fromkeys(("medium", "mid", "normal"), "medium"), "high": "high"}
_SPEED_WORDS = {"slow": "slow", **dict.fromkeys(("normal", "medium", "average"), "normal"), **dict.fromkeys(("fast", "quick"), "fast")}


def age_group(years: float) -> str:
    """The age word for an age in years."""
    for limit, group in ((13, "child"), (20, "teen"), (30, "young"), (45, "adult"), (65, "middle-aged")):
        if years < limit:
            return group
    return "old"


def _word(value: object, words: dict[str, str], allowed: str) -> object:
    if isinstance(value, str):
        key = " ".join(value.strip().lower().replace("_", " ").split())
        if key in words:
            return words[key]
        raise ValueError(f"use {allowed} (got {value!r})")
    return value


class PiperVoiceChoice(Model):
    voice: str | None = Field(default=None, description="A Piper voice by name (en_US-libritts_r-medium) or a path to its .onnx")
    speaker: int | str | None = Field(default=None, description="Speaker id or name in a multi-speaker voice")


class EspeakVoiceChoice(Model):
    variant: str | None = Field(default=None, description="espeak-ng voice variant, e.g. 'm3', 'f2', 'klatt'")
    language: str | None = None
    pitch: int | None = Field(default=None, ge=0, le=99)
    words_per_minute: int | None = Field(default=None, ge=80, le=400)


class OpenAIVoiceChoice(Model):
    voice: str | None = Field(default=None, description="The server's voice name: alloy, coral, onyx, ... (or af_heart on a Kokoro server)")
    instructions: str | None = Field(default=None, description="How to speak, for models that take instructions")


class KokoroVoiceChoice(Model):
    voice: str | None = Field(default=None, description="A Kokoro voice: af_heart, bm_george, ...")


class Voice(Model):
    """How a character sounds, in words any speech backend understands; each backend casts a voice of its own from them.

    Numbers are accepted where they make sense (age in years, pitch on espeak-ng's 0-99 scale, speed as a factor).
    The espeak-ng fields of earlier banks (variant, words_per_minute) still work.
    """

    gender: Gender | None = None
    age: AgeGroup | None = Field(default=None, description="A word, or an age in years")
    pitch: PitchWord | int | None = Field(default=None, description="low, medium, high, or 0-99")
    speed: SpeedWord | float | None = Field(default=None, description="slow, normal, fast, or a factor from 0.5 to 2")
    accent: str | None = Field(default=None, description="american, british, scottish, irish, australian, indian, ... or a language tag")
    language: str | None = Field(default=None, description="The language spoken, a tag such as en-us or ja; None: the script's language")
    sample: Path | None = Field(default=None, description="A 5-20 s clip of the character's own voice, in its bank folder, for voice cloning")
    sample_text: str | None = Field(default=None, description="What is said in the sample, word for word")
    variant: str | None = Field(default=None, description="espeak-ng voice variant, e.g. 'm3', 'f2' (as espeak.variant)")
    words_per_minute: int | None = Field(default=None, ge=80, le=400, description="Speaking rate (as speed)")
    piper: PiperVoiceChoice | None = None
    espeak: EspeakVoiceChoice | None = None
    openai: OpenAIVoiceChoice | None = None
    kokoro: KokoroVoiceChoice | None = None

    @field_validator("gender", mode="before")
    @classmethod
    def _gender(cls, value: object) -> object:
        return _word(value, _GENDER_WORDS, "female, male or neutral")

    @field_validator("age", mode="before")
    @classmethod
    def _age(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not 0 <= value <= 130:
                raise ValueError(f"an age in years is from 0 to 130 (got {value})")
            return age_group(value)
        return _word(value, _AGE_WORDS, "child, teen, young, adult, middle-aged or old, or an age in years")

    @field_validator("pitch", mode="before")
    @classmethod
    def _pitch(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not (0 <= value <= 99 and float(value).is_integer()):
                raise ValueError(f"use low, medium or high, or a whole number from 0 to 99 (got {value})")
            return int(value)
        return _word(value, _PITCH_WORDS, "low, medium or high, or a number from 0 to 99")

    @field_validator("speed", mode="before")
    @classmethod
    def _speed(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not 0.5 <= value <= 2.0:
                raise ValueError(f"use slow, normal or fast, or a factor from 0.5 to 2 (got {value})")
            return float(value)
        return _word(value, _SPEED_WORDS, "slow, normal or fast, or a factor from 0.5 to 2")

    @field_validator("accent", mode="before")
    @classmethod
    def _accent(cls, value: object) -> object:
        return (" ".join(value.lower().split()) or None) if isinstance(value, str) else value

    def rate(self) -> float:
        """Speaking rate as a factor of a voice's own: speed, else words_per_minute, else 1."""
        if isinstance(self.speed, str):
            return SPEED_FACTORS[self.speed]
        if self.speed is not None:
            return self.speed
        return self.words_per_minute / NORMAL_WORDS_PER_MINUTE if self.words_per_minute else 1.0

    def words_per_minute_spoken(self) -> int:
        """The rate planning times this voice's lines at."""
        return round(NORMAL_WORDS_PER_MINUTE * self.rate())

    def pitch_semitones(self) -> float:
        """Pitch as semitones above or below a voice's own register (0 when not given)."""
        if isinstance(self.pitch, str):
            return PITCH_SEMITONES[self.pitch]
        return (self.pitch - 50) / ESPEAK_PITCH_STEPS_PER_SEMITONE if self.pitch is not None else 0.0


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
    extra: bool = Field(default=False, description="A minor role the bank does not have, played by an extra (casting.unknown: extra)")


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
        wanted = _place_key(place)
        for location in self.locations:
            if wanted in {_place_key(name) for name in (location.id, location.name, *location.aliases)}:
                return location
        return None


def _place_key(place: str) -> str:
    """Letters and digits of any script, lower case: '病院' stays itself where slugify() would make it 'unnamed'."""
    return "".join(re.findall(r"[^\W_]+", place.casefold()))


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
    language: str = Field(default="en", description="BCP 47 tag of the language the script is written in: 'en', 'ja', 'zh'")
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


class Plan(Model):
    title: str
    source: Path
    logline: str = ""
    style: str = ""
    language: str = Field(default="en", description="BCP 47 tag of the script's language: speech and subtitle rules follow it")
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
    resumes_s: list[float] = Field(default=[], description="Where speech starts again after a pause inside the line, from its start")


class Delivery(Model):
    """How one line is said: from its parenthetical, its punctuation and where its speaker is."""

    style: Literal["normal", "soft", "whisper", "shout"] = "normal"
    space: Literal["on_screen", "voice_over", "off_screen"] = "on_screen"
    speed: float = Field(default=1.0, gt=0, description="Pace, as a factor of the voice's own")
    pitch_semitones: float = 0.0
    level_db: float = Field(default=0.0, description="Loudness against the film's other lines")
    instructions: str = Field(default="", description="The same, in words, for backends that take instructions")


class CastVoice(Model):
    """One character's voice, as a speech backend cast it from the character's voice words and description."""

    character_id: Id
    name: str = Field(description="The character's name")
    voice: str = Field(description="The backend's voice: 'en-us+f3', 'en_US-libritts_r-medium', 'alloy', 'af_heart', a sample clip")
    speaker: int | None = Field(default=None, description="Speaker id in a multi-speaker voice")
    language: str = "en-us"
    speed: float = Field(default=1.0, gt=0, description="Pace, as a factor of the voice's own")
    pitch_semitones: float = 0.0
    instructions: str = ""
    sample: Path | None = Field(default=None, description="The clip a cloning backend speaks like")
    sample_text: str | None = None
    reason: str = Field(default="", description="Why this voice: the words it matched, or what sets it apart from a shared one")

    def label(self) -> str:
        """The voice as people read it: 'en_US-libritts_r-medium #12, pitch +2.5 st, speed x1.18'."""
        parts = [self.voice + (f" #{self.speaker}" if self.speaker is not None else "")]
        if round(self.pitch_semitones, 1):
            parts.append(f"pitch {self.pitch_semitones:+.1f} st")
        if round(self.speed, 2) != 1.0:
            parts.append(f"speed x{self.speed:.2f}")
        return ", ".join(parts)


class Casting(Model):
    """Every speaking character's voice in one film (OUT/voices.json)."""

    backend: str
    voices: list[CastVoice]
    notes: list[str] = Field(default=[], description="Where the backend had too few voices, and how shared ones differ")

    def voice(self, character_id: str) -> CastVoice | None:
        return next((voice for voice in self.voices if voice.character_id == character_id), None)


class LineTiming(Model):
    line_id: Id
    speaker_id: Id
    text: str
    audio: Path
    start_s: float = Field(ge=0, description="From the start of the movie")
    end_s: float = Field(ge=0)
    resumes_s: list[float] = Field(default=[], description="Where speech starts again after a pause inside the line, from its start")


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
