"""`movieagent batch`: movies made one after another, a bad one reported without stopping the rest, a JSON summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from movieagent.batch import BatchSummary, read_batch
from movieagent.cli import app
from movieagent.errors import InputError, InputErrors
from movieagent.media import probe
from tests.media_probe import count_frames

BANK = Path(__file__).resolve().parents[1] / "character_bank/lighthouse"

SCRIPT = """Title: Two Steps

INT. LIGHTHOUSE LAMP ROOM - NIGHT

MARA QUELL polishes the brass.

MARA
Two hundred and thirteen steps.
"""

JOBS = f"""\
defaults:
  config: preview-fast
  overrides: {{video: {{width: 128, height: 72, fps: 6}}, render: {{runner: {{kind: local, workers: 1}}}}}}
movies:
  - script: steps.fountain
    characters: {BANK}
    out: out/first
  - name: broken
    script: no-such-script.fountain
    characters: {BANK}
    out: out/broken
  - script: steps.fountain
    characters: {BANK}
    out: out/second
    overrides: {{video: {{width: 96, height: 64, fps: 6}}}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_failed_movie_is_reported_and_the_others_are_made(tmp_path):
    write(tmp_path, "steps.fountain", SCRIPT)
    jobs = write(tmp_path, "jobs.yaml", JOBS)

    result = CliRunner().invoke(app, ["batch", str(jobs), "--summary", str(tmp_path / "summary.json")])

    assert result.exit_code == 1, result.output
    summary = BatchSummary.model_validate_json((tmp_path / "summary.json").read_text())
    assert json.loads(result.stdout) == json.loads(summary.model_dump_json()), "the summary printed is the one written"
    assert (summary.ok, summary.failed) == (2, 1)
    first, broken, second = summary.movies
    assert [movie.status for movie in summary.movies] == ["ok", "failed", "ok"]
    assert broken.name == "broken" and "no-such-script.fountain" in broken.error and broken.outputs == {}
    for movie, size in ((first, (128, 72)), (second, (96, 64))):
        assert movie.error is None and movie.shots >= 1 and movie.clips_rendered == movie.shots
        info = probe(movie.outputs["movie"])
        assert (info.width, info.height) == size
        assert count_frames(movie.outputs["movie"]) == round(movie.duration_s * 6)
        assert movie.seconds > 0 and "render" in movie.stage_seconds


def test_a_jobs_file_with_mistakes_is_refused_with_lines_and_fixes(tmp_path):
    jobs = write(
        tmp_path,
        "jobs.yaml",
        "movies:\n  - script: a.fountain\n    characters: bank\n"
        "  - script: b.fountain\n    characters: bank\n    out: x\n    colour: red\n",
    )
    with pytest.raises(InputErrors) as raised:
        read_batch(jobs)
    missing, unknown = raised.value.problems
    assert (missing.line, unknown.line) == (2, 7)
    assert "'movies[0].out' is missing" in missing.message and "unknown key 'movies[1].colour'" in unknown.message
    assert missing.fix.startswith("allowed keys: config, overrides, script, characters, out, name;")

    result = CliRunner().invoke(app, ["batch", str(jobs)])
    assert result.exit_code == 2 and "jobs.yaml:2" in result.output
    assert not (tmp_path / "jobs.summary.json").exists(), "nothing runs, nothing is written"


def test_two_movies_into_one_folder_are_refused(tmp_path):
    text = "movies:\n  - {script: a, characters: b, out: same}\n  - {script: c, characters: b, out: same}\n"
    jobs = write(tmp_path, "jobs.yaml", text)
    with pytest.raises(InputError, match="movies 1 and 2 both write to 'same'") as raised:
        read_batch(jobs)
    assert raised.value.line == 3
