"""Stage: plan lines -> one WAV per line, in the voice casting gave its speaker (casting.py), through a speech backend.

Each line not already spoken with the same text, voice, delivery and backend settings is synthesised, then trimmed,
levelled and placed (audio.py), and written as OUT/speech/<line>.wav.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from movieagent.backends.base import SpeechBackend
from movieagent.cache import content_key, file_digest, reuse_or_make
from movieagent.config import BackendChoice
from movieagent.schema import Casting, CastVoice, Delivery, Line, Plan, SpokenLine
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
    """Synthesises every line not already spoken with the same text, voice, delivery and backend settings, as many at
    once as the backend allows (backend.parallel_lines); the lines come back in the plan's order."""
    samples_read: dict[str, str] = {}
    keyed = []
    for line in plan.lines():
        voice = casting.voice(line.speaker_id)
        if voice is None:
            raise ValueError(f"line {line.id}: '{line.speaker_id}' was not cast; cast_film takes every speaker of the plan")
        # A sample clip is part of the voice: a new recording under the same name is a new voice.
        sample = samples_read.setdefault(str(voice.sample), file_digest(voice.sample)) if voice.sample else None
        sound = voice.model_dump(mode="json", exclude={"name", "reason"})  # what is heard, not how it is described
        delivery = delivery_for(line)
        keyed.append((line, voice, delivery, content_key(line.text, sound, delivery, sample, backend_choice)))

    def spoken_line(item: tuple[Line, CastVoice, Delivery, str]) -> SpokenLine:
        line, voice, delivery, key = item
        output = workspace.line_audio(line.id)
        reuse_or_make(key, [output], partial(_speak, backend, line.text, voice, delivery, output))
        samples, rate = read_wav(output, what="the speech stage")
        return SpokenLine(
            line_id=line.id,
            speaker_id=line.speaker_id,
            text=line.text,
            audio=output,
            duration_s=len(samples) / rate,
            resumes_s=speech_resumes(samples, rate),
        )

    spoken: list[SpokenLine] = []
    pool = ThreadPoolExecutor(max_workers=backend.parallel_lines, thread_name_prefix="movieagent-speech")
    try:
        for line in pool.map(spoken_line, keyed):
            spoken.append(line)
            on_done(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a failed line stops the lines not yet begun
    return spoken


def _speak(backend: SpeechBackend, text: str, voice: CastVoice, delivery: Delivery, output: Path) -> None:
    speech = backend.synthesize(text, voice, delivery)
    write_wav(finish_line(speech.samples, speech.sample_rate, delivery), speech.sample_rate, output)
