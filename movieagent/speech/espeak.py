"""Speech backend: espeak-ng, offline, no model weights.

Two ways to reach espeak-ng, the first that is available wins:
1. the library bundled in the `espeakng-loader` wheel (no root, no system package), driven through ctypes
   by speech/espeak_worker.py, one process per line so the samples depend on text and voice only;
2. an `espeak-ng` program (Debian `apt install espeak-ng`), or the one named by the `executable` option.

Voices: the variants m1-m7 and f1-f5 in the character's language and accent (en-us+f3, en-gb-scotland+m2),
with espeak-ng's own pitch and rate; a whisper uses its whisper variants.
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
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from movieagent.backends.base import Speech, VoiceOption, VoiceRequest
from movieagent.errors import InputError, RenderError
from movieagent.schema import ESPEAK_PITCH_STEPS_PER_SEMITONE, NORMAL_WORDS_PER_MINUTE, CastVoice, Delivery, Voice
from movieagent.speech import espeak_worker
from movieagent.speech.text import spoken_text

VARIANT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INSTALL_HINT = "pip install espeakng-loader (bundles espeak-ng), or apt install espeak-ng"
# The variants casting chooses from: male and female, each its own timbre.
CAST_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
ESPEAK_PITCH_RANGE, ESPEAK_RATE_RANGE = (0, 99), (80, 450)
# Scripts' language tags that espeak-ng names otherwise; English stays American as it always was here.
ESPEAK_LANGUAGES = {"en": "en-us", "zh": "cmn", "zh-hans": "cmn", "zh-hant": "cmn"}


class Backend:
    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        executable: str | None = Field(
            default=None, description="An espeak-ng program (path or name on PATH) to use instead of the bundled library"
        )
        timeout_s: float = Field(default=120.0, gt=0, description="Longest time one line may take to synthesise")
        parallel_lines: int = Field(default=2, ge=1, le=16, description="Lines spoken at once, each by an espeak-ng process of its own")

    def __init__(self, options: Options):
        self.options = options
        self.parallel_lines = options.parallel_lines

    def voices(self) -> list[VoiceOption]:
        # espeak-ng speaks every language with every variant: the language comes from the character (CastVoice.language).
        return [VoiceOption(voice=variant, gender="female" if variant.startswith("f") else "male") for variant in CAST_VARIANTS]

    def requested(self, voice: Voice) -> VoiceRequest | None:
        own = voice.espeak
        variant = (own.variant if own else None) or voice.variant
        if own is None and variant is None:
            return None
        if variant is not None:
            self._check_variant(variant)
        pitch = own.pitch if own and own.pitch is not None else None
        rate = own.words_per_minute if own and own.words_per_minute is not None else None
        return VoiceRequest(
            voice=variant,
            language=own.language if own else None,
            pitch_semitones=(pitch - 50) / ESPEAK_PITCH_STEPS_PER_SEMITONE if pitch is not None else None,
            speed=rate / NORMAL_WORDS_PER_MINUTE if rate is not None else None,
        )

    def _check_variant(self, variant: str) -> None:
        known = self._engine.variants()
        if not VARIANT_PATTERN.match(variant) or (known is not None and variant not in known):
            raise InputError(
                f"espeak-ng has no voice variant '{variant}' (voice.espeak.variant)",
                fix="use one of m1-m7, f1-f5, klatt" + _did_you_mean(variant, known or []),
            )

    def synthesize(self, text: str, voice: CastVoice, delivery: Delivery) -> Speech:
        # 1. check inputs
        words = spoken_text(text)
        engine = self._engine
        request = espeak_request(voice, delivery)
        engine.check_voice(request)

        # 2. run espeak-ng into a scratch WAV (numpy loaded only now: `validate` builds this backend to show the cast)
        from movieagent.speech.audio import read_wav

        with tempfile.TemporaryDirectory(prefix="movieagent-espeak-") as scratch:
            raw = Path(scratch) / "speech.wav"
            engine.speak(words, request, raw, timeout_s=self.options.timeout_s)
            samples, sample_rate = read_wav(raw, what="espeak-ng")
        return Speech(samples=samples, sample_rate=sample_rate)

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


@dataclass(frozen=True)
class EspeakRequest:
    """One utterance's espeak-ng settings."""

    language: str
    variant: str | None
    pitch: int
    words_per_minute: int

    @property
    def name(self) -> str:
        """espeak-ng's name for the voice: 'en-us', or 'en-us+f2' with a variant."""
        return f"{self.language}+{self.variant}" if self.variant else self.language


def espeak_request(voice: CastVoice, delivery: Delivery) -> EspeakRequest:
    """The cast voice and the line's delivery on espeak-ng's scales (a whisper through its whisper variants)."""
    variant = voice.voice or None
    if delivery.style == "whisper":
        variant = "whisperf" if (variant or "").startswith("f") else "whisper"
    pitch = round(50 + ESPEAK_PITCH_STEPS_PER_SEMITONE * (voice.pitch_semitones + delivery.pitch_semitones))
    rate = round(NORMAL_WORDS_PER_MINUTE * voice.speed * delivery.speed)
    return EspeakRequest(
        language=espeak_language(voice.language),
        variant=variant,
        pitch=min(max(pitch, ESPEAK_PITCH_RANGE[0]), ESPEAK_PITCH_RANGE[1]),
        words_per_minute=min(max(rate, ESPEAK_RATE_RANGE[0]), ESPEAK_RATE_RANGE[1]),
    )


def espeak_language(language: str) -> str:
    """espeak-ng's name for a language tag: 'en' -> 'en-us', 'zh' -> 'cmn'."""
    return ESPEAK_LANGUAGES.get(language.lower(), language)


@dataclass(frozen=True)
class _LibraryEngine:
    library: Path
    data: Path

    def variants(self) -> list[str]:
        return sorted(path.name for path in (self.data / "voices" / "!v").iterdir())

    def check_voice(self, voice: EspeakRequest) -> None:
        # espeak-ng quietly ignores a variant it does not know, so variants are checked against its data.
        variants = self.variants()
        if voice.variant is not None and (not VARIANT_PATTERN.match(voice.variant) or voice.variant not in variants):
            raise RenderError(
                f"speech: espeak-ng has no voice variant '{voice.variant}' (voice.variant of a character)\n"
                "  fix: set voice.variant in the character bank to one of m1-m7, f1-f5, klatt"
                + _did_you_mean(voice.variant, variants)
            )

    def speak(self, text: str, voice: EspeakRequest, output: Path, *, timeout_s: float) -> None:
        request = {
            "library": str(self.library),
            "data": str(self.data),
            "voice": voice.name,
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

    def variants(self) -> None:
        return None  # not known without asking the program; names are checked for their form only

    def check_voice(self, voice: EspeakRequest) -> None:
        if voice.variant is not None and not VARIANT_PATTERN.match(voice.variant):
            raise RenderError(
                f"speech: '{voice.variant}' is not an espeak-ng voice variant (voice.variant of a character)\n"
                "  fix: set voice.variant in the character bank to a name such as m3 or f2"
            )

    def speak(self, text: str, voice: EspeakRequest, output: Path, *, timeout_s: float) -> None:
        # The text goes in on stdin, so a line starting with '-' is never read as an option; no -m: SSML stays off.
        command = [
            self.program, "-v", voice.name, "-p", str(voice.pitch), "-s", str(voice.words_per_minute),
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


def _unknown_language(voice: EspeakRequest, known: list[str]) -> RenderError:
    return RenderError(
        f"speech: espeak-ng has no voice for language '{voice.language}' (the script's language, or voice.language of a character)\n"
        "  fix: write `Language: <code>` on the script's title page, or voice.language in the character bank, with a language "
        f"`espeak-ng --voices` lists, such as en-us, en-gb, fr, de, es, ja, cmn, ru{_did_you_mean(voice.language or '', known)}"
    )


def _did_you_mean(wanted: str, names: list[str]) -> str:
    by_lower_case = {name.lower(): name for name in names}
    close = difflib.get_close_matches(wanted.lower(), list(by_lower_case), n=4, cutoff=0.6)
    return f" (did you mean {', '.join(by_lower_case[name] for name in close)}?)" if close else ""
