"""Speech, voices and timing: what was spoken, by which voice, and where every line and shot sits."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from movieagent.schema.base import Id, Model


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
