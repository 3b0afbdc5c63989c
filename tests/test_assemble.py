"""The movie file from its parts: a long film keeps every chapter, however long its scenes."""

from __future__ import annotations

from pathlib import Path

import pytest

from movieagent.assemble import assemble_movie
from movieagent.config import load_settings
from movieagent.media import probe, run_ffmpeg
from movieagent.schema import ClipResult
from movieagent.workspace import Workspace
from tests.media_probe import read_chapters


def test_scenes_longer_than_the_muxers_tick_range_keep_their_chapters(tmp_path: Path):
    """With x264's 12288 Hz and mov_text's 1 MHz the muxer's chapter ticks overflowed at 22 s: Big Fish lost 65 of its
    191 chapters, each read back at a few nanoseconds from the start."""
    settings = load_settings(progress=False, video={"width": 128, "height": 72, "fps": 24})
    clip, audio = tmp_path / "clip.mp4", tmp_path / "mix.m4a"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=128x72:r=24:d=70", "-c:v", "libx264", "-preset", "ultrafast", str(clip)], what="a clip")
    run_ffmpeg(["-f", "lavfi", "-i", "sine=r=48000:d=70", "-ac", "2", "-c:a", "aac", str(audio)], what="a mix")
    subtitles = tmp_path / "movie.srt"
    subtitles.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello.\n\n2\n00:01:05,000 --> 00:01:07,000\nGoodbye.\n", encoding="utf-8")
    chapters = tmp_path / "chapters.txt"
    chapters.write_text(
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=10000\ntitle=INT. A SHORT SCENE - DAY\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=10000\nEND=60000\ntitle=INT. A LONG SCENE - DAY\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=60000\nEND=70000\ntitle=EXT. A SHORT ONE - NIGHT\n",
        encoding="utf-8",
    )
    workspace = Workspace(tmp_path / "out")
    workspace.root.mkdir()

    movie = assemble_movie(
        [ClipResult(shot_id="shot-001", path=clip, num_frames=70 * 24, cached=True)], audio, subtitles, settings.video, workspace,
        title="Long", chapters=chapters,
    )  # fmt: skip

    read_back = read_chapters(movie)
    assert [title for _, _, title in read_back] == ["INT. A SHORT SCENE - DAY", "INT. A LONG SCENE - DAY", "EXT. A SHORT ONE - NIGHT"]
    assert [bound for start, end, _ in read_back for bound in (start, end)] == pytest.approx([0, 10, 10, 60, 60, 70], abs=1e-3)
    info = probe(movie)
    assert (info.fps, info.subtitle_codecs) == (24.0, ["mov_text"])
    assert info.duration_s == pytest.approx(70.0, abs=0.05)
