"""The kokoro speech backend on a randomly initialised Kokoro model built from a config, loaded from a local folder
through the same path as the real weights (KModel(config=..., model=...)), phonemes by espeak-ng.

Kokoro's decoder has fixed widths (1024 channels), so the smallest model its config allows still has ~55 M
parameters; the weights file is empty (random initialisation), which keeps the test folder small.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors
from movieagent.schema import CastVoice, Delivery, Voice

torch = pytest.importorskip("torch")
pytest.importorskip("kokoro")
hub_constants = pytest.importorskip("huggingface_hub.constants")

# Every symbol misaki's espeak G2P writes for English, an id each (the real model's vocabulary has about 114).
SYMBOLS = " !',-.:;?abcdefhijklmnopqrstuvwxyzæçðøŋœɐɑɒɔəɚɛɜɟɡɪɬɯɲɹɾʃʊʌʒʔʤʧˈˌːθᵻ"
TINY_CONFIG = {
    "vocab": {symbol: number for number, symbol in enumerate(SYMBOLS, start=1)},
    "n_token": 178,
    "hidden_dim": 512,  # fixed by the decoder
    "style_dim": 128,  # fixed by the model (a voice is 2 x 128)
    "n_layer": 1,
    "max_dur": 8,
    "dropout": 0.0,
    "text_encoder_kernel_size": 3,
    "n_mels": 80,
    "plbert": {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 128, "num_hidden_layers": 1, "dropout": 0.0},
    "istftnet": {
        "upsample_kernel_sizes": [4, 4], "upsample_rates": [2, 2], "gen_istft_hop_size": 5, "gen_istft_n_fft": 20,
        "resblock_dilation_sizes": [[1, 3, 5]], "resblock_kernel_sizes": [3], "upsample_initial_channel": 512,
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_kokoro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kokoro")
    (folder / "config.json").write_text(json.dumps(TINY_CONFIG), encoding="utf-8")
    torch.save({}, folder / "kokoro-v1_0.pth")  # no trained weights: the model keeps its random initialisation
    (folder / "voices").mkdir()
    generator = torch.Generator().manual_seed(0)
    for name in ("af_test", "bm_test"):
        torch.save(torch.randn(510, 1, 256, generator=generator), folder / "voices" / f"{name}.pt")
    return folder


def test_speaks_through_the_real_model_class_from_a_folder(tiny_kokoro: Path) -> None:
    torch.manual_seed(0)
    backend = load_backend("speech", BackendChoice(kind="kokoro", model=str(tiny_kokoro), g2p="espeak"))
    backend.preflight()
    assert [(option.voice, option.gender, option.accent, option.language) for option in backend.voices()] == [
        ("af_test", "female", "american", "en-us"),
        ("bm_test", "male", "british", "en-gb"),
    ]

    speech = backend.synthesize("Hello there. Who is it?", CastVoice(character_id="a", name="A", voice="af_test"), Delivery())

    assert speech.sample_rate == 24000
    assert len(speech.samples) > 2400 and np.isfinite(speech.samples).all() and np.abs(speech.samples).max() > 0


def test_missing_model_files_and_voices_are_named_with_the_fetch_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputErrors) as missing:
        load_backend("speech", BackendChoice(kind="kokoro")).preflight()
    assert "hf download hexgrad/Kokoro-82M config.json kokoro-v1_0.pth voices/af_heart.pt" in str(missing.value)

    with pytest.raises(InputErrors, match="voices/bf_emma.pt"):
        load_backend("speech", BackendChoice(kind="kokoro", model=str(tmp_path), voices=["bf_emma"])).preflight()


def test_a_voice_named_in_the_bank(tiny_kokoro: Path) -> None:
    backend = load_backend("speech", BackendChoice(kind="kokoro", model=str(tiny_kokoro)))
    request = backend.requested(Voice(kokoro={"voice": "bm_test"}))
    assert request is not None and (request.voice, request.language) == ("bm_test", "en-gb")
    with pytest.raises(InputError, match="not a Kokoro voice name"):
        backend.requested(Voice(kokoro={"voice": "george"}))
