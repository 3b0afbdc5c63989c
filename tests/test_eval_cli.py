"""`movieagent eval`: writes metrics.json and report.html into the movie folder and prints the summary table."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from movieagent.cli import app
from movieagent.eval import EvalReport
from movieagent.eval.judge import CRITERIA
from tests.eval_movies import BANK, clean_movie, copy_movie
from tests.fake_openai import FakeOpenAI

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


def test_eval_with_a_judge_adds_its_scores_and_keeps_its_calls_in_the_folder(movie, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    folder = copy_movie(movie.folder, tmp_path / "movie")
    answer = {"scores": [{"criterion": name, "reasons": f"Because of {name}.", "score": 4} for name in CRITERIA]}
    with FakeOpenAI() as server:
        server.answer = lambda call: json.dumps(answer)
        profile = tmp_path / "judge.yaml"
        crew = {"kind": "openai", "base_url": server.base_url, "model": "judge-model", "timeout_s": 5.0, "backoff_s": 0.02}
        profile.write_text(yaml.safe_dump({"planning": {"crew": crew}}), encoding="utf-8")

        result = runner.invoke(app, ["eval", str(folder), "--script", str(movie.script), "--judge-config", str(profile), "-q"], env=WIDE)

    assert result.exit_code == 0, result.output
    report = EvalReport.model_validate_json((folder / "metrics.json").read_text(encoding="utf-8"))
    assert report.judge.model == "judge-model" and [score.score for score in report.judge.scores] == [4, 4, 4]
    assert [row.metric for row in report.summary if row.area == "judge"] == [name.replace("_", " ") for name in CRITERIA]
    assert "script faithfulness" in result.output and "Because of script_faithfulness." in (folder / "report.html").read_text(encoding="utf-8")
    assert (folder / "transcript.jsonl").is_file() and "sk-test-key" not in (folder / "transcript.jsonl").read_text(encoding="utf-8")


def test_a_judge_without_the_script_is_refused(movie, tmp_path):
    profile = tmp_path / "judge.yaml"
    profile.write_text("planning:\n  crew:\n    kind: openai\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(movie.folder), "--judge-config", str(profile), "-q"], env=WIDE)
    assert result.exit_code == 2 and "the judge compares the plan with its script" in result.output


def test_eval_with_a_vision_model_scores_each_shot_from_frames_of_the_movie(movie, tmp_path):
    torch = pytest.importorskip("torch", reason="the vision metrics need torch")
    transformers = pytest.importorskip("transformers", reason="the vision metrics need transformers")
    # A tiny random DINOv2 saved as real weights are: it knows nothing, but it loads and embeds like the real one.
    torch.manual_seed(0)
    dino = tmp_path / "dino"
    config = transformers.Dinov2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=32, patch_size=8)
    transformers.Dinov2Model(config).save_pretrained(dino)
    transformers.BitImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(dino)
    folder = copy_movie(movie.folder, tmp_path / "movie")

    result = runner.invoke(app, ["eval", str(folder), "--characters", str(BANK), "--dino-model", str(dino), "-q"], env=WIDE)

    assert result.exit_code == 0, result.output
    report = EvalReport.model_validate_json((folder / "metrics.json").read_text(encoding="utf-8"))
    assert report.vision["models"]["dino"] == str(dino) and report.vision["dino_mean"] is not None
    frames = sorted((folder / "eval" / "frames").glob("*.png"))
    assert len(frames) == 3 * len(report.shots)
    # Every shot shows someone from the bank, so every shot has a DINO score against their reference pictures.
    assert all(row.dino is not None and -1 <= row.dino <= 1 for row in report.shots)
    assert "DINO" in result.output and "<th>DINO</th>" in (folder / "report.html").read_text(encoding="utf-8")


def test_the_report_says_which_planning_questions_the_rules_fallback_answered(movie, tmp_path):
    folder = copy_movie(movie.folder, tmp_path / "movie")
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    plan["answers"] = [
        {"role": "director", "answered_by": "model"},
        {"role": "screenwriter", "scene_id": plan["scenes"][0]["id"], "answered_by": "fallback", "reason": "HTTP 500: boom"},
    ]
    (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")

    result = runner.invoke(app, ["eval", str(folder), "-q"], env=WIDE)

    assert result.exit_code == 0, result.output
    report = EvalReport.model_validate_json((folder / "metrics.json").read_text(encoding="utf-8"))
    (row,) = [row for row in report.summary if row.area == "planning"]
    assert (row.value, row.verdict) == ("1/2", "warn") and "screenwriter scene-001: rules fallback (HTTP 500: boom)" in row.note
    assert "questions answered by the crew's model" in result.output
    assert "rules fallback (HTTP 500: boom)" in (folder / "report.html").read_text(encoding="utf-8")
