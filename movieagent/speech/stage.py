"""Stage: plan lines -> one WAV per line, in the voice casting gave its speaker, through a speech backend.

0. preflight      before any work: the backend's weights and every voice the bank names for it
1. cast_film      every speaking character (the bank's, then extras the plan added) gets a voice (casting.py);
                  the cast is written to OUT/voices.json
2. speak_lines    each line not already spoken with the same text, voice, delivery and backend settings is
                  synthesised, then trimmed, levelled and placed (audio.py), and written as OUT/speech/<line>.wav
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from movieagent.backends import load_backend
from movieagent.backends.base import ChecksWeights, SpeechBackend
from movieagent.cache import content_key, file_digest, reuse_or_make
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors
from movieagent.ingest.bank import CHARACTER_FILE
from movieagent.schema import CastVoice, Casting, Character, CharacterBank, Delivery, Plan, Script, SpokenLine, slugify
from movieagent.speech.audio import finish_line, read_wav, speech_resumes, write_wav
from movieagent.speech.casting import cast_voices
from movieagent.speech.delivery import delivery_for
from movieagent.workspace import Workspace, write_text_atomic


def preflight(backend: SpeechBackend, characters: list[Character]) -> None:
    """Raises InputErrors naming every missing voice model and every voice a character names that the backend lacks."""
    problems: list[InputError] = []
    if isinstance(backend, ChecksWeights):
        try:
            backend.preflight()
        except InputErrors as errors:
            problems += errors.problems
        except InputError as error:
            problems.append(error)
    for character in characters:
        try:
            backend.requested(character.voice)
        except InputError as error:
            where = character.folder / CHARACTER_FILE if character.folder else None
            problems.append(InputError(f"{character.name}: {error.message}", path=where, line=error.line, fix=error.fix))
    if problems:
        raise InputErrors(problems)


def film_speakers(plan: Plan, bank: CharacterBank) -> list[Character]:
    """Who speaks in the film: bank characters in bank order, then speakers the bank lacks (extras) in plan order."""
    speaking = {line.speaker_id for line in plan.lines()}
    people = [character for character in bank.characters if character.id in speaking]
    known = {character.id for character in people}
    members = {member.id: member for member in plan.cast}
    for line in plan.lines():
        if line.speaker_id not in known:
            member = members.get(line.speaker_id)
            people.append(
                Character(
                    id=line.speaker_id,
                    name=member.name if member else line.speaker_id,
                    description=member.description if member else "",
                )
            )
            known.add(line.speaker_id)
    return people


def script_casting(script: Script, bank: CharacterBank, backend_choice: BackendChoice) -> Casting:
    """The voices a film of `script` would have, before any planning (for `validate`); preflight problems raised."""
    backend = load_backend("speech", backend_choice)
    preflight(backend, bank.characters)
    speaking: dict[str, Character] = {}
    for dialogue in script.dialogue():
        character = bank.find_character(dialogue.cue) or Character(id=slugify(dialogue.cue), name=dialogue.cue)
        speaking.setdefault(character.id, character)
    in_bank = [character for character in bank.characters if character.id in speaking]
    extras = [character for character in speaking.values() if character not in in_bank]
    return cast_film([*in_bank, *extras], backend, backend_choice.kind)


def cast_film(speakers: list[Character], backend: SpeechBackend, kind: str, workspace: Workspace | None = None) -> Casting:
    """The film's voices; written to OUT/voices.json when a workspace is given."""
    casting = cast_voices(speakers, backend, kind)
    if workspace is not None:
        write_text_atomic(workspace.voices, casting.model_dump_json(indent=2))
    return casting


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
