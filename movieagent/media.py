"""All ffmpeg access: running it, encoding clips and audio, probing files, grabbing frames, decoding audio and video.

The binary comes from the imageio-ffmpeg wheel, so no system ffmpeg is needed; it has no ffprobe, so what a file
holds is read from the description ffmpeg prints of its input. Commands are argument lists, never a shell.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import subprocess
import tempfile
import wave
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

import imageio_ffmpeg
import numpy as np
from PIL import Image
from pydantic import BaseModel

from movieagent.errors import RenderError
from movieagent.schema import RenderJob

# ffmpeg's AAC encoder with its fast coder: twice as fast as the default search, and at 192 kb/s speech and a music bed
# measure the same (loudness within 0.01 LU, true peak no higher).
AUDIO_CODECS = {".m4a": ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k"], ".flac": ["-c:a", "flac"], ".wav": ["-c:a", "pcm_s16le"]}
LOSSY_AUDIO = frozenset({".m4a"})  # what these files hold once decoded is not what was written
AUDIO_BLOCK = 64_000  # samples per decoded audio block: long enough for fast numpy, short enough to keep memory flat
# "Duration: 00:01:02.50," and one "Stream #0:1(und): Video: h264 (High) ..., yuv420p, 854x480, ..., 24 fps, ..." line
# per stream, as ffmpeg describes any input it can open.
_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: (Video|Audio|Subtitle): (\w+)(.*)$", re.MULTILINE)
_SIZE = re.compile(r", (\d{2,5})x(\d{2,5})[ ,]")
_FPS = re.compile(r"([\d.]+) fps")
_PIXEL_FORMAT = re.compile(r"\b((?:yuv|rgb|bgr|gray|nv)\w*)")


class MediaInfo(BaseModel):
    """What a media file holds: its length and first video stream (0 and None where it has none) and its codecs."""

    duration_s: float
    width: int = 0
    height: int = 0
    fps: float = 0.0
    video_codec: str | None = None
    pixel_format: str | None = None
    audio_codec: str | None = None
    subtitle_codecs: list[str] = []

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


@functools.cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_command(*arguments: str, overwrite: bool = False) -> list[str]:
    """ffmpeg with the parts every call shares: no banner, errors only, never reading the terminal."""
    return [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", *(["-y"] if overwrite else []), *arguments]


def run_ffmpeg(arguments: list[str], *, what: str, cwd: Path | None = None) -> None:
    """Runs ffmpeg with an argument list (never a shell); raises RenderError with its last words on failure."""
    result = subprocess.run(ffmpeg_command(*arguments, overwrite=True), capture_output=True, text=True, check=False, cwd=cwd)
    if result.returncode != 0:
        raise RenderError(f"ffmpeg failed while {what}:\n{_last_words(result.stderr, 5)}")


def encode_clip(
    frames: Iterable[Any],
    job: RenderJob,
    output: Path,
    *,
    frame_size: tuple[int, int] | None = None,
    threads: int = 1,
    pixel_format: Literal["rgb24", "yuv420p"] = "rgb24",
    subme: int | None = None,
) -> None:
    """Pipes frames into ffmpeg as the job's clip: RGB (PIL images or uint8 arrays, anything with `tobytes()` or the
    buffer protocol), or with `pixel_format="yuv420p"` planar YUV 4:2:0 (what the encoder takes; BT.601 as ffmpeg's
    own conversion makes it), which spares ffmpeg the conversion and the pipe half the bytes.

    H.264 yuv420p at `job.fps` with the job's crf and preset, so every clip of a movie concatenates without
    re-encoding; frames of another `frame_size` (width, height) are scaled to the job's size. `subme` overrides the
    preset's subpixel motion refinement (x264's subme). Raises RenderError with ffmpeg's last words.
    """
    width, height = frame_size or (job.width, job.height)
    scale = ["-vf", f"scale={job.width}:{job.height}:flags=lanczos"] if (width, height) != (job.width, job.height) else []
    command = ffmpeg_command(
        "-f", "rawvideo", "-pix_fmt", pixel_format, "-video_size", f"{width}x{height}", "-framerate", str(job.fps),
        "-i", "pipe:0", *scale,
        "-an", "-c:v", "libx264", "-preset", job.preset, "-crf", str(job.crf),
        *(["-x264-params", f"subme={subme}"] if subme is not None else []),
        "-pix_fmt", "yuv420p", "-r", str(job.fps), "-threads", str(threads),
        "-f", "mp4", str(output),
        overwrite=True,
    )  # fmt: skip
    with _feeding(command, what=f"encoding shot {job.index} ({job.shot_id})") as pipe:
        for frame in frames:
            pipe.write(np.ascontiguousarray(frame) if isinstance(frame, np.ndarray) else frame.tobytes())


@contextlib.contextmanager
def audio_writer(output: Path, rate: int) -> Iterator[Callable[[np.ndarray], None]]:
    """Yields `write(samples)` for 16-bit stereo audio, shape (samples, 2), piped into ffmpeg as it comes, which
    writes `output` in the format its suffix names: .m4a AAC at 192 kb/s (what the movie carries), .flac, .wav."""
    codec = AUDIO_CODECS.get(output.suffix.lower())
    if codec is None:
        raise ValueError(f"no audio format for '{output.suffix}': use one of {', '.join(AUDIO_CODECS)}")
    command = ffmpeg_command(
        "-f", "s16le", "-ar", str(rate), "-ac", "2", "-i", "pipe:0", *codec, str(output), overwrite=True
    )  # fmt: skip
    with _feeding(command, what=f"writing {output.name}") as pipe:
        yield lambda samples: pipe.write(np.ascontiguousarray(samples, dtype="<i2"))


@contextlib.contextmanager
def _feeding(command: list[str], *, what: str) -> Iterator[IO[bytes]]:
    """Runs ffmpeg reading its input from the pipe yielded; RenderError with its last words if it fails."""
    # stderr goes to a file: a pipe nobody reads while we write could fill up and stall ffmpeg.
    with tempfile.TemporaryFile() as errors:
        encoder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        assert encoder.stdin is not None
        try:
            yield encoder.stdin
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its exit status and message say why
        except BaseException:
            encoder.kill()  # the writer failed: do not leave ffmpeg waiting for more
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                encoder.stdin.close()
            encoder.wait()
        if encoder.returncode != 0:
            errors.seek(0)
            raise RenderError(f"ffmpeg failed while {what}:\n{_last_words(errors.read(), 5)}")


def probe(path: Path) -> MediaInfo:
    """Length, picture size, frame rate and codecs of a media file; RenderError if ffmpeg cannot read it."""
    # With no output file ffmpeg describes the input on stderr and exits with an error; that is expected.
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)]
    description = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False).stderr
    duration = _DURATION.search(description)
    if duration is None:
        raise RenderError(f"ffmpeg cannot read {path}: is it a video or audio file?")
    hours, minutes, seconds = duration.groups()
    info = MediaInfo(duration_s=int(hours) * 3600 + int(minutes) * 60 + float(seconds))
    for kind, codec, details in _STREAM.findall(description):
        if kind == "Video" and not info.has_video and (size := _SIZE.search(details)):
            fps, pixel_format = _FPS.search(details), _PIXEL_FORMAT.search(details)
            info.video_codec, info.width, info.height = codec, int(size.group(1)), int(size.group(2))
            info.fps = float(fps.group(1)) if fps else 0.0
            info.pixel_format = pixel_format.group(1) if pixel_format else None
        elif kind == "Audio" and not info.has_audio:
            info.audio_codec = codec
        elif kind == "Subtitle":
            info.subtitle_codecs.append(codec)
    return info


def grab_frame(video: Path, seconds: float, *, width: int | None = None) -> Image.Image:
    """The frame of a video shown at `seconds`, as RGB; scaled to `width` pixels across (keeping its aspect) when given."""
    scale = ["-vf", f"scale={width}:-2:flags=area"] if width else []
    # One decoding thread and an uncompressed BMP: a third less work than the defaults for one frame.
    command = ffmpeg_command(
        "-threads", "1", "-ss", f"{seconds:.3f}", "-i", str(video), *scale, "-frames:v", "1", "-an",
        "-f", "image2pipe", "-c:v", "bmp", "pipe:1",
    )  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        tail = _last_words(result.stderr, 3)
        raise RenderError(f"could not read a frame of {video} at {seconds:.2f} s" + (f":\n{tail}" if tail else ""))
    with Image.open(io.BytesIO(result.stdout)) as decoded:
        return decoded.convert("RGB")


def frame_from_clip(clip: Path, at_fraction: float = 0.5, *, duration_s: float | None = None, width: int | None = None) -> Image.Image:
    """One frame of a video, `at_fraction` (0..1) of the way through (`width` pixels across when given).

    Pass `duration_s` when known; otherwise the file is probed for it.
    """
    clip = Path(clip)
    if not clip.is_file():
        raise RenderError(f"clip not found: {clip}")
    duration = duration_s if duration_s is not None else probe(clip).duration_s
    # Seeking to the very end finds no frame; stay a little before it.
    return grab_frame(clip, min(max(0.0, min(1.0, at_fraction)) * duration, max(0.0, duration - 0.1)), width=width)


def decode_video_frames(video: Path, width: int, height: int) -> Iterator[np.ndarray]:
    """Every frame of a video's first picture stream, scaled to width x height, as (height, width, 3) uint8 RGB."""
    arguments = ["-i", str(video), "-map", "0:v:0", "-vf", f"scale={width}:{height}:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    frame_bytes = width * height * 3
    for data in _stream(arguments, frame_bytes, what=f"decode the video of {video}"):
        if len(data) == frame_bytes:
            yield np.frombuffer(data, np.uint8).reshape(height, width, 3)


def decode_audio_blocks(path: Path, rate: int) -> Iterator[np.ndarray]:
    """Any file ffmpeg reads (WAV, MP3, an MP4's audio track...) as float32 stereo at `rate`, (2, samples) a block at a time."""
    arguments = ["-i", str(path), "-vn", "-f", "f32le", "-acodec", "pcm_f32le", "-ac", "2", "-ar", str(rate), "-"]
    for data in _stream(arguments, AUDIO_BLOCK * 8, what=f"decode the audio of {path}"):
        yield np.frombuffer(data, dtype="<f4").reshape(-1, 2).T.copy()


def decode_audio(path: Path, rate: int, *, max_seconds: float) -> np.ndarray:
    """The first `max_seconds` of a file's audio as 16-bit stereo at `rate`, shape (samples, 2); none where it has none."""
    result = subprocess.run(ffmpeg_command(*_decoding(path, rate, max_seconds)), capture_output=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"ffmpeg could not decode the audio of {path}: {_last_words(result.stderr, 3, join=' ')}")
    return np.frombuffer(result.stdout, dtype="<i2").reshape(-1, 2)


def decode_audio_into(path: Path, rate: int, output: IO[bytes], *, max_seconds: float) -> int:
    """decode_audio's samples written by ffmpeg straight into `output` (an empty file: raw 16-bit little-endian
    stereo), so a long file never passes through memory; returns how many samples."""
    result = subprocess.run(ffmpeg_command(*_decoding(path, rate, max_seconds)), stdout=output, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise RenderError(f"ffmpeg could not decode the audio of {path}: {_last_words(result.stderr, 3, join=' ')}")
    return os.fstat(output.fileno()).st_size // 4


def _decoding(path: Path, rate: int, max_seconds: float) -> list[str]:
    return ["-i", str(path), "-t", f"{max_seconds:.3f}", "-vn", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "2", "-ar", str(rate), "-"]


def read_wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def _stream(arguments: list[str], size: int, *, what: str) -> Iterator[bytes]:
    """ffmpeg's output on stdout, `size` bytes at a time (less at the end); RenderError if it fails."""
    # stderr goes to a file: a damaged file can make ffmpeg complain more than a pipe holds while stdout is read
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(ffmpeg_command(*arguments), stdout=subprocess.PIPE, stderr=errors) as process:
            assert process.stdout is not None
            while data := process.stdout.read(size):
                yield data
        if process.returncode != 0:
            errors.seek(0)
            raise RenderError(f"ffmpeg could not {what}: {_last_words(errors.read(), 3, join=' ')}")


def _last_words(stderr: str | bytes, lines: int, *, join: str = "\n") -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return join.join(text.strip().splitlines()[-lines:])
