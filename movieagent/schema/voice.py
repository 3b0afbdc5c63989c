"""A character's voice in words any speech backend understands (voice: in character.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from movieagent.schema.base import Model

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
