"""All data that flows between stages, as pydantic models, one module per stage's data.

script + character bank -> Plan -> RenderJob per shot -> clips + speech + subtitles -> movie.
Every model here is plain data: no I/O, no backend objects.

base.py    ids safe in file names, slugify, the strict Model
voice.py   a character's voice in words (voice: in character.yaml)
bank.py    characters and locations
script.py  the script as ingested
plan.py    the plan: scenes, shots, camera, cast, dialogue
timing.py  speech, cast voices, the timeline
jobs.py    render jobs and clip results
"""

from movieagent.schema.bank import Character, CharacterBank, Location
from movieagent.schema.base import ID_PATTERN, Id, Model, slugify
from movieagent.schema.jobs import ClipResult, JobCharacter, RenderJob
from movieagent.schema.plan import (
    CAMERA_ANGLE_WORDS,
    SHOT_SIZE_WORDS,
    Box,
    CameraAngle,
    CameraMovement,
    CastMember,
    CharacterInShot,
    Line,
    LocationSheet,
    Plan,
    PlanningAnswer,
    Scene,
    Shot,
    ShotSize,
    Transition,
)
from movieagent.schema.script import Script, ScriptAction, ScriptDialogue, ScriptElement, ScriptScene, ScriptTransition
from movieagent.schema.timing import Casting, CastVoice, Delivery, LineTiming, ShotTiming, SpokenLine, Timeline
from movieagent.schema.voice import (
    ESPEAK_PITCH_STEPS_PER_SEMITONE,
    NORMAL_WORDS_PER_MINUTE,
    PITCH_SEMITONES,
    SPEED_FACTORS,
    AgeGroup,
    EspeakVoiceChoice,
    Gender,
    KokoroVoiceChoice,
    OpenAIVoiceChoice,
    PiperVoiceChoice,
    PitchWord,
    SpeedWord,
    Voice,
    age_group,
)

__all__ = [
    "CAMERA_ANGLE_WORDS",
    "ESPEAK_PITCH_STEPS_PER_SEMITONE",
    "ID_PATTERN",
    "NORMAL_WORDS_PER_MINUTE",
    "PITCH_SEMITONES",
    "SHOT_SIZE_WORDS",
    "SPEED_FACTORS",
    "AgeGroup",
    "Box",
    "CameraAngle",
    "CameraMovement",
    "CastMember",
    "CastVoice",
    "Casting",
    "Character",
    "CharacterBank",
    "CharacterInShot",
    "ClipResult",
    "Delivery",
    "EspeakVoiceChoice",
    "Gender",
    "Id",
    "JobCharacter",
    "KokoroVoiceChoice",
    "Line",
    "LineTiming",
    "Location",
    "LocationSheet",
    "Model",
    "OpenAIVoiceChoice",
    "PiperVoiceChoice",
    "PitchWord",
    "Plan",
    "PlanningAnswer",
    "RenderJob",
    "Scene",
    "Script",
    "ScriptAction",
    "ScriptDialogue",
    "ScriptElement",
    "ScriptScene",
    "ScriptTransition",
    "Shot",
    "ShotSize",
    "ShotTiming",
    "SpeedWord",
    "SpokenLine",
    "Timeline",
    "Transition",
    "Voice",
    "age_group",
    "slugify",
]
