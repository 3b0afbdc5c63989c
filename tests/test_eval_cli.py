"""`movieagent eval`: writes metrics.json and report.html into the movie folder and prints the summary table."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from movieagent.cli import app
from movieagent.eval import EvalReport
from tests.eval_movies import BANK, clean_movie, copy_movie

runner = CliRunner()
WIDE = {"COLUMNS": "160"}  # the table's rows stay on one line each


@pytest.fixture(scope="session")
def movie(tmp_path_factory):
    return clean_movie(tmp_path_factory)


def test_eval_writes_both_files_and_prints_the_summary(movie, tmp_path):
    folder = copy_movie(movie.folder, tmp_path / "movie")

    result = runner.invoke(app, ["eval", str(folder), "--script", str(movie.script), "--characters", str(BANK), "-q"], env=WIDE)

    assert result.exit_code == 0, result.output
    report = EvalReport.model_validate_json((folder / "metrics.json").read_text(encoding="utf-8"))
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert '<video id="movie"' in page and 'src="movie.vtt"' in page and (folder / "movie.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    assert report.script == movie.script and report.characters == BANK
    for row in report.summary:  # every headline number is in the printed table, with its value
        assert any(row.metric in line and row.value in line for line in result.output.splitlines()), row.metric
    assert "lines in the plan, in order" in result.output and "6/6" in result.output
    assert f"wrote {folder / 'metrics.json'} and {folder / 'report.html'}" in result.output


def test_eval_of_a_folder_that_is_no_movie_exits_2_with_the_fix(tmp_path):
    result = runner.invoke(app, ["eval", str(tmp_path)], env=WIDE)

    assert result.exit_code == 2
    assert "neither a movieagent output folder nor a MovieAgent results folder" in result.output
    assert "fix:" in result.output
    assert not (tmp_path / "metrics.json").exists() and not (tmp_path / "report.html").exists()


def test_eval_refuses_a_bad_vision_device_before_any_work(movie, tmp_path):
    pytest.importorskip("torch", reason="the vision options come with the vision metrics, which need torch")
    folder = copy_movie(movie.folder, tmp_path / "movie")

    result = runner.invoke(app, ["eval", str(folder), "--clip-model", "openai/clip-vit-base-patch32", "--device", "gpu0", "-q"], env=WIDE)

    assert result.exit_code == 2 and "device" in result.output
    assert not (folder / "metrics.json").exists()
