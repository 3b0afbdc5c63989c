"""Speech backend: Kokoro-82M (the `kokoro` package, Apache-2.0 code and weights), dozens of voices from one model.

The model is a Hugging Face id (hexgrad/Kokoro-82M, found in the HF cache) or a local folder holding config.json,
the weights (*.pth) and voices/<name>.pt. Every voice found there is cast from, unless `voices` names some. A voice's
name tells its language and gender (af_heart: American English, female; bm_george: British English, male).
Text becomes phonemes through misaki: its English G2P (which needs spaCy's en_core_web_sm) or, with `g2p: espeak`,
espeak-ng for every language. Pitch is shifted after synthesis (speech/audio.py), pace is the model's own.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from movieagent.backends.base import Speech, VoiceOption, VoiceRequest
from movieagent.errors import InputError, InputErrors
from movieagent.schema import CastVoice, Delivery, Voice
from movieagent.speech.audio import pitch_factor, shift_pitch
from movieagent.speech.text import spoken_text
from movieagent.speech.weights import cached_file, cached_repo_files, fetch_command, is_local_path

INSTALL_HINT = "pip install 'movieagent[kokoro]' (kokoro, misaki, torch)"
SAMPLE_RATE = 24000
WEIGHTS = {"hexgrad/Kokoro-82M": "kokoro-v1_0.pth", "hexgrad/Kokoro-82M-v1.1-zh": "kokoro-v1_1-zh.pth"}
SUGGESTED_VOICES = ("af_heart", "am_michael", "bf_emma", "bm_george")
# The first letter of a voice: its language (misaki's espeak name for it) and accent.
LANGUAGES = {"a": ("en-us", "american"), "b": ("en-gb", "british"), "e": ("es", None), "f": ("fr-fr", None), "h": ("hi", None),
             "i": ("it", None), "j": ("ja", None), "p": ("pt-br", None), "z": ("cmn", None)}  # fmt: skip
MAX_PHONEMES = 510  # the model's context
SENTENCE_PAUSE_S = 0.2
_SENTENCES = re.compile(r"(?<=[.!?…])\s+")


class Backend:
    parallel_lines = 1  # one model in this process, behind a lock

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        model: str = Field(default="hexgrad/Kokoro-82M", description="Hugging Face id (in the HF cache) or a folder: config.json, *.pth, voices/*.pt")
        revision: str | None = None
        voices: list[str] = Field(default=[], description="Voices to cast from (af_heart, bm_george, ...); []: every voice found")
        device: str = Field(default="cpu", description="cpu, cuda, cuda:N, mps")
        g2p: Literal["misaki", "espeak"] = Field(
            default="misaki", description="misaki: best English (needs spaCy's en_core_web_sm); espeak: espeak-ng for every language"
        )

    def __init__(self, options: Options):
        self.options = options
        self._lock = threading.Lock()
        self._packs: dict[str, Any] = {}
        self._g2p: dict[str, Any] = {}

    def voices(self) -> list[VoiceOption]:
        return [_option(name) for name in self._voice_names()]

    def requested(self, voice: Voice) -> VoiceRequest | None:
        if voice.kokoro is None or voice.kokoro.voice is None:
            return None
        name = voice.kokoro.voice
        if name[:1] not in LANGUAGES or name[1:3] not in ("f_", "m_"):
            raise InputError(f"'{name}' is not a Kokoro voice name", fix="use a name like af_heart or bm_george (language, gender, _name)")
        return VoiceRequest(voice=name, language=LANGUAGES[name[0]][0])

    def preflight(self) -> None:
        problems = []
        try:
            import kokoro  # noqa: F401
        except ImportError:
            problems.append(InputError("the kokoro speech backend needs the kokoro package, which is not installed", fix=INSTALL_HINT))
        missing = [name for name, path in self._model_files().items() if path is None]
        missing += [f"voices/{name}.pt" for name in self._voice_names() if self._voice_file(name) is None]
        if not self._voice_names():
            missing += [f"voices/{name}.pt" for name in SUGGESTED_VOICES]
        if missing:
            problems.append(InputError(f"the Kokoro model '{self.options.model}' lacks {', '.join(missing)} on this machine", fix=self._fetch_hint(missing)))
        if problems:
            raise InputErrors(problems)

    def synthesize(self, text: str, voice: CastVoice, delivery: Delivery) -> Speech:
        # 1. check inputs, load the model and the voice once
        import torch

        model = self._model
        pack = self._pack(voice.voice)
        g2p = self._phonemizer(voice.voice[0])
        # 2. phonemes sentence by sentence, within the model's context
        semitones = voice.pitch_semitones + delivery.pitch_semitones
        pace = voice.speed * delivery.speed / pitch_factor(semitones)
        pause = np.zeros(round(SENTENCE_PAUSE_S * SAMPLE_RATE), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for sentence in _SENTENCES.split(spoken_text(text)):
            phonemes = _phonemes(g2p, sentence)[:MAX_PHONEMES]
            if not phonemes.strip():
                continue
            # 3. run: the voice's style vector is chosen by the length of what is said
            with torch.no_grad():
                audio = model(phonemes, pack[len(phonemes) - 1], pace)
            pieces += [pause, audio.numpy().astype(np.float32)] if pieces else [audio.numpy().astype(np.float32)]
        samples = np.concatenate(pieces) if pieces else np.zeros(SAMPLE_RATE // 10, dtype=np.float32)
        # 4. post-process: the pitch
        return Speech(samples=shift_pitch(samples, semitones), sample_rate=SAMPLE_RATE)

    # ------------------------------------------------------------------------------------- files

    @functools.cached_property
    def _model(self) -> Any:
        files = self._model_files()
        if any(path is None for path in files.values()):
            self.preflight()
        from kokoro import KModel

        with self._lock:
            return KModel(repo_id=self.options.model, config=str(files["config.json"]), model=str(files["weights"])).to(self.options.device).eval()

    def _pack(self, name: str) -> Any:
        import torch

        with self._lock:
            if name not in self._packs:
                path = self._voice_file(name)
                if path is None:
                    raise InputError(f"the Kokoro voice '{name}' is not on this machine", fix=self._fetch_hint([f"voices/{name}.pt"]))
                self._packs[name] = torch.load(path, map_location="cpu", weights_only=True)
            return self._packs[name]

    def _phonemizer(self, language_letter: str) -> Any:
        with self._lock:
            if language_letter not in self._g2p:
                self._g2p[language_letter] = _g2p(language_letter, self.options.g2p)
            return self._g2p[language_letter]

    def _model_files(self) -> dict[str, Path | None]:
        if is_local_path(self.options.model):
            folder = Path(self.options.model).expanduser()
            weights = sorted(folder.glob("*.pth"))
            return {"config.json": _existing(folder / "config.json"), "weights": weights[0] if weights else None}
        weights = WEIGHTS.get(self.options.model, "kokoro-v1_0.pth")
        return {
            "config.json": cached_file(self.options.model, "config.json", self.options.revision),
            "weights": cached_file(self.options.model, weights, self.options.revision),
        }

    def _voice_names(self) -> list[str]:
        if self.options.voices:
            return list(self.options.voices)
        if is_local_path(self.options.model):
            return sorted(path.stem for path in (Path(self.options.model).expanduser() / "voices").glob("*.pt"))
        try:
            return sorted(path.stem for path in cached_repo_files(self.options.model, "voices/*.pt"))
        except ImportError:
            return []

    def _voice_file(self, name: str) -> Path | None:
        if is_local_path(self.options.model):
            return _existing(Path(self.options.model).expanduser() / "voices" / f"{name}.pt")
        return cached_file(self.options.model, f"voices/{name}.pt", self.options.revision)

    def _fetch_hint(self, files: list[str]) -> str:
        names = [WEIGHTS.get(self.options.model, "kokoro-v1_0.pth") if name == "weights" else name for name in files]
        if is_local_path(self.options.model):
            return f"put {', '.join(names)} in {self.options.model}"
        return fetch_command(self.options.model, names, self.options.revision)


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def _option(name: str) -> VoiceOption:
    language, accent = LANGUAGES.get(name[:1], (None, None))
    gender = {"f": "female", "m": "male"}.get(name[1:2])
    return VoiceOption(voice=name, gender=gender, accent=accent, language=language)


def _g2p(language_letter: str, kind: str) -> Any:
    """misaki's G2P for the language: its English one (spaCy) when asked and English, else espeak-ng's."""
    try:
        from misaki import espeak
    except ImportError:
        raise InputError("the kokoro speech backend needs misaki, which is not installed", fix=INSTALL_HINT) from None
    language = LANGUAGES.get(language_letter, ("en-us", None))[0]
    if kind == "misaki" and language_letter in "ab":
        from misaki import en

        import spacy.util

        if not spacy.util.is_package("en_core_web_sm"):
            raise InputError(
                "Kokoro's English phonemes (misaki) need spaCy's en_core_web_sm, which is not installed",
                fix="python -m spacy download en_core_web_sm, or set the kokoro backend's g2p: espeak",
            )
        return en.G2P(trf=False, british=language_letter == "b", fallback=espeak.EspeakFallback(british=language_letter == "b"), unk="")
    return espeak.EspeakG2P(language=language)


def _phonemes(g2p: Any, text: str) -> str:
    result = g2p(text)
    return result[0] if isinstance(result, tuple) else str(result)
