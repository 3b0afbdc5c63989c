"""ffmpeg access (movieagent.media): probing, frame grabs and decoding, on real files ffmpeg makes here."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from movieagent.errors import InputError, RenderError
from movieagent.eval.probe import probe_video
from movieagent.media import decode_audio, decode_audio_blocks, decode_audio_into, decode_video_frames, ffmpeg_exe, frame_from_clip, probe


def make_with_ffmpeg(output: Path, *arguments: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *arguments, str(output)], check=True)
    return output


def two_colour_clip(tmp_path: Path) -> Path:
    """One second of red, then one second of blue, 64x48 at 10 fps."""
    return make_with_ffmpeg(
        tmp_path / "clip.mp4",
        "-f", "lavfi", "-i", "color=c=red:s=64x48:r=10:d=1", "-f", "lavfi", "-i", "color=c=blue:s=64x48:r=10:d=1",
        "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p",
    )  # fmt: skip


def test_probe_reads_length_size_rate_and_every_stream(tmp_path):
    subtitles = tmp_path / "cues.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello.\n", encoding="utf-8")
    movie = make_with_ffmpeg(
        tmp_path / "movie.mp4",
        "-f", "lavfi", "-i", "color=c=gray:s=96x64:r=12:d=1.5", "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5",
        "-i", str(subtitles), "-map", "0:v", "-map", "1:a", "-map", "2:s",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-c:s", "mov_text",
    )  # fmt: skip
    info = probe(movie)
    assert info.duration_s == pytest.approx(1.5, abs=0.05)
    assert (info.video_codec, info.pixel_format, info.width, info.height, info.fps) == ("h264", "yuv420p", 96, 64, 12.0)
    assert info.has_audio and info.audio_codec == "aac"
    assert info.subtitle_codecs == ["mov_text"]


def test_probe_of_sound_alone_has_no_picture_and_eval_refuses_it(tmp_path):
    sound = tmp_path / "tone.wav"
    wavfile.write(sound, 8000, np.zeros(8000 * 2, np.int16))
    info = probe(sound)
    assert info.duration_s == pytest.approx(2.0, abs=0.01)
    assert info.has_audio and not info.has_video and (info.width, info.height) == (0, 0)
    with pytest.raises(InputError, match="not a video"):
        probe_video(sound)


def test_probe_names_a_file_ffmpeg_cannot_read(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"no video here")
    with pytest.raises(RenderError, match="junk.mp4"):
        probe(junk)
    with pytest.raises(InputError, match="not a video"):
        probe_video(junk)


def test_frame_from_clip_seeks_to_the_fraction(tmp_path):
    clip = two_colour_clip(tmp_path)
    early, late, end = (np.asarray(frame_from_clip(clip, fraction)).astype(int) for fraction in (0.25, 0.75, 1.0))
    assert early.shape == (48, 64, 3)
    assert early[..., 0].mean() > 200 and early[..., 2].mean() < 60
    assert late[..., 2].mean() > 200 and late[..., 0].mean() < 60
    assert end[..., 2].mean() > 200  # the very end still yields a frame
    given = np.asarray(frame_from_clip(clip, 0.5, duration_s=0.4)).astype(int)
    assert given[..., 0].mean() > 200  # a caller's duration is trusted: 0.2 s is still red


def test_frame_from_clip_reports_bad_files(tmp_path):
    with pytest.raises(RenderError, match="clip not found"):
        frame_from_clip(tmp_path / "missing.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"no video here")
    with pytest.raises(RenderError, match="junk.mp4"):
        frame_from_clip(tmp_path / "junk.mp4")


def test_decode_video_frames_gives_every_frame_at_the_size_asked(tmp_path):
    frames = list(decode_video_frames(two_colour_clip(tmp_path), 32, 24))
    assert len(frames) == 20 and all(frame.shape == (24, 32, 3) and frame.dtype == np.uint8 for frame in frames)
    assert frames[0][..., 0].mean() > 200 and frames[-1][..., 2].mean() > 200


def test_decode_video_frames_names_a_file_it_cannot_decode(tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"no video here")
    with pytest.raises(RenderError, match="junk.mp4"):
        list(decode_video_frames(tmp_path / "junk.mp4", 32, 24))


def test_audio_decodes_in_blocks_to_the_same_samples_as_whole(tmp_path):
    rate = 16000
    left = np.sin(2 * np.pi * 300 * np.arange(5 * rate) / rate) * 0.5
    stereo = np.round(np.stack([left, -left], axis=1) * 32767).astype(np.int16)
    wavfile.write(tmp_path / "stereo.wav", rate, stereo)

    blocks = list(decode_audio_blocks(tmp_path / "stereo.wav", rate))
    assert len(blocks) > 1 and all(block.shape[0] == 2 and block.dtype == np.float32 for block in blocks)
    joined = np.concatenate(blocks, axis=1)
    np.testing.assert_allclose(joined, stereo.T / 32768, atol=1e-6)

    whole = decode_audio(tmp_path / "stereo.wav", rate, max_seconds=2.0)
    np.testing.assert_array_equal(whole, stereo[: 2 * rate])
    with open(tmp_path / "first-2-s.raw", "w+b") as raw:
        assert decode_audio_into(tmp_path / "stereo.wav", rate, raw, max_seconds=2.0) == 2 * rate
        raw.seek(0)
        np.testing.assert_array_equal(np.frombuffer(raw.read(), "<i2").reshape(-1, 2), whole)
