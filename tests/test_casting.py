"""Casting: every speaking character gets a voice that fits their words, none the same as another's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movieagent.backends import load_backend
from movieagent.backends.base import VoiceOption
from movieagent.config import BackendChoice
from movieagent.schema import CastMember, Character, CharacterBank, Line, Plan, Scene, Shot, Voice, slugify
from movieagent.speech.casting import cast_voices, film_speakers


class Catalogue:
    """A speech backend's casting side, with the voices given."""

    def __init__(self, options: list[VoiceOption]):
        self.options = options

    def voices(self) -> list[VoiceOption]:
        return self.options

    def requested(self, voice: Voice) -> None:
        return None


def person(name: str, description: str = "", **voice) -> Character:
    return Character(id=slugify(name), name=name, description=description, voice=Voice(**voice))


CAST = [
    person("Mara", "woman in her seventies, weathered"),
    person("Toby", "young man in his twenties"),
    person("Leo", "boy of nine"),
    person("Priya", "woman of thirty-four", accent="british"),
]


def test_voices_fit_the_words_and_description_and_differ():
    catalogue = Catalogue(
        [
            VoiceOption("en_US-amy-medium", gender="female", language="en-us"),
            VoiceOption("en_GB-alba-medium", gender="female", language="en-gb"),
            VoiceOption("en_US-ryan-high", gender="male", language="en-us"),
            VoiceOption("en_US-joe-medium", gender="male", language="en-us"),
            VoiceOption("de_DE-thorsten-medium", gender="male", language="de-de"),
        ]
    )
    casting = cast_voices(CAST, catalogue, "piper")

    chosen = {voice.name: voice for voice in casting.voices}
    assert chosen["Priya"].voice == "en_GB-alba-medium"  # the British one
    assert chosen["Mara"].voice == "en_US-amy-medium"
    assert {chosen["Toby"].voice, chosen["Leo"].voice} == {"en_US-ryan-high", "en_US-joe-medium"}  # never the German one
    assert chosen["Leo"].pitch_semitones > 0 and chosen["Mara"].speed < 1  # a child higher, an old woman slower
    assert casting.notes == []
    # The same inputs give the same cast, whatever the order of the catalogue.
    assert cast_voices(CAST, Catalogue(list(reversed(catalogue.options))), "piper") == casting


def test_a_multi_speaker_voice_gives_every_character_a_speaker_of_their_own():
    libritts = Catalogue([VoiceOption("en_US-libritts_r-medium", speaker=number, language="en-us") for number in range(904)])
    crowd = [person(f"Extra {number}") for number in range(40)]

    casting = cast_voices(crowd, libritts, "piper")

    speakers = [voice.speaker for voice in casting.voices]
    assert len(set(speakers)) == 40 and all(voice.pitch_semitones == 0 for voice in casting.voices)
    assert casting == cast_voices(crowd, libritts, "piper")
    assert speakers != list(range(40))  # spread over the model by a hash, not the first forty


def test_too_few_voices_are_shared_and_told_apart_and_said_so():
    casting = cast_voices(CAST, Catalogue([VoiceOption("en_US-joe-medium", gender="male", language="en-us")]), "piper")

    sounds = {(voice.voice, voice.pitch_semitones, voice.speed) for voice in casting.voices}
    assert len(sounds) == 4
    assert len(casting.notes) == 1 and casting.notes[0].startswith("piper has too few voices for this cast: 4 characters share one")
    mara = casting.voice("mara")
    assert mara is not None and mara.pitch_semitones > 2  # a woman on a man's voice: moved up towards hers
    # Two characters with nothing to tell them apart: the second is moved.
    twins = cast_voices([person("Ann"), person("Bea")], Catalogue([VoiceOption("solo")]), "piper")
    ann, bea = twins.voices
    assert (ann.pitch_semitones, ann.speed) == (0.0, 1.0) and bea.pitch_semitones != 0.0
    assert "moved in pitch and pace" in bea.reason and f"Bea ({bea.label()})" in twins.notes[0]


def test_plain_words_and_legacy_numbers_set_pitch_and_pace():
    catalogue = Catalogue([VoiceOption(str(number)) for number in range(6)])
    casting = cast_voices(
        [
            person("High", pitch="high", speed="slow"),
            person("Low", pitch="low", speed="fast"),
            person("Numbers", pitch=62, words_per_minute=200),
            person("Factor", speed=1.5),
        ],
        catalogue,
        "any",
    )
    pitch = {voice.name: voice.pitch_semitones for voice in casting.voices}
    speed = {voice.name: voice.speed for voice in casting.voices}
    assert pitch["High"] > 0 > pitch["Low"] and pitch["Numbers"] == 2.0
    assert speed["High"] < 1 < speed["Low"] and speed["Numbers"] == 1.25 and speed["Factor"] == 1.5


@pytest.mark.parametrize("kind", ["espeak", "piper", "openai", "kokoro", "chatterbox"])
def test_plain_word_voices_are_accepted_by_every_backend(kind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    options = {
        "piper": {"voices_dir": str(tmp_path)},
        "openai": {"base_url": "http://127.0.0.1:9/v1"},
        "kokoro": {"model": str(tmp_path), "voices": ["af_heart", "am_adam"]},
        "chatterbox": {"model": str(tmp_path)},
    }.get(kind, {})
    if kind == "piper":  # a voice folder with one multi-speaker voice (its config is all casting reads)
        (tmp_path / "en_US-test-medium.onnx").write_bytes(b"")
        (tmp_path / "en_US-test-medium.onnx.json").write_text(json.dumps({"num_speakers": 3, "language": {"code": "en_US"}}))
    backend = load_backend("speech", BackendChoice(kind=kind, **options))
    people = [
        person("Ann", gender="female", age=70, pitch="high", speed="slow", accent="british"),
        person("Ben", gender="male", age="child", pitch="low", speed="fast"),
    ]

    casting = cast_voices(people, backend, kind)

    assert [voice.name for voice in casting.voices] == ["Ann", "Ben"]
    assert len({voice.label() for voice in casting.voices}) == 2
    ann, ben = casting.voices
    assert ann.speed < 1 < ben.speed and ann.pitch_semitones > ben.pitch_semitones


def test_extras_the_plan_adds_get_voices_unlike_the_cast():
    bank = CharacterBank(root=Path("."), characters=[person("Mara", "an old woman"), person("Toby", "a young man"), person("Silent")])
    line = lambda number, speaker: Line(id=f"line-{number}", speaker_id=speaker, text="Ahoy!")  # noqa: E731
    shot = Shot(id="shot-1", scene_id="scene-1", duration_s=3, lines=[line(1, "toby"), line(2, "a-voice"), line(3, "mara")])
    plan = Plan(
        title="t",
        source=Path("t.fountain"),
        cast=[CastMember(id="a-voice", name="A VOICE", description="a woman, calling from the dark")],
        locations=[],
        scenes=[Scene(id="scene-1", index=1, heading="EXT. SHORE", location_id="shore", shots=[shot])],
    )

    speakers = film_speakers(plan, bank)
    casting = cast_voices(speakers, Catalogue([VoiceOption(f"v{number}", gender=("female", "male")[number % 2]) for number in range(4)]), "x")

    assert [speaker.name for speaker in speakers] == ["Mara", "Toby", "A VOICE"]  # the bank's first, the extra last
    extra = casting.voice("a-voice")
    assert extra is not None and extra.voice not in {casting.voice("mara").voice, casting.voice("toby").voice}
    assert "gender female" in extra.reason


def test_validate_shows_the_cast_and_speech_takes_a_backend_by_name():
    from typer.testing import CliRunner

    from movieagent.cli import app

    root = Path(__file__).resolve().parents[1]
    arguments = ["validate", str(root / "examples/short/the-lighthouse-keeper.fountain"), "-b", str(root / "character_bank/lighthouse")]
    shown = CliRunner().invoke(app, [*arguments, "--speech", "espeak"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "voices (espeak)" in shown.output and "Mara Quell  f3, pitch -1.3 st, speed x0.94" in shown.output
    refused = CliRunner().invoke(app, [*arguments, "--speech", "festival"])
    assert refused.exit_code == 2 and "festival" in refused.output
