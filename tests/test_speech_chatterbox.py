"""The chatterbox (voice cloning) speech backend, up to the model call.

chatterbox-tts pins torch 2.6 and diffusers 0.29, which cannot share this environment, and its T3 model has no
configurable size: a stand-in `chatterbox.tts.ChatterboxTTS` with the package's interface (from_local, sr,
generate) takes its place. Everything around it is real: the sample read and converted by ffmpeg, its length
checked, the model files found or named with the fetch command, delivery turned into exaggeration, the answer
post-processed. The backend has not run with the real weights (README, Voices).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors
from movieagent.ingest import load_bank
from movieagent.schema import CastVoice, Delivery
from movieagent.speech.audio import read_wav, write_wav
from movieagent.speech.casting import cast_voices
from movieagent.speech.chatterbox import MODEL_FILES

torch = pytest.importorskip("torch")
hub_constants = pytest.importorskip("huggingface_hub.constants")


class StandInChatterbox:
    """chatterbox.tts.ChatterboxTTS's interface; speaks a tone at the pitch of the sample it was given."""

    loaded_from: list[tuple[Path, str]] = []

    def __init__(self) -> None:
        self.sr = 24000
        self.calls: list[dict] = []

    @classmethod
    def from_local(cls, ckpt_dir: Path, device: str) -> StandInChatterbox:
        cls.loaded_from.append((Path(ckpt_dir), device))
        return cls()

    def generate(self, text: str, audio_prompt_path: str | None = None, exaggeration: float = 0.5, cfg_weight: float = 0.5, temperature: float = 0.8):
        self.calls.append({"text": text, "prompt": audio_prompt_path, "exaggeration": exaggeration, "cfg_weight": cfg_weight})
        if audio_prompt_path is not None:
            samples, rate = read_wav(Path(audio_prompt_path), what="the sample")
            assert rate == self.sr  # the backend converted it to the model's rate
        seconds = 0.08 * len(text.split())
        time = np.arange(int(seconds * self.sr)) / self.sr
        return torch.from_numpy(0.5 * np.sin(2 * np.pi * 180 * time).astype(np.float32)).unsqueeze(0)


@pytest.fixture
def model_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package, module = types.ModuleType("chatterbox"), types.ModuleType("chatterbox.tts")
    module.ChatterboxTTS = StandInChatterbox  # type: ignore[attr-defined]
    package.tts = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "chatterbox", package)
    monkeypatch.setitem(sys.modules, "chatterbox.tts", module)
    folder = tmp_path / "chatterbox"
    folder.mkdir()
    for name in MODEL_FILES:
        (folder / name).write_bytes(b"weights")
    return folder


def sample(path: Path, seconds: float, rate: int = 44100) -> Path:
    time = np.arange(int(seconds * rate)) / rate
    write_wav((0.3 * np.sin(2 * np.pi * 140 * time)).astype(np.float32), rate, path)
    return path


def bank_with_samples(root: Path, portrait) -> Path:
    for folder, name, seconds in (("mara", "Mara", 8.0), ("toby", "Toby", None)):
        portrait(root / folder / "best.png")
        voice = f"voice: {{sample: {folder}.wav, sample_text: Keep the lamp burning.}}\n" if seconds else ""
        (root / folder / "character.yaml").write_text(f"name: {name}\n{voice}", encoding="utf-8")
        if seconds:
            sample(root / folder / f"{folder}.wav", seconds)
    return root


def test_each_character_speaks_in_the_voice_of_their_sample(model_folder: Path, tmp_path: Path, portrait) -> None:
    bank = load_bank(bank_with_samples(tmp_path / "bank", portrait))
    backend = load_backend("speech", BackendChoice(kind="chatterbox", model=str(model_folder), device="cpu"))
    backend.preflight()

    casting = cast_voices(bank.characters, backend, "chatterbox")
    mara, toby = casting.voices
    assert (mara.voice, mara.sample) == ("mara/mara.wav", bank.character("mara").voice.sample)
    assert toby.voice == "built-in" and toby.sample is None

    shout = backend.synthesize("Keep the lamp burning!", mara, Delivery(style="shout"))
    said = backend.synthesize("Who is there?", toby, Delivery())

    model = backend._model
    assert StandInChatterbox.loaded_from[-1] == (model_folder, "cpu")
    first, second = model.calls
    assert first["prompt"] is not None and first["prompt"].endswith(".wav") and first["exaggeration"] == pytest.approx(0.85)
    assert second["prompt"] is None and second["exaggeration"] == 0.5
    assert shout.sample_rate == 24000 and len(said.samples) == pytest.approx(0.08 * 3 * 24000, abs=2)


def test_a_pitch_shift_is_applied_after_the_model(model_folder: Path) -> None:
    backend = load_backend("speech", BackendChoice(kind="chatterbox", model=str(model_folder), device="cpu"))
    plain = backend.synthesize("one two three four five", CastVoice(character_id="a", name="A", voice="built-in"), Delivery())
    higher = backend.synthesize("one two three four five", CastVoice(character_id="a", name="A", voice="built-in", pitch_semitones=12), Delivery())
    assert len(higher.samples) == pytest.approx(len(plain.samples) / 2, abs=2)  # an octave up: half as long


def test_a_sample_too_short_or_unreadable_is_refused_with_the_fix(model_folder: Path, tmp_path: Path, portrait) -> None:
    root = bank_with_samples(tmp_path / "bank", portrait)
    sample(root / "mara" / "mara.wav", 1.5)
    (root / "toby" / "character.yaml").write_text("name: Toby\nvoice: {sample: toby.mp3}\n", encoding="utf-8")
    (root / "toby" / "toby.mp3").write_bytes(b"not audio at all")
    bank = load_bank(root)
    backend = load_backend("speech", BackendChoice(kind="chatterbox", model=str(model_folder)))

    with pytest.raises(InputError, match="1.5 s long, too short") as short:
        backend.requested(bank.character("mara").voice)
    assert "5-20 s" in (short.value.fix or "")
    with pytest.raises(InputError, match="cannot be read"):
        backend.requested(bank.character("toby").voice)


def test_missing_weights_are_named_with_the_fetch_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_folder: Path) -> None:
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(InputErrors) as missing:
        load_backend("speech", BackendChoice(kind="chatterbox")).preflight()
    assert f"hf download ResembleAI/chatterbox {' '.join(MODEL_FILES)}" in str(missing.value)
    monkeypatch.setitem(sys.modules, "chatterbox", None)
    with pytest.raises(InputErrors, match=r"movieagent\[cloning\]"):
        load_backend("speech", BackendChoice(kind="chatterbox", model=str(model_folder))).preflight()
