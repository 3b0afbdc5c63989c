"""The `openai` crew planning whole films against a loopback OpenAI-compatible server that plays the rules crew:
the same plan over the wire, repairs of bad answers, faults, resume, the cache, and no key in any file."""

from __future__ import annotations

import itertools
import json
import shlex
import shutil
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from movieagent.backends import load_backend
from movieagent.cli import app
from movieagent.config import PlanningSettings, load_settings
from movieagent.errors import InputError
from movieagent.ingest import check_inputs
from movieagent.llm import LLMError
from movieagent.planning import plan_movie
from movieagent.planning.casting import cast_script
from movieagent.planning.crew import shot_seed
from movieagent.planning.crews.openai import Backend
from movieagent.planning.crews.rules import Backend as RulesCrew
from movieagent.planning.director import review_node
from movieagent.planning.review import speaking_seconds
from movieagent.planning.fallback import Answering
from movieagent.planning.state import PlanningState
from movieagent.schema import Plan
from tests.fake_openai import RANDOM_FAULTS, FakeOpenAI, Fault

ROOT = Path(__file__).resolve().parents[1]
SHORT = (ROOT / "examples/short/the-lighthouse-keeper.fountain", ROOT / "character_bank/lighthouse")
LONG = (ROOT / "examples/long/borrowed-sugar.fountain", ROOT / "character_bank/borrowed-sugar")
KEY = "sk-test-RECOGNISABLE-51d0e2"
PACING = PlanningSettings()
STRICT = PlanningSettings(fallback="none")  # a question the model cannot answer fails the run


def load(example: tuple[Path, Path]):
    return check_inputs(*example, max_bytes=PACING.max_script_bytes, max_scenes=PACING.max_scenes)


def film(plan: Plan) -> Plan:
    """The plan without the record of who answered each question: what the rules crew's plan is compared with."""
    return plan.model_copy(update={"answers": []})


def rules_plan(example: tuple[Path, Path]) -> Plan:
    script, bank = load(example)
    return plan_movie(script, bank, RulesCrew(RulesCrew.Options()), PACING)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeOpenAI(retry_after="0.1", slow_s=0.5) as fake:
        yield fake


def make_crew(server: FakeOpenAI, outdir: Path | None = None, **options) -> Backend:
    workspace = {"cache_dir": outdir / "cache" / "llm", "transcript": outdir / "transcript.jsonl"} if outdir else {}
    settings = {"base_url": server.base_url, "model": "fake-model", "backoff_s": 0.02, "timeout_s": 2.0, "budget_s": 10.0}
    return Backend(Backend.Options(**{**settings, **workspace, **options}))


def tamper(server: FakeOpenAI, role: str, change, *, times: int = 1) -> None:
    """The next `times` answers for `role` are changed by `change(answer_data) -> answer_data`."""
    honest = server.answer
    left = {"count": times}

    def answer(call):
        data = honest(call)
        if call.role != role or left["count"] == 0:
            return data
        left["count"] -= 1
        return json.dumps(change(json.loads(data)))

    server.answer = answer


def test_plans_the_short_example_over_the_wire_exactly_as_the_rules_crew(server, tmp_path):
    script, bank = load(SHORT)
    server.play(script, bank)
    outdir = tmp_path / "out"
    plan = plan_movie(script, bank, make_crew(server, outdir), PACING, checkpoint=outdir / "planning.sqlite")

    assert film(plan) == rules_plan(SHORT)
    # Every question answered by the model, and the plan says so.
    assert [(answer.role, answer.scene_id, answer.answered_by) for answer in plan.answers] == [
        ("director", None, "model"),
        ("location_manager", None, "model"),
        *[("screenwriter", f"scene-00{number}", "model") for number in (1, 2, 3)],
        *[("storyboard_artist", f"scene-00{number}", "model") for number in (1, 2, 3)],
        ("director_review", None, "model"),
    ]
    roles = [call.role for call in server.calls]
    assert {role: roles.count(role) for role in set(roles)} == {
        "director": 1,
        "location_manager": 1,
        "screenwriter": 3,
        "storyboard_artist": 3,
        "director_review": 1,
    }
    lines = [json.loads(line) for line in (outdir / "transcript.jsonl").read_text().splitlines()]
    assert len(lines) == 9 and all(line["outcome"] == "valid" and line["prompt_tokens"] > 0 for line in lines)
    assert {line["scene"] for line in lines if line["agent"] == "storyboard_artist"} == {"scene-001", "scene-002", "scene-003"}
    # The key went to the server in its header, and nowhere else; nor did this machine's folders.
    assert all(call.authorization == f"Bearer {KEY}" for call in server.calls)
    for path in outdir.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path
    assert not any(str(bank.root) in json.dumps(call.body) for call in server.calls)


def test_the_cache_makes_a_second_run_issue_no_calls(server, tmp_path):
    script, bank = load(SHORT)
    server.play(script, bank)
    first = plan_movie(script, bank, make_crew(server, tmp_path), PACING)
    calls = server.count()
    again = plan_movie(script, bank, make_crew(server, tmp_path), PACING)  # no checkpoint: every node runs again
    assert again == first and server.count() == calls


def test_a_run_with_a_third_of_its_calls_faulty_still_completes(server, tmp_path):
    # Every third call fails, each time with the next kind of fault a flaky server or a weak model shows.
    arrivals = itertools.count()
    server.rule = lambda call: RANDOM_FAULTS[number // 3 % len(RANDOM_FAULTS)] if (number := next(arrivals)) % 3 == 0 else None
    server.slow_s = 1.5
    script, bank = load(LONG)
    server.play(script, bank)
    crew = make_crew(server, tmp_path, timeout_s=0.6, max_retries=6, repair_tries=4)
    plan = plan_movie(script, bank, crew, PACING)
    assert film(plan) == rules_plan(LONG) and all(answer.answered_by == "model" for answer in plan.answers)
    faults = [call.fault for call in server.calls if call.fault]
    assert len(faults) >= server.count() // 3 and set(faults) == set(RANDOM_FAULTS)


def test_a_screenwriter_who_changes_a_line_is_sent_back_until_it_is_verbatim(server, tmp_path):
    def reword(beats):
        line = next(beat for beat in beats["beats"] if beat["kind"] == "dialogue")
        line["text"] = "Something else entirely."
        return beats

    tamper(server, "screenwriter", reword)
    script, bank = load(SHORT)
    server.play(script, bank)
    assert film(plan_movie(script, bank, make_crew(server), PACING)) == rules_plan(SHORT)
    screenwriter_calls = [call for call in server.calls if call.role == "screenwriter"]
    assert len(screenwriter_calls) == 4
    # Scenes run in parallel: the repair is the one call carrying an earlier answer, not always the last call.
    (repair,) = [call.body["messages"] for call in screenwriter_calls if len(call.body["messages"]) > 2]
    assert "not spoken verbatim" in repair[-1]["content"] and "Something else entirely." in repair[-2]["content"]


def test_answers_are_data_ids_and_paths_are_not_the_models_call(server, tmp_path):
    def move_sheets(breakdown):
        for sheet in breakdown["sheets"]:
            sheet.update(reference_image="/etc/passwd", description="Whatever the model says")
        return breakdown

    def scramble_shots(storyboard):
        for shot in storyboard["shots"]:
            shot.update(id="x", seed=0, duration_s=0.1)
        return storyboard

    tamper(server, "location_manager", move_sheets)
    tamper(server, "storyboard_artist", scramble_shots, times=3)
    script, bank = load(SHORT)
    server.play(script, bank)
    plan = plan_movie(script, bank, make_crew(server), PACING)

    for sheet in plan.locations:
        place = bank.location(sheet.id)
        assert sheet.reference_image == (place.images[0] if place and place.images else None)
        assert sheet.description == (place.description if place else "Whatever the model says")
    for scene in plan.scenes:
        for number, shot in enumerate(scene.shots, start=1):
            assert shot.id == f"{scene.id}-shot-{number:02d}" and shot.seed == shot_seed(shot.id)
            words_s = sum(speaking_seconds(line.text, PACING.words_per_minute) for line in shot.lines)
            assert shot.duration_s >= max(PACING.min_shot_s, words_s)


def test_the_directors_review_keeps_the_automatic_checks(server):
    script, bank = load(SHORT)
    server.play(script, bank)
    plan = rules_plan(SHORT)
    shot = next(shot for shot in plan.shots() if shot.lines)
    shot.lines = shot.lines[1:] or []  # a line of the script goes missing
    server.answer = lambda call: '{"approved": true, "notes": {}}'
    review_of = review_node(Answering(make_crew(server), fallback=None), PACING)
    review = review_of(PlanningState(script=script, bank=bank, cast=cast_script(script, bank), plan=plan))["review"]
    assert not review.approved, "the model approved; the checks did not"
    assert any("verbatim" in note for note in review.notes[shot.scene_id])
    assert "verbatim" in json.dumps(server.calls[-1].body), "the model was shown the checks' notes"


def test_resume_after_a_failure_repeats_no_finished_call(server, tmp_path):
    server.rule = lambda call: Fault.server_error if (call.role, call.scene) == ("storyboard_artist", "scene-002") else None
    script, bank = load(SHORT)
    server.play(script, bank)
    checkpoint = tmp_path / "planning.sqlite"
    with pytest.raises(LLMError) as failure:
        plan_movie(script, bank, make_crew(server, max_retries=1), STRICT, checkpoint=checkpoint)
    assert (failure.value.agent, failure.value.scene) == ("storyboard_artist", "scene-002")
    assert "HTTP 500" in str(failure.value)

    server.rule = None
    before = len(server.calls)
    plan = plan_movie(script, bank, make_crew(server, max_retries=1), STRICT, checkpoint=checkpoint)
    assert plan == rules_plan(SHORT)
    assert [(call.role, call.scene) for call in server.calls[before:]] == [
        ("storyboard_artist", "scene-002"),
        ("director_review", None),
    ]


def test_each_role_can_have_its_own_model(server):
    script, bank = load(SHORT)
    server.play(script, bank)
    plan_movie(script, bank, make_crew(server, model="base", models={"director": "big", "storyboard_artist": "small"}), PACING)
    models = {call.role: call.body["model"] for call in server.calls}
    assert models == {
        "director": "big",
        "director_review": "big",
        "location_manager": "base",
        "screenwriter": "base",
        "storyboard_artist": "small",
    }


def test_a_missing_key_and_a_broken_prompt_override_are_input_errors(server, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(InputError, match="MY_LLM_KEY"):
        Backend(Backend.Options(api_key_env="MY_LLM_KEY"))

    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    (prompts / "director.md").write_text((prompts / "director.md").read_text() + "\n{budget}\n")
    script, bank = load(SHORT)
    server.play(script, bank)
    with pytest.raises(InputError, match=r"unknown placeholder \{budget\}"):
        make_crew(server, prompts=prompts).director(script, cast_script(script, bank))


def test_the_shipped_profile_builds_the_crew(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = load_settings(ROOT / "configs/llm-openai.yaml")
    crew = load_backend("crew", settings.planning.crew)
    assert isinstance(crew, Backend)
    assert crew.options.models == {"director": "gpt-4o"} and crew.options.prices["gpt-4o-mini"].input_per_million > 0
    assert KEY not in crew.options.model_dump_json()


def test_the_cli_plans_through_the_server(server, tmp_path):
    server.play(*load(SHORT))
    outdir = tmp_path / "out"
    profile = tmp_path / "fake.yaml"
    crew = {"kind": "openai", "base_url": server.base_url, "model": "fake-model", "transcript": str(outdir / "transcript.jsonl")}
    profile.write_text(yaml.safe_dump({"planning": {"crew": crew}}))
    result = CliRunner().invoke(
        app, ["plan", str(SHORT[0]), "--characters", str(SHORT[1]), "-c", str(profile), "-o", str(outdir), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert film(Plan.model_validate_json((outdir / "plan.json").read_text())) == rules_plan(SHORT)
    assert len((outdir / "transcript.jsonl").read_text().splitlines()) == server.count() == 9
    for path in outdir.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path


def test_the_whole_run_stops_at_its_time_budget(server, tmp_path):
    # Every answer takes 0.3 s; the run may spend 0.5 s in all, so planning the long example cannot finish.
    server.latency_s = 0.3
    script, bank = load(LONG)
    server.play(script, bank)
    crew = make_crew(server, tmp_path, run_budget_s=0.5)
    started = time.monotonic()
    with pytest.raises(LLMError, match="whole time budget of 0.5 s") as caught:
        plan_movie(script, bank, crew, STRICT)
    assert time.monotonic() - started < 5
    assert "run_budget_s" in caught.value.fix


def test_a_question_the_model_keeps_failing_is_answered_by_the_rules_crew_and_the_plan_says_so(server, tmp_path):
    server.rule = lambda call: Fault.server_error if (call.role, call.scene) == ("screenwriter", "scene-002") else None
    script, bank = load(SHORT)
    server.play(script, bank)
    plan = plan_movie(script, bank, make_crew(server, tmp_path, max_retries=1), PACING)

    assert film(plan) == rules_plan(SHORT)
    fallbacks = [answer for answer in plan.answers if answer.answered_by == "fallback"]
    assert [(answer.role, answer.scene_id) for answer in fallbacks] == [("screenwriter", "scene-002")]
    assert "HTTP 500" in fallbacks[0].reason and len(plan.answers) == 9
    # The failed calls are in the transcript; the scene's storyboard was still the model's.
    lines = [json.loads(line) for line in (tmp_path / "transcript.jsonl").read_text().splitlines()]
    assert [line["outcome"] for line in lines if line["scene"] == "scene-002" and line["agent"] == "screenwriter"] == ["error", "error"]
    assert ("storyboard_artist", "scene-002", "model") in [(a.role, a.scene_id, a.answered_by) for a in plan.answers]


def test_the_readmes_local_server_line_asks_for_its_own_model_and_reports_who_planned(server, tmp_path, monkeypatch):
    """The README's one-liner for a local server (Ollama), run against the fake with the model name it gives."""
    line = next(text for text in (ROOT / "README.md").read_text().splitlines() if text.startswith("OPENAI_BASE_URL="))
    assignment, _, command, *args = shlex.split(line)
    assert command == "make" and "--model" in args
    model = args[args.index("--model") + 1]
    server.play(*load(SHORT))
    server.rule = lambda call: Fault.server_error if call.role == "location_manager" else None
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.delenv("OPENAI_API_KEY")  # a local server needs none
    paths = {"my-film.fountain": str(SHORT[0]), "my-bank/": str(SHORT[1])}
    outdir = tmp_path / "out"
    extra = ["-o", str(outdir), "--stop-after", "plan", "-q", "-c", str(write_profile(tmp_path, backoff_s=0.01, max_retries=1))]
    result = CliRunner().invoke(app, [command, *[paths.get(arg, arg) for arg in args], *extra])

    assert assignment.startswith("OPENAI_BASE_URL=http://localhost") and model != "gpt-4o-mini"
    assert result.exit_code == 0, result.output
    assert {call.body["model"] for call in server.calls} == {model}
    # The end-of-run summary and the plan name the part the rules crew made, and why.
    assert "8 of 9 questions answered by the model, 1 by the rules fallback (location_manager: HTTP 500" in " ".join(result.output.split())
    plan = Plan.model_validate_json((outdir / "plan.json").read_text())
    assert [answer.role for answer in plan.answers if answer.answered_by == "fallback"] == ["location_manager"]


def write_profile(folder: Path, **crew) -> Path:
    profile = folder / "crew.yaml"
    profile.write_text(yaml.safe_dump({"planning": {"crew": {"kind": "openai", **crew}}}))
    return profile


def test_a_role_card_folder_in_the_settings_changes_what_the_crew_is_told(server, tmp_path):
    server.play(*load(SHORT))
    cards = tmp_path / "my-agents"
    shutil.copytree(ROOT / "agents", cards)
    (cards / "director.yaml").write_text("role: director of westerns\ngoal: Make it a western, whatever the script says.\n")
    crew = {"kind": "openai", "base_url": server.base_url, "model": "fake-model"}
    profile = tmp_path / "cards.yaml"
    profile.write_text(yaml.safe_dump({"planning": {"crew": crew, "role_cards": str(cards)}}))
    command = ["plan", str(SHORT[0]), "--characters", str(SHORT[1]), "-c", str(profile), "-o", str(tmp_path / "out"), "-q"]
    assert CliRunner().invoke(app, command).exit_code == 0
    director = next(call for call in server.calls if call.role == "director")
    assert director.body["messages"][0]["content"].startswith("You are the director of westerns. Make it a western")

    (cards / "director.yaml").write_text("role: Director\ngoal: [unclosed\n")
    result = CliRunner().invoke(app, [*command[:-2], str(tmp_path / "again"), "-q"])
    assert result.exit_code == 2 and "director.yaml" in result.output
