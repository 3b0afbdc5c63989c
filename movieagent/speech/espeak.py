"""Speech backend: espeak-ng, offline, no model weights.

Two ways to reach espeak-ng, the first that is available wins:
1. the library bundled in the `espeakng-loader` wheel (no root, no system package), driven through ctypes
   by speech/espeak_worker.py, one process per line so the samples depend on text and voice only;
2. an `espeak-ng` program (Debian `apt install espeak-ng`), or the one named by the `executable` option.

Writes a mono 16-bit WAV at espeak's own rate (22050 Hz) with the silence around the speech trimmed.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from movieagent.errors import RenderError
from movieagent.schema import Voice
from movieagent.speech import espeak_worker
from movieagent.workspace import atomic_path

# Speech keeps this much of the silence before and after it, so that onsets and decays are not cut.
KEPT_SILENCE_S = 0.020
# Samples quieter than this, relative to the loudest one, count as silence (-50 dB).
SILENCE_RATIO = 10 ** (-50 / 20)
VARIANT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INSTALL_HINT = "pip install espeakng-loader (bundles espeak-ng), or apt install espeak-ng"
# Scripts' language tags that espeak-ng names otherwise; English stays American as it always was here.
ESPEAK_LANGUAGES = {"en": "en-us", "zh": "cmn", "zh-hans": "cmn", "zh-hant": "cmn"}


class Backend:
    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        executable: str | None = Field(
            default=None, description="An espeak-ng program (path or name on PATH) to use instead of the bundled library"
        )
        timeout_s: float = Field(default=120.0, gt=0, description="Longest time one line may take to synthesise")

    def __init__(self, options: Options):
        self.options = options

    def synthesize(self, text: str, voice: Voice, output: Path) -> None:
        # 1. check inputs
        spoken_text = clean_text(text)
        engine = self._engine
        engine.check_voice(voice)

        # 2. run espeak-ng into a scratch WAV
        with tempfile.TemporaryDirectory(prefix="movieagent-espeak-") as scratch:
            raw = Path(scratch) / "speech.wav"
            engine.speak(spoken_text, voice, raw, timeout_s=self.options.timeout_s)
            samples, sample_rate = _read_mono_wav(raw)

        # 3. post-process: trim the silence around the speech, write atomically
        trimmed = trim_silence(samples, sample_rate)
        with atomic_path(output) as temporary, wave.open(str(temporary), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(trimmed.astype("<i2").tobytes())

    @functools.cached_property
    def _engine(self) -> _LibraryEngine | _ProgramEngine:
        if self.options.executable is not None:
            program = shutil.which(self.options.executable)
            if program is None:
                raise RenderError(
                    f"speech: espeak-ng program '{self.options.executable}' not found\n"
                    "  fix: correct speech.backend.executable, or remove it to use the bundled library"
                )
            return _ProgramEngine(program)
        library = _bundled_library()
        if library is not None:
            return library
        program = shutil.which("espeak-ng")
        if program is not None:
            return _ProgramEngine(program)
        raise RenderError(f"speech: espeak-ng is not available\n  fix: {INSTALL_HINT}")


def clean_text(text: str) -> str:
    """The line as plain words: control characters (espeak's embedded-command marker among them) removed."""
    normalized = unicodedata.normalize("NFC", text)
    printable = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in normalized)
    return " ".join(printable.split())


def trim_silence(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cuts leading and trailing silence, keeping KEPT_SILENCE_S of it on each side."""
    margin = round(KEPT_SILENCE_S * sample_rate)
    loudness = np.abs(samples.astype(np.int32))
    audible = np.flatnonzero(loudness >= max(1, loudness.max(initial=0) * SILENCE_RATIO))
    if audible.size == 0:
        # Nothing to say ("..."): a short silence keeps the line's place in the timeline.
        return np.zeros(2 * margin, dtype=np.int16)
    start = max(0, audible[0] - margin)
    end = min(len(samples), audible[-1] + 1 + margin)
    return samples[start:end]


def voice_name(voice: Voice) -> str:
    """espeak-ng's name for a voice: 'en-us', or 'en-us+f2' with a variant."""
    language = espeak_language(voice.language or "en")
    return f"{language}+{voice.variant}" if voice.variant else language


def espeak_language(language: str) -> str:
    return ESPEAK_LANGUAGES.get(language.lower(), language)


@dataclass(frozen=True)
class _LibraryEngine:
    library: Path
    data: Path

    def check_voice(self, voice: Voice) -> None:
        # espeak-ng quietly ignores a variant it does not know, so variants are checked against its data.
        variants = sorted(path.name for path in (self.data / "voices" / "!v").iterdir())
        if voice.variant is not None and (not VARIANT_PATTERN.match(voice.variant) or voice.variant not in variants):
            raise RenderError(
                f"speech: espeak-ng has no voice variant '{voice.variant}' (voice.variant of a character)\n"
                "  fix: set voice.variant in the character bank to one of m1-m7, f1-f5, klatt"
                + _did_you_mean(voice.variant, variants)
            )

    def speak(self, text: str, voice: Voice, output: Path, *, timeout_s: float) -> None:
        request = {
            "library": str(self.library),
            "data": str(self.data),
            "voice": voice_name(voice),
            "pitch": voice.pitch,
            "words_per_minute": voice.words_per_minute,
            "text": text,
            "output": str(output),
        }
        command = [sys.executable, "-I", espeak_worker.__file__]
        result = _run(command, json.dumps(request).encode("utf-8"), timeout_s=timeout_s)
        if result.returncode == espeak_worker.VOICE_NOT_FOUND:
            raise _unknown_language(voice, _languages(self.data))
        if result.returncode != 0:
            raise RenderError(f"speech: espeak-ng failed (exit status {result.returncode}): {_last_words(result)}")


@dataclass(frozen=True)
class _ProgramEngine:
    program: str

    def check_voice(self, voice: Voice) -> None:
        if voice.variant is not None and not VARIANT_PATTERN.match(voice.variant):
            raise RenderError(
                f"speech: '{voice.variant}' is not an espeak-ng voice variant (voice.variant of a character)\n"
                "  fix: set voice.variant in the character bank to a name such as m3 or f2"
            )

    def speak(self, text: str, voice: Voice, output: Path, *, timeout_s: float) -> None:
        # The text goes in on stdin, so a line starting with '-' is never read as an option; no -m: SSML stays off.
        command = [
            self.program, "-v", voice_name(voice), "-p", str(voice.pitch), "-s", str(voice.words_per_minute),
            "-b", "1", "-w", str(output), "--stdin",
        ]
        result = _run(command, text.encode("utf-8"), timeout_s=timeout_s)
        words = _last_words(result)
        if result.returncode != 0 and "voice" in words.lower():
            raise _unknown_language(voice, [])
        if result.returncode != 0 or not output.is_file():
            raise RenderError(f"speech: {self.program} failed (exit status {result.returncode}): {words}")


def _bundled_library() -> _LibraryEngine | None:
    try:
        import espeakng_loader
    except ImportError:
        return None
    library, data = Path(espeakng_loader.get_library_path()), Path(espeakng_loader.get_data_path())
    return _LibraryEngine(library, data) if library.is_file() and data.is_dir() else None


def _run(command: list[str], stdin: bytes, *, timeout_s: float) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(command, input=stdin, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"speech: espeak-ng took longer than {timeout_s:.0f} s for one line") from None


def _last_words(result: subprocess.CompletedProcess[bytes]) -> str:
    return " ".join(result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]) or "no message"


def _languages(data: Path) -> list[str]:
    return sorted(path.name.lower() for path in (data / "lang").rglob("*") if path.is_file())


def _unknown_language(voice: Voice, known: list[str]) -> RenderError:
    return RenderError(
        f"speech: espeak-ng has no voice for language '{voice.language}' (the script's language, or voice.language of a character)\n"
        "  fix: write `Language: <code>` on the script's title page, or voice.language in the character bank, with a language "
        f"`espeak-ng --voices` lists, such as en-us, en-gb, fr, de, es, ja, cmn, ru{_did_you_mean(voice.language or '', known)}"
    )


def _did_you_mean(wanted: str, names: list[str]) -> str:
    by_lower_case = {name.lower(): name for name in names}
    close = difflib.get_close_matches(wanted.lower(), list(by_lower_case), n=4, cutoff=0.6)
    return f" (did you mean {', '.join(by_lower_case[name] for name in close)}?)" if close else ""


def _read_mono_wav(path: Path) -> tuple[np.ndarray, int]:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                layout = f"{wav.getnchannels()} channels, {8 * wav.getsampwidth()} bit"
                raise RenderError(f"speech: espeak-ng wrote an unexpected WAV format ({layout})")
            return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16), wav.getframerate()
    except (wave.Error, EOFError, FileNotFoundError) as error:
        raise RenderError(f"speech: espeak-ng produced no readable audio: {error}") from None
