"""`evaluate_movie` on a real movie and on copies of it spoiled on purpose: each defect must move its metric."""

from __future__ import annotations

import itertools
import subprocess

import numpy as np
import pyloudnorm
import pytest

from movieagent.eval import EvalReport, evaluate_movie
from movieagent.media import ffmpeg_exe
from tests.eval_movies import (
    BANK,
    SETTINGS,
    clean_movie,
    clip_audio,
    copy_movie,
    drop_line,
    shift_cue,
    swap_character,
    timeline_of,
)


@pytest.fixture(scope="session")
def movie(tmp_path_factory):
    return clean_movie(tmp_path_factory)


@pytest.fixture(scope="module")
def clean(movie, tmp_path_factory) -> EvalReport:
    folder = copy_movie(movie.folder, tmp_path_factory.mktemp("clean") / "movie")
    return evaluate_movie(folder, SETTINGS, script=movie.script, characters=BANK)


def spoiled(movie, tmp_path, spoil) -> EvalReport:
    folder = copy_movie(movie.folder, tmp_path / "movie")
    spoil(folder)
    return evaluate_movie(folder, SETTINGS, script=movie.script, characters=BANK)


def test_the_clean_movie_passes_every_check(clean):
    assert [row.metric for row in clean.summary if row.verdict not in ("good", "info")] == []
    coverage = clean.coverage
    assert (coverage.script_scenes, coverage.scenes_in_plan) == (2, 2)
    assert coverage.lines == coverage.lines_in_order == coverage.lines_in_subtitles == coverage.lines_heard == 6
    assert coverage.unknown_characters == [] and coverage.characters_checked_against == "bank"
    assert clean.subtitle_sync.within_tolerance == 1.0 and clean.subtitle_sync.mean_abs_offset_ms < 60
    assert clean.audio.clipped_samples == 0 and clean.audio.clipped_passages == []
    assert abs(clean.audio.integrated_lufs + 16) < 0.5
    assert (clean.editing.precision, clean.editing.recall) == (1.0, 1.0)
    assert clean.editing.planned_cuts == len(clean.shots) - 1 - clean.editing.soft_boundaries


def test_speech_is_found_where_the_timeline_puts_the_lines(clean, movie):
    for line in timeline_of(movie.folder).lines():
        heard = clean.speech.seconds_within(line.start_s, line.end_s)
        assert heard >= 0.7 * (line.end_s - line.start_s), line.text
    # Outside the lines (less the speech's own reach) there is only music.
    lines = timeline_of(movie.folder).lines()
    for before, after in itertools.pairwise(lines):
        assert clean.speech.seconds_within(before.end_s + 0.1, after.start_s - 0.1) < 0.05


def test_loudness_range_agrees_with_pyloudnorm(clean, movie):
    decoded = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(movie.folder / "movie.mp4"), "-vn", "-ac", "2", "-ar", "48000", "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(decoded, "<f4").reshape(-1, 2).astype(np.float64)
    assert clean.audio.loudness_range_lu == pytest.approx(pyloudnorm.Meter(48000).loudness_range(samples), abs=0.5)


def test_a_cue_shown_400_ms_late_is_the_worst_and_lowers_the_share_in_sync(movie, clean, tmp_path):
    report = spoiled(movie, tmp_path, lambda folder: shift_cue(folder, 2, 0.4))
    sync = report.subtitle_sync
    assert sync.worst[0].index == 2 and sync.worst[0].start_offset_ms == pytest.approx(400, abs=40)
    assert sync.within_tolerance < clean.subtitle_sync.within_tolerance
    assert sync.mean_abs_offset_ms > clean.subtitle_sync.mean_abs_offset_ms + 40
    assert _verdict(report, "cues within ±100 ms of speech") in ("warn", "bad")
    assert any("subtitle more than 100 ms" in problem for row in report.shots for problem in row.problems)


def test_a_clipped_passage_is_found_where_it_was_made(movie, clean, tmp_path):
    first_line = timeline_of(movie.folder).lines()[0]
    report = spoiled(movie, tmp_path, lambda folder: clip_audio(folder, first_line.start_s, first_line.end_s, gain=8.0))
    audio = report.audio
    assert audio.clipped_samples > clean.audio.clipped_samples == 0
    assert audio.true_peak_dbtp > clean.audio.true_peak_dbtp and audio.true_peak_dbtp >= 0
    assert audio.clipped_passages and all(first_line.start_s - 0.2 <= passage.start_s < first_line.end_s + 0.2 for passage in audio.clipped_passages)
    assert _verdict(report, "clipped samples") == "bad"
    assert [row.shot_id for row in report.shots if "clipped audio" in row.problems] == [
        shot.shot_id for shot in timeline_of(movie.folder).shots if any(line.line_id == first_line.line_id for line in shot.lines)
    ]


def test_a_missing_line_is_missing_from_plan_subtitles_and_sound(movie, clean, tmp_path):
    dropped: list[str] = []
    report = spoiled(movie, tmp_path, lambda folder: dropped.append(drop_line(folder, "line-0002")))
    coverage = report.coverage
    assert (coverage.lines_in_plan, coverage.lines_in_subtitles, coverage.lines_heard) == (5, 5, 5)
    assert [line.text for line in coverage.missing] == dropped
    assert coverage.missing[0].in_plan is False and coverage.missing[0].in_subtitles is False
    # Its words are still in the sound track, now without a subtitle.
    assert report.subtitle_sync.speech_without_subtitle_s > clean.subtitle_sync.speech_without_subtitle_s + 1.0
    assert _verdict(report, "lines in the plan, in order") == "bad"


def test_a_character_the_bank_lacks_is_named_with_its_shot(movie, clean, tmp_path):
    shot_ids: list[str] = []
    report = spoiled(movie, tmp_path, lambda folder: shot_ids.append(swap_character(folder, 2, "ghost-sailor")))
    assert [(found.shot_id, found.character_id) for found in report.coverage.unknown_characters] == [(shot_ids[0], "ghost-sailor")]
    assert clean.coverage.unknown_characters == []
    assert _verdict(report, "characters not in the bank") == "bad"
    assert [row.problems for row in report.shots if row.shot_id == shot_ids[0]] == [["Ghost Sailor is not in the bank"]]


def _verdict(report: EvalReport, metric: str) -> str:
    return next(row.verdict for row in report.summary if row.metric == metric)
