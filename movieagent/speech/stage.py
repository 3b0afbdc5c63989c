"""Stage: plan lines -> one WAV per line, in the voice casting gave its speaker (casting.py), through a speech backend.

Each line not already spoken with the same text, voice, delivery and backend settings is synthesised, then trimmed,
levelled and placed (audio.py), and written as OUT/speech/<line>.wav.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from movieagent.backends.base import SpeechBackend
from movieagent.cache import content_key, file_digest, reuse_or_make
from movieagent.config import BackendChoice
from movieagent.schema import CastVoice, Casting, Delivery, Plan, SpokenLine
from movieagent.speech.audio import finish_line, read_wav, speech_resumes, write_wav
from movieagent.speech.delivery import delivery_for
from movieagent.workspace import Workspace


def speak_lines(
    plan: Plan,
    casting: Casting,
    backend: SpeechBackend,
    backend_choice: BackendChoice,
    workspace: Workspace,
    on_done: Callable[[int], None] = lambda steps: None,
) -> list[SpokenLine]:
    """Synthesises every line not already spoken with the same text, voice, delivery and backend settings."""
    spoken: list[SpokenLine] = []
    samples_read: dict[str, str] = {}
    for line in plan.lines():
        voice = casting.voice(line.speaker_id)
        if voice is None:
            raise ValueError(f"line {line.id}: '{line.speaker_id}' was not cast; cast_film takes every speaker of the plan")
        delivery = delivery_for(line)
        output = workspace.line_audio(line.id)
        # A sample clip is part of the voice: a new recording under the same name is a new voice.
        sample = samples_read.setdefault(str(voice.sample), file_digest(voice.sample)) if voice.sample else None
        sound = voice.model_dump(mode="json", exclude={"name", "reason"})  # what is heard, not how it is described
        key = content_key(line.text, sound, delivery, sample, backend_choice)
        reuse_or_make(key, [output], partial(_speak, backend, line.text, voice, delivery, output))
        samples, rate = read_wav(output, what="the speech stage")
        spoken.append(
            SpokenLine(
                line_id=line.id,
                speaker_id=line.speaker_id,
                text=line.text,
                audio=output,
                duration_s=len(samples) / rate,
                resumes_s=speech_resumes(samples, rate),
            )
        )
        on_done(1)
    return spoken


def _speak(backend: SpeechBackend, text: str, voice: CastVoice, delivery: Delivery, output: Path) -> None:
    speech = backend.synthesize(text, voice, delivery)
    write_wav(finish_line(speech.samples, speech.sample_rate, delivery), speech.sample_rate, output)
