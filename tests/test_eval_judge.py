"""The LLM judge against the loopback OpenAI-compatible fake: scores and reasons parsed in rubric order,
out-of-range scores and missing criteria sent back for repair, and the API key in no output of any kind."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from movieagent.config import BackendChoice
from movieagent.errors import InputError
from movieagent.eval.judge import CRITERIA, JudgeResult, judge_movie
from movieagent.llm import LLMError
from movieagent.schema import Box, CastMember, CharacterInShot, Line, LocationSheet, Plan, Scene, Shot
from tests.fake_openai import FakeOpenAI, Fault

KEY = "sk-test-JUDGE-KEY-7f3a91"
SCRIPT = "INT. LIGHTHOUSE - NIGHT\n\nAda trims the wick as the storm rises.\n\nADA\nThe light stays on.\n"
PLAN = Plan(
    title="The Lighthouse Keeper",
    source=Path("keeper.fountain"),
    logline="A keeper holds the light through a storm.",
    cast=[CastMember(id="ada", name="Ada", description="the keeper, stubborn")],
    locations=[LocationSheet(id="lighthouse", name="Lighthouse", description="a stone tower")],
    scenes=[
        Scene(
            id="scene-001",
            index=1,
            heading="INT. LIGHTHOUSE - NIGHT",
            location_id="lighthouse",
            summary="Ada keeps the lamp lit.",
            shots=[
                Shot(
                    id="scene-001-shot-01",
                    scene_id="scene-001",
                    duration_s=3,
                    characters=[CharacterInShot(character_id="ada", box=Box(x=0.3, y=0.2, w=0.4, h=0.7))],
                    action="Ada trims the wick.",
                    lines=[Line(id="scene-001-shot-01-line-1", speaker_id="ada", text="The light stays on.")],
                )
            ],
        )
    ],
)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeOpenAI() as fake:
        yield fake


def judge_choice(server: FakeOpenAI, outdir: Path, **options) -> BackendChoice:
    settings = {"base_url": server.base_url, "model": "judge-model", "backoff_s": 0.02, "timeout_s": 2.0, "budget_s": 10.0}
    workspace = {"cache_dir": str(outdir / "cache"), "transcript": str(outdir / "transcript.jsonl")}
    return BackendChoice(kind="openai", **{**settings, **workspace, **options})


def verdict(**scores: int) -> str:
    """A judge's answer, criteria in reverse order; `scores` overrides the default 4s."""
    return json.dumps(
        {
            "scores": [
                {"criterion": name, "reasons": f"Because of {name}.", "score": scores.get(name, 4)} for name in reversed(CRITERIA)
            ]
        }
    )


def script_replies(server: FakeOpenAI, *replies: str) -> None:
    queue = list(replies)
    server.answer = lambda call: queue.pop(0) if len(queue) > 1 else queue[0]


def transcript(outdir: Path) -> list[dict]:
    return [json.loads(line) for line in (outdir / "transcript.jsonl").read_text().splitlines()]


def test_scores_and_reasons_come_back_in_rubric_order(server, tmp_path):
    script_replies(server, verdict(script_faithfulness=5, narrative_coherence=3))
    result = judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path))

    assert [(score.criterion, score.score) for score in result.scores] == [
        ("narrative_coherence", 3),
        ("script_faithfulness", 5),
        ("character_consistency", 4),
    ]
    assert result.scores[1].reasons == "Because of script_faithfulness." and result.model == "judge-model"
    # One call, carrying the rubric, the script as written and the plan a line per shot, asking for the answer's schema.
    (call,) = server.calls
    system, user = (message["content"] for message in call.body["messages"])
    assert "5 = every scene and shot follows from the one before" in system and '"score"' in system
    assert SCRIPT.strip() in user and "- scene-001-shot-01: medium, eye_level, static, 3 s, ada. Ada trims the wick." in user
    assert "ada: The light stays on." in user and "ada: Ada - the keeper, stubborn" in user
    assert call.body["response_format"]["json_schema"]["name"] == "JudgeAnswer"
    assert [line["outcome"] for line in transcript(tmp_path)] == ["valid"]


def test_an_out_of_range_score_is_sent_back_for_repair(server, tmp_path):
    script_replies(server, verdict(narrative_coherence=7), verdict(narrative_coherence=2))
    result = judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path))

    assert result.scores[0].score == 2 and len(server.calls) == 2
    repair = server.calls[1].body["messages"][-1]["content"]
    assert "scores.2.score" in repair and "less than or equal to 5" in repair
    assert [line["outcome"] for line in transcript(tmp_path)] == ["invalid", "valid"]


def test_a_missing_criterion_is_asked_for_and_a_judge_that_never_answers_right_fails(server, tmp_path):
    partial = json.dumps({"scores": [{"criterion": "narrative_coherence", "reasons": "Clear.", "score": 4}]})
    script_replies(server, partial, verdict())
    assert isinstance(judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path)), JudgeResult)
    assert "give exactly one score for each criterion" in server.calls[1].body["messages"][-1]["content"]

    script_replies(server, verdict(character_consistency=0))
    with pytest.raises(LLMError, match="judge gave no usable answer.*greater than or equal to 1"):
        judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path / "again", repair_tries=1))


def test_the_key_stays_out_of_every_output(server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    server.queue.append(Fault.unauthorized)  # a 401 whose message echoes the key it was sent
    with pytest.raises(LLMError) as refused:
        judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path / "refused"))
    script_replies(server, verdict(narrative_coherence=9), verdict())
    result = judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path / "judged"))

    assert all(call.authorization == f"Bearer {KEY}" for call in server.calls) and len(server.calls) == 3
    assert "Incorrect API key" in str(refused.value) and KEY not in str(refused.value)
    assert KEY not in result.model_dump_json() and KEY not in caplog.text
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(files) >= 3  # two transcripts and the cached answer
    assert all(KEY.encode() not in path.read_bytes() for path in files)


def test_the_judge_must_be_a_language_model(tmp_path):
    with pytest.raises(InputError, match="cannot be the 'rules' crew"):
        judge_movie(SCRIPT, PLAN, BackendChoice(kind="rules"))
    with pytest.raises(InputError, match="no model folder"):
        judge_movie(SCRIPT, PLAN, BackendChoice(kind="transformers", model=str(tmp_path / "no-model")))


def test_the_judge_builds_its_chat_not_a_planning_crew(server, tmp_path, monkeypatch):
    from movieagent.planning.crews.llm import LLMCrew

    def no_crew(*args, **kwargs):
        raise AssertionError("the judge built a planning crew")

    monkeypatch.setattr(LLMCrew, "__init__", no_crew)
    script_replies(server, verdict())
    assert judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path)).model == "judge-model"
    with pytest.raises(InputError, match="judge option 'max_tokens'"):
        judge_movie(SCRIPT, PLAN, judge_choice(server, tmp_path, max_tokens=1))
