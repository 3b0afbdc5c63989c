"""Speech backend: Chatterbox (chatterbox-tts, Resemble AI; MIT code and weights), zero-shot voice cloning for GPU boxes.

Each character speaks in the voice of their bank `sample:` (5-20 s of them speaking); a character without one
gets the model's built-in voice, moved in pitch by casting so that no two sound the same. The model is a Hugging
Face id (ResembleAI/chatterbox, in the HF cache) or a folder with its files. Delivery sets Chatterbox's
`exaggeration` (a shout more, a whisper less); pitch is shifted after synthesis; the model has no pace control.
Resemble's Perth watermark, which the package adds to every line, stays in.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from movieagent.backends.base import Speech, VoiceOption, VoiceRequest
from movieagent.errors import InputError, InputErrors, RenderError
from movieagent.media import decode_audio
from movieagent.schema import CastVoice, Delivery, Voice
from movieagent.speech.audio import read_wav, shift_pitch, write_wav
from movieagent.speech.text import spoken_text
from movieagent.speech.weights import cached_file, fetch_command, is_local_path

INSTALL_HINT = "pip install 'movieagent[cloning]' (chatterbox-tts; it pins its own torch: best in a venv of its own)"
MODEL_FILES = ("ve.safetensors", "t3_cfg.safetensors", "s3gen.safetensors", "tokenizer.json", "conds.pt")
BUILT_IN = "built-in"
SAMPLE_RATE = 24000  # what the model reads samples at, and speaks at
MIN_SAMPLE_S, MAX_SAMPLE_S = 3.0, 20.0  # shorter gives a poor likeness; the model reads at most the first 10 s anyway
EXAGGERATION = {"normal": 0.0, "soft": -0.15, "whisper": -0.25, "shout": 0.35}


class Backend:
    parallel_lines = 1  # one model in this process (often on the GPU), behind a lock

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        model: str = Field(default="ResembleAI/chatterbox", description="Hugging Face id (in the HF cache) or a folder with " + ", ".join(MODEL_FILES))
        revision: str | None = None
        device: str = Field(default="cuda", description="cuda, cuda:N, cpu (slow), mps")
        exaggeration: float = Field(default=0.5, ge=0, le=2, description="Emotion intensity; a line's delivery moves it")
        cfg_weight: float = Field(default=0.5, ge=0, le=1)
        temperature: float = Field(default=0.8, gt=0, le=2)
        seed: int = Field(default=0, ge=0, description="Fixed, so a line comes out the same on every run")

    def __init__(self, options: Options):
        self.options = options
        self._lock = threading.Lock()
        self._scratch = tempfile.TemporaryDirectory(prefix="movieagent-samples-")
        self._prepared: dict[Path, Path] = {}

    def voices(self) -> list[VoiceOption]:
        return [VoiceOption(voice=BUILT_IN)]

    def requested(self, voice: Voice) -> VoiceRequest | None:
        if voice.sample is None:
            return None
        try:
            seconds = self._sample(voice.sample)[1]
        except RenderError as unreadable:
            raise InputError(f"voice sample {voice.sample.name} cannot be read: {unreadable}", fix="use a WAV, FLAC or MP3 file") from None
        if seconds < MIN_SAMPLE_S:
            raise InputError(f"voice sample {voice.sample.name} is {seconds:.1f} s long, too short to clone", fix="record 5-20 s of clear speech")
        return VoiceRequest(voice=f"{voice.sample.parent.name}/{voice.sample.name}")

    def preflight(self) -> None:
        problems = []
        try:
            import chatterbox  # noqa: F401
        except ImportError:
            problems.append(InputError("the chatterbox speech backend needs chatterbox-tts, which is not installed", fix=INSTALL_HINT))
        missing = [name for name, path in self._model_files().items() if path is None]
        if missing:
            where = f"put {', '.join(missing)} in {self.options.model}" if is_local_path(self.options.model) else fetch_command(self.options.model, missing, self.options.revision)
            problems.append(InputError(f"the Chatterbox model '{self.options.model}' lacks {', '.join(missing)} on this machine", fix=where))
        if problems:
            raise InputErrors(problems)

    def synthesize(self, text: str, voice: CastVoice, delivery: Delivery) -> Speech:
        # 1. check inputs: the model, and the character's sample as a WAV the model reads
        model = self._model
        prompt = self._sample(voice.sample)[0] if voice.sample is not None and voice.voice != BUILT_IN else None
        import torch

        # 2. run, with a fixed seed (the model samples its speech tokens)
        with self._lock:
            torch.manual_seed(self.options.seed)
            wav = model.generate(
                spoken_text(text),
                audio_prompt_path=str(prompt) if prompt else None,
                exaggeration=max(0.0, self.options.exaggeration + EXAGGERATION[delivery.style]),
                cfg_weight=self.options.cfg_weight,
                temperature=self.options.temperature,
            )
        samples = wav.squeeze(0).detach().cpu().numpy().astype("float32")
        # 3. post-process: the pitch (which also moves the pace: the model has no pace control)
        return Speech(samples=shift_pitch(samples, voice.pitch_semitones + delivery.pitch_semitones), sample_rate=int(model.sr))

    @functools.cached_property
    def _model(self) -> Any:
        self.preflight()
        from chatterbox.tts import ChatterboxTTS

        folder = next(iter(self._model_files().values()))
        assert folder is not None  # checked by the preflight
        return ChatterboxTTS.from_local(folder.parent, self.options.device)

    def _model_files(self) -> dict[str, Path | None]:
        if is_local_path(self.options.model):
            folder = Path(self.options.model).expanduser()
            return {name: folder / name if (folder / name).is_file() else None for name in MODEL_FILES}
        return {name: cached_file(self.options.model, name, self.options.revision) for name in MODEL_FILES}

    def _sample(self, sample: Path) -> tuple[Path, float]:
        """The sample as mono 16-bit WAV at the model's rate (at most MAX_SAMPLE_S), and its length in seconds."""
        with self._lock:
            if sample not in self._prepared:
                prepared = Path(self._scratch.name) / f"{hashlib.sha256(str(sample).encode()).hexdigest()[:16]}.wav"
                samples = decode_audio(sample, SAMPLE_RATE, max_seconds=MAX_SAMPLE_S).mean(axis=1) / 32768.0
                write_wav(samples.astype("float32"), SAMPLE_RATE, prepared)
                self._prepared[sample] = prepared
            samples, rate = read_wav(self._prepared[sample], what="the voice sample")
            return self._prepared[sample], len(samples) / rate
