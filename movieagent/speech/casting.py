"""Casting: every speaking character gets one voice of the speech backend for the whole film.

preflight (the backend's weights and the voices the bank names), film_speakers / script_casting (who speaks),
cast_film (their voices, written to OUT/voices.json); cast_voices does the choosing:

1. Words: each character's voice words (schema.Voice), the unset ones read from the description.
2. Requests first: a voice the character names for this backend (voice.piper, voice.espeak, ...) is theirs.
3. Everyone else, in bank order (then extras), gets the unused voice that fits their words best: language,
   gender, accent, age, register. Ties are broken by a hash of the character and the voice, so the choice is the
   same on every run and machine and spread over equal voices (a multi-speaker model's hundreds of speakers).
4. When the backend has too few voices, the least used one that fits is shared, and each character after the
   first who shares it is moved in pitch and pace until no two characters sound the same; `notes` says so.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from movieagent.backends import load_backend
from movieagent.backends.base import ChecksWeights, SpeechBackend, VoiceOption, VoiceRequest
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors
from movieagent.ingest.bank import CHARACTER_FILE
from movieagent.ingest.voice_words import with_words_from
from movieagent.schema import AgeGroup, CastVoice, Casting, Character, CharacterBank, Plan, Script, Voice, slugify
from movieagent.workspace import Workspace, write_text_atomic

# Accents people write, as the locale a backend's voices are tagged with.
ACCENT_LOCALES = {
    "american": "en-us", "us": "en-us", "texan": "en-us", "southern": "en-us", "canadian": "en-us",
    "british": "en-gb", "english": "en-gb", "uk": "en-gb", "rp": "en-gb", "welsh": "en-gb", "irish": "en-gb",
    "scottish": "en-gb-scotland", "australian": "en-gb", "indian": "en-gb",
}  # fmt: skip
# A script's language without a region, spoken in this one unless a voice names another.
DEFAULT_LOCALES = {"en": "en-us"}
# How shared voices are told apart: (semitones, pace) for the 2nd, 3rd, ... character on one voice.
VARIATIONS = ((2.5, 1.0), (-2.5, 1.0), (1.5, 1.12), (-1.5, 0.9), (4.0, 1.0), (-4.0, 1.0), (3.0, 0.9), (-3.0, 1.12))
# Where a backend has no voice of a character's age, the register and pace move a little towards it.
AGE_SHIFT: dict[str, tuple[float, float]] = {"child": (3.0, 1.05), "teen": (1.5, 1.0), "old": (-1.0, 0.94)}
# A character given a voice of the other gender (the backend has none of theirs) is moved this far towards their own.
GENDER_SHIFT = {"female": 4.0, "male": -4.0}
# Farther than this from a voice's own register, resampled speech stops sounding like a person.
MAX_SHIFT_SEMITONES = 7.0
_AGES: tuple[AgeGroup, ...] = ("child", "teen", "young", "adult", "middle-aged", "old")


def cast_voices(characters: Sequence[Character], backend: SpeechBackend, kind: str, language: str = "en") -> Casting:
    """One CastVoice per character, in the order given (the bank's, then extras: extras choose last).

    `language` is the script's: a character whose voice names none speaks it.
    """
    # 1. Words, from the voice and the description.
    wanted = {character.id: _speaking(with_words_from(character.voice, character.description), language) for character in characters}
    requests = {character.id: backend.requested(character.voice) for character in characters}
    catalogue = backend.voices()
    uses: Counter[tuple[str, int | None]] = Counter()
    chosen: dict[str, VoiceOption] = {}

    # 2. Requested voices first, so nobody else takes them.
    for character in characters:
        request = requests[character.id]
        if request is not None and request.voice is not None:
            chosen[character.id] = _requested_option(request, catalogue)
            uses[_key(chosen[character.id])] += 1

    # 3. The best-fitting voice nobody has yet; else the least used of the best-fitting ones.
    for character in characters:
        if character.id in chosen:
            continue
        if not catalogue:
            raise ValueError(f"the {kind} speech backend listed no voices")
        words = wanted[character.id]
        # A voice of the right language and gender, shared and moved in pitch, beats a free one of the wrong kind.
        option = max(
            catalogue,
            key=lambda option: (_speaks(words, option), -uses[_key(option)], _fit(words, option), _tie(character.id, option)),
        )
        chosen[character.id] = option
        uses[_key(option)] += 1

    # 4. Each character's own pitch and pace, then shared voices told apart.
    cast = [_cast(character, wanted[character.id], requests[character.id], chosen[character.id]) for character in characters]
    cast, notes = _told_apart(cast, kind)
    return Casting(backend=kind, voices=cast, notes=notes)


def _speaking(words: Voice, language: str) -> Voice:
    """The words with the script's language where the voice names none (English as American, as it always was)."""
    return words if words.language else words.model_copy(update={"language": DEFAULT_LOCALES.get(language.lower(), language)})


def locale_of(words: Voice) -> str:
    """The locale a character speaks in: the accent's ('scottish' -> 'en-gb-scotland') when it is of their language."""
    language = (words.language or "en").lower().replace("_", "-")
    accent = ACCENT_LOCALES.get(words.accent or "", words.accent or "").lower().replace("_", "-")
    return accent if accent and accent.split("-")[0] == language.split("-")[0] else language


def _speaks(words: Voice, option: VoiceOption) -> tuple[bool, bool]:
    """(speaks the character's language, is not of the other gender)."""
    language = option.language is None or option.language.lower().split("_")[0].split("-")[0] == locale_of(words).split("-")[0]
    gender = not (words.gender and option.gender and "neutral" not in (words.gender, option.gender) and words.gender != option.gender)
    return language, gender


def _fit(words: Voice, option: VoiceOption) -> float:
    """How well a voice fits a character's words: language matters most, then gender, accent, age."""
    score = 0.0
    locale = locale_of(words)
    if option.language is not None:
        theirs = option.language.lower().replace("_", "-")
        score += 0 if theirs.split("-")[0] == locale.split("-")[0] else -20  # a voice of another language: last resort
        score += 3 if theirs == locale or locale.startswith(theirs) else 0
    if words.gender and option.gender:
        score += 1 if "neutral" in (words.gender, option.gender) else 6 if words.gender == option.gender else -8
    if words.accent and option.accent:
        score += 2 if words.accent == option.accent else 0
    if words.age and option.age:
        distance = abs(_AGES.index(words.age) - _AGES.index(option.age))  # type: ignore[arg-type]
        score += 2 - distance
    return score


def _tie(character_id: str, option: VoiceOption) -> float:
    digest = hashlib.sha256(f"{character_id}/{option.voice}/{option.speaker}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _key(option: VoiceOption) -> tuple[str, int | None]:
    return option.voice, option.speaker


def _requested_option(request: VoiceRequest, catalogue: list[VoiceOption]) -> VoiceOption:
    listed = next((option for option in catalogue if (option.voice, option.speaker) == (request.voice, request.speaker)), None)
    return listed or VoiceOption(voice=request.voice or "", speaker=request.speaker, language=request.language)


def _cast(character: Character, words: Voice, request: VoiceRequest | None, option: VoiceOption) -> CastVoice:
    pitch, speed = words.pitch_semitones(), words.rate()
    reason = [f"{name} {value}" for name in ("gender", "age", "accent") if (value := getattr(words, name))]
    named = request is not None and request.voice is not None
    if words.age in AGE_SHIFT and option.age is None and not named:
        age_pitch, age_speed = AGE_SHIFT[words.age]
        pitch += age_pitch if words.pitch is None else 0.0
        speed *= age_speed if words.speed is None and words.words_per_minute is None else 1.0
    if words.gender in GENDER_SHIFT and option.gender not in (None, "neutral", words.gender) and not named:
        pitch += GENDER_SHIFT[words.gender]
    if request is not None:
        pitch = request.pitch_semitones if request.pitch_semitones is not None else pitch
        speed = request.speed if request.speed is not None else speed
    return CastVoice(
        character_id=character.id,
        name=character.name,
        voice=option.voice,
        speaker=option.speaker,
        language=(request.language if request and request.language else None) or option.language or locale_of(words),
        speed=round(speed, 4),
        pitch_semitones=round(min(max(pitch, -MAX_SHIFT_SEMITONES), MAX_SHIFT_SEMITONES), 3),
        instructions=(request.instructions if request and request.instructions else "") or _instructions(words),
        sample=character.voice.sample,
        sample_text=character.voice.sample_text,
        reason="named in the bank" if named else ("matches " + ", ".join(reason) if reason else "no voice words: any voice"),
    )


def _instructions(words: Voice) -> str:
    """The character's voice in words, for backends that take instructions."""
    child = words.age == "child"
    noun = {"female": "girl" if child else "woman", "male": "boy" if child else "man"}.get(words.gender or "", "child" if child else "person")
    age = {"teen": "teenage", "young": "young", "middle-aged": "middle-aged", "old": "old"}.get(words.age or "", "")
    who = f"{age} {noun}".strip()
    parts = [f"{'An' if who[0] in 'aeiou' else 'A'} {who}'s voice." if (age or noun != "person") else ""]
    if words.accent:
        parts.append(f"A {words.accent} accent.")
    if words.pitch is not None and not isinstance(words.pitch, int):
        parts.append(f"A {words.pitch} voice.")
    if isinstance(words.speed, str) and words.speed != "normal":
        parts.append(f"Speaks {words.speed}.")
    return " ".join(part for part in parts if part)


def _told_apart(cast: list[CastVoice], kind: str) -> tuple[list[CastVoice], list[str]]:
    """Characters on one voice moved in pitch and pace until each sounds different; a note per shared voice."""
    sounds: set[tuple[str, int | None, float, float]] = set()
    result: list[CastVoice] = []
    for voice in cast:
        variation = 0
        moved = voice
        while (moved.voice, moved.speaker, moved.pitch_semitones, moved.speed) in sounds:
            pitch, pace = VARIATIONS[variation % len(VARIATIONS)]
            step = 1 + variation // len(VARIATIONS)
            moved = voice.model_copy(
                update={"pitch_semitones": round(voice.pitch_semitones + pitch * step, 3), "speed": round(voice.speed * pace**step, 4)}
            )
            variation += 1
        if moved is not voice:
            moved = moved.model_copy(update={"reason": f"{voice.reason}; moved in pitch and pace from a character on the same voice"})
        sounds.add((moved.voice, moved.speaker, moved.pitch_semitones, moved.speed))
        result.append(moved)
    notes = []
    for shared in {(voice.voice, voice.speaker) for voice in result}:
        sharing = [voice for voice in result if (voice.voice, voice.speaker) == shared]
        if len(sharing) > 1:
            told = ", ".join(f"{voice.name} ({voice.label()})" for voice in sharing)
            notes.append(f"{kind} has too few voices for this cast: {len(sharing)} characters share one, told apart by pitch and pace: {told}")
    return result, sorted(notes)


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
    return cast_film([*in_bank, *extras], backend, backend_choice.kind, script.language)


def cast_film(speakers: list[Character], backend: SpeechBackend, kind: str, language: str, workspace: Workspace | None = None) -> Casting:
    """The film's voices, in the script's `language` unless a voice names its own; written to OUT/voices.json with a workspace."""
    casting = cast_voices(speakers, backend, kind, language)
    if workspace is not None:
        write_text_atomic(workspace.voices, casting.model_dump_json(indent=2))
    return casting
