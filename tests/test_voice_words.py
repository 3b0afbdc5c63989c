"""Voice words in character.yaml and from descriptions; delivery from parentheticals, punctuation and V.O./O.S."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from movieagent.errors import InputErrors
from movieagent.ingest import load_bank
from movieagent.ingest.voice_words import voice_words, with_words_from
from movieagent.schema import Delivery, Line, Voice
from movieagent.speech.audio import finish_line, speech_resumes
from movieagent.speech.delivery import delivery_for


def test_plain_words_synonyms_and_numbers_are_understood():
    voice = Voice(gender="Woman", age=78, pitch="deep", speed="quick", accent="  Scottish ")
    assert (voice.gender, voice.age, voice.pitch, voice.speed, voice.accent) == ("female", "old", "low", "fast", "scottish")
    assert (voice.rate(), voice.pitch_semitones()) == (1.18, -2.5)
    legacy = Voice(language="en-us", variant="f3", pitch=42, words_per_minute=150)
    assert (legacy.rate(), legacy.words_per_minute_spoken(), round(legacy.pitch_semitones(), 3)) == (0.9375, 150, -1.333)
    assert Voice(age=9).age == "child" and Voice(age="middle aged").age == "middle-aged" and Voice(speed=1.5).rate() == 1.5


def test_wrong_values_name_the_file_the_line_and_what_is_allowed(tmp_path: Path, portrait):
    folder = tmp_path / "bank" / "ann"
    portrait(folder / "best.png")
    (folder / "character.yaml").write_text(
        "name: Ann\nvoice:\n  gender: woman\n  pitch: shrill\n  speed: 3\n  speeed: fast\n  piper: {speakr: 3}\n  sample: ann.ogg\n",
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as caught:
        load_bank(tmp_path / "bank")
    found = {(problem.line, problem.message): problem.fix for problem in caught.value.problems}
    assert (4, "voice.pitch: Value error, use low, medium or high, or a number from 0 to 99 (got 'shrill')") in found
    assert (5, "voice.speed: Value error, use slow, normal or fast, or a factor from 0.5 to 2 (got 3)") in found
    assert "gender, age, pitch, speed" in found[(6, "unknown key 'voice.speeed'")]
    assert found[(7, "unknown key 'voice.piper.speakr'")] == "allowed keys: voice, speaker"
    assert all(problem.path == folder / "character.yaml" for problem in caught.value.problems)


def test_a_sample_must_be_a_sound_file_in_the_characters_folder(tmp_path: Path, portrait):
    folder = tmp_path / "bank" / "ann"
    portrait(folder / "best.png")
    for sample, problem in (("../bob/bob.wav", "not a plain file name"), ("notes.txt", "not a sound file"), ("ann.wav", "not found")):
        (folder / "character.yaml").write_text(f"name: Ann\nvoice: {{sample: {sample}}}\n", encoding="utf-8")
        with pytest.raises(InputErrors, match=problem):
            load_bank(tmp_path / "bank")
    (folder / "ann.wav").write_bytes(b"RIFF")
    assert load_bank(tmp_path / "bank").character("ann").voice.sample == (folder / "ann.wav").resolve()


@pytest.mark.parametrize(
    ("description", "words"),
    [
        ("widower of seventy-eight, bushy white eyebrows", {"gender": "male", "age": "old"}),
        ("ARTHUR PENHALLOW (78, round glasses)", {"age": "old"}),
        ("boy of nine, gap-toothed grin", {"gender": "male", "age": "child"}),
        ("landlady in her sixties", {"gender": "female", "age": "old"}),
        ("a deep-voiced Scottish fisherman", {"gender": "male", "pitch": "low", "accent": "scottish"}),
        ("mother of 3, tired", {"gender": "female"}),
        ("a 45-year-old detective, she drawls", {"gender": "female", "age": "middle-aged", "speed": "slow"}),
        ("a lighthouse", {}),
    ],
)
def test_words_read_from_a_description(description: str, words: dict):
    assert voice_words(description).model_dump(exclude_none=True, exclude={"language"}) == words


def test_words_written_in_the_bank_win_over_the_description():
    voice = with_words_from(Voice(gender="female", words_per_minute=150), "a young man who talks fast")
    assert (voice.gender, voice.age, voice.speed) == ("female", "young", None)  # words_per_minute already says the pace


def line(text: str, parenthetical: str | None = None, **space) -> Line:
    return Line(id="line-1", speaker_id="ann", text=text, parenthetical=parenthetical, **space)


def test_delivery_from_parentheticals_punctuation_and_space():
    assert delivery_for(line("Hello.")) == Delivery()
    whisper = delivery_for(line("Over here.", "whispering"))
    shout = delivery_for(line("Get down!", "shouting"))
    assert (whisper.style, shout.style, delivery_for(line("Sh.", "quietly")).style) == ("whisper", "shout", "soft")
    assert whisper.level_db < 0 < shout.level_db and whisper.speed < 1 < shout.speed and shout.pitch_semitones > 0
    assert "Whisper." in whisper.instructions and "Shout" in shout.instructions
    exclaimed, asked = delivery_for(line("We did it!")), delivery_for(line("Who's there?\""))
    assert exclaimed.speed > 1 and exclaimed.level_db > 0 and asked.pitch_semitones > 0 and "question" in asked.instructions
    assert "(a tight smile)" in delivery_for(line("Fine.", "a tight smile")).instructions
    narration = delivery_for(line("It was 1962.", off_screen=True, voice_over=True))
    next_door = delivery_for(line("Dinner!", off_screen=True))
    assert (narration.space, next_door.space) == ("voice_over", "off_screen") and next_door.level_db < 1.5


def band_share(samples: np.ndarray, rate: int, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(spectrum[(frequencies >= low) & (frequencies < high)].sum() / spectrum.sum())


def test_off_screen_is_muffled_and_voice_over_close_each_at_one_level():
    rate = 22050
    noise = signal.sosfilt(signal.butter(2, [100, 8000], "bandpass", fs=rate, output="sos"), np.random.default_rng(1).standard_normal(rate))
    speech = np.concatenate([np.zeros(rate // 2), 0.05 * noise, np.zeros(rate // 2)]).astype(np.float32)

    on_screen = finish_line(speech, rate, Delivery())
    off_screen = finish_line(speech, rate, Delivery(space="off_screen"))
    voice_over = finish_line(speech, rate, Delivery(space="voice_over"))
    quiet = finish_line(speech, rate, Delivery(level_db=-6))

    assert len(on_screen) == pytest.approx(rate * 1.04, abs=rate * 0.01)  # trimmed to the speech and 20 ms each side
    assert 20 * np.log10(np.sqrt(np.mean(on_screen**2))) == pytest.approx(-20.0, abs=1.0)  # one level for every line
    assert 20 * np.log10(np.sqrt(np.mean(on_screen**2)) / np.sqrt(np.mean(quiet**2))) == pytest.approx(6.0, abs=0.2)
    assert band_share(off_screen, rate, 4000, 11025) < 0.5 * band_share(on_screen, rate, 4000, 11025)
    assert band_share(voice_over, rate, 0, 250) > 1.3 * band_share(on_screen, rate, 0, 250)


def test_pauses_inside_a_line_are_found_where_the_speech_resumes():
    rate = 22050
    burst = 0.3 * np.sin(2 * np.pi * 200 * np.arange(rate // 2) / rate)
    speech = np.concatenate([burst, np.zeros(rate // 4), burst, np.zeros(rate // 20), burst]).astype(np.float32)
    assert speech_resumes(speech, rate) == [pytest.approx(0.75, abs=0.006)]  # the 50 ms gap is no pause
