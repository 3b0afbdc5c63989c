"""Stage: plan lines -> one WAV per line with its real duration, through a speech backend."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from movieagent.backends.base import SpeechBackend
from movieagent.cache import content_key, reuse_or_make
from movieagent.config import BackendChoice
from movieagent.media import read_wav_duration
from movieagent.schema import CharacterBank, Plan, SpokenLine, Voice
from movieagent.workspace import Workspace


def speak_lines(
    plan: Plan,
    bank: CharacterBank,
    backend: SpeechBackend,
    backend_choice: BackendChoice,
    workspace: Workspace,
    on_done: Callable[[int], None] = lambda steps: None,
) -> list[SpokenLine]:
    """Synthesises every line not already spoken with the same text, voice and backend settings."""
    voices = {character.id: character.voice for character in bank.characters}
    spoken: list[SpokenLine] = []
    for line in plan.lines():
        # Speakers outside the bank (planned from an unvalidated script) get the default voice.
        voice = voices.get(line.speaker_id, Voice())
        output = workspace.line_audio(line.id)
        reuse_or_make(content_key(line.text, voice, backend_choice), [output], partial(backend.synthesize, line.text, voice, output))
        spoken.append(
            SpokenLine(
                line_id=line.id,
                speaker_id=line.speaker_id,
                text=line.text,
                audio=output,
                duration_s=read_wav_duration(output),
            )
        )
        on_done(1)
    return spoken
