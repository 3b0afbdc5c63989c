"""Each stage owns its cache the same way (cache.reuse_or_make); make_movie stops after the stage asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from movieagent import load_settings, make_movie
from movieagent.cache import reuse_or_make, stored_key

ROOT = Path(__file__).resolve().parents[1]
SHORT_SCRIPT = ROOT / "examples/short/the-lighthouse-keeper.fountain"
SHORT_BANK = ROOT / "character_bank/lighthouse"


def test_outputs_are_made_once_per_key_and_again_when_it_changes(tmp_path):
    output, report = tmp_path / "out.txt", tmp_path / "out.json"
    made = []

    def make(text: str):
        def write() -> None:
            made.append(text)
            output.write_text(text)
            report.write_text("{}")

        return write

    assert reuse_or_make("a", [output, report], make("first")) is False
    assert reuse_or_make("a", [output, report], make("second")) is True
    assert output.read_text() == "first" and stored_key(output) == "a"
    report.unlink()  # every output must be there to be reused
    assert reuse_or_make("a", [output, report], make("third")) is False
    assert reuse_or_make("b", [output, report], make("fourth")) is False
    assert made == ["first", "third", "fourth"] and stored_key(output) == "b"


def test_an_interrupted_stage_stores_no_key_so_it_is_made_again(tmp_path):
    output = tmp_path / "out.txt"

    def fail() -> None:
        output.write_text("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        reuse_or_make("a", [output], fail)
    assert stored_key(output) is None
    assert reuse_or_make("a", [output], lambda: output.write_text("whole")) is False
    assert output.read_text() == "whole"


def test_a_key_kept_elsewhere_marks_the_outputs(tmp_path):
    output, marker = tmp_path / "movie.mp4", tmp_path / "cache" / "movie.key"
    reuse_or_make("k", [output], lambda: output.write_text("movie"), marker=marker)
    assert marker.read_text().strip() == "k" and not (tmp_path / "movie.mp4.key").exists()
    assert stored_key(output, marker) == "k" and stored_key(output) is None


def test_each_stop_makes_its_stage_and_no_more_and_the_next_run_reuses_it(tmp_path):
    settings = load_settings(
        progress=False,
        video={"width": 128, "height": 72, "fps": 6, "preset": "ultrafast"},
        render={"video": {"kind": "preview", "shot_label": False, "speaker_cue": False}, "runner": {"kind": "local", "workers": 1}},
    )
    outdir = tmp_path / "film"

    planned = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings, stop_after="plan")
    assert planned.plan.is_file() and not (outdir / "speech").exists()
    assert set(planned.stage_seconds) == {"ingest", "plan"}

    spoken = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings, stop_after="speech")
    speech = {path: path.stat().st_mtime_ns for path in (outdir / "speech").glob("*.wav")}
    assert speech and (outdir / "timeline.json").is_file() and not (outdir / "clips").exists()
    assert spoken.movie is None and spoken.clips_rendered == 0 and set(spoken.stage_seconds) == {"ingest", "plan", "speech", "timeline"}

    rendered = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings, stop_after="render")
    assert rendered.clips_rendered == rendered.shots > 0 and rendered.movie is None and rendered.audio is None
    assert not (outdir / "audio").exists() and not (outdir / "movie.mp4").exists()

    finished = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings)
    assert finished.clips_cached == finished.shots and finished.movie.is_file() and finished.storyboard.is_file()
    assert finished.audio is not None and finished.audio.integrated_lufs == pytest.approx(settings.audio.target_lufs, abs=0.5)
    assert {path: path.stat().st_mtime_ns for path in speech} == speech, "speech made by an earlier stop is reused"
    assert set(finished.stage_seconds) == {"ingest", "plan", "speech", "timeline", "render", "subtitles", "mix", "assemble"}


def test_the_soundtrack_is_made_while_the_shots_render(tmp_path):
    settings = load_settings(
        progress=False,
        video={"width": 128, "height": 72, "fps": 6, "preset": "ultrafast"},
        render={"video": {"kind": "preview", "shot_label": False, "speaker_cue": False}, "runner": {"kind": "local", "workers": 1}},
    )
    updates: list[tuple[str, int, int]] = []
    result = make_movie(SHORT_SCRIPT, SHORT_BANK, tmp_path / "film", settings, on_progress=lambda u: updates.append((u.stage, u.done, u.total)))
    mix_started = updates.index(("mix", 0, 1))
    render_done = max(position for position, (stage, done, total) in enumerate(updates) if stage == "render")
    assert mix_started < render_done, "the mix waits for no clip"
    assert updates[-1][0] == "assemble" and result.movie.is_file() and result.audio is not None
