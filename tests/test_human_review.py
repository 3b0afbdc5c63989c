"""A person's review of the plan: --review pauses (a LangGraph interrupt) with plan.json to edit, --resume
finishes the same checkpointed thread with the edited plan, and the movie carries the person's edits."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pysubs2
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from typer.testing import CliRunner

from movieagent import load_settings, make_movie
from movieagent.cli import app
from movieagent.config import PlanningSettings
from movieagent.errors import InputError, InputErrors
from movieagent.ingest import check_inputs, read_plan
from movieagent.planning import build_graph, plan_movie, run_planning
from movieagent.planning.crews.rules import Backend as RulesCrew
from movieagent.planning.state import PlanningState
from movieagent.schema import Plan, Timeline
from tests.media_probe import count_frames

runner = CliRunner()
CREW_METHODS = ("director", "location_manager", "screenwriter", "storyboard_artist", "director_review")
SCRIPT = """Title: The Stopped Clock

INT. KITCHEN - DAY

Ann looks at the old clock.

ANN
It stopped at four.

BOB
Then we wait.

EXT. GARDEN - NIGHT

Bob lights a lamp.

BOB
It never moved again.

ANN
Neither did we.
"""
WIDTH, HEIGHT, FPS = 160, 96, 12


@pytest.fixture
def inputs(tmp_path, make_character) -> tuple[Path, Path]:
    script = tmp_path / "clock.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    make_character("ann", "name: Ann\n")
    make_character("bob", "name: Bob\n")
    return script, tmp_path / "bank"


@pytest.fixture
def crew_calls(monkeypatch) -> Counter[str]:
    """Every call of the rules crew's role methods, by role, however the crew was loaded."""
    calls: Counter[str] = Counter()
    lock = threading.Lock()  # screenwriter and storyboard tasks run on worker threads
    for name in CREW_METHODS:

        def counted(self, *args, _method=getattr(RulesCrew, name), _name=name, **kwargs):
            with lock:
                calls[_name] += 1
            return _method(self, *args, **kwargs)

        monkeypatch.setattr(RulesCrew, name, counted)
    return calls


def small_settings():
    return load_settings(progress=False, video={"width": WIDTH, "height": HEIGHT, "fps": FPS, "preset": "ultrafast"})


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def plan_cli(script: Path, bank: Path, outdir: Path, *flags: str):
    return runner.invoke(app, ["plan", str(script), "--characters", str(bank), "-o", str(outdir), "--quiet", *flags])


def test_the_review_node_interrupts_with_the_plan_only_when_review_is_on(inputs):
    script, bank = check_inputs(*inputs)
    crew = RulesCrew(RulesCrew.Options())
    assert "human_review" not in build_graph(crew, PlanningSettings()).compile().get_graph().nodes

    reviewing = PlanningSettings(human_review=True)
    graph = build_graph(crew, reviewing).compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "review"}}
    paused = graph.invoke(PlanningState(script=script, bank=bank), config, version="v2")
    assert graph.get_state(config).next == ("human_review",)
    [question] = paused.interrupts
    assert Plan.model_validate(question.value) == paused.value.plan  # the person sees the director's plan, as JSON
    assert question.response_schema["title"] == "Plan"  # and what a reply must look like

    edited = paused.value.plan.model_copy(update={"title": "Retitled by a person"})
    finished = graph.invoke(Command(resume=edited.model_dump(mode="json")), config, version="v2")
    assert finished.interrupts == () and finished.value.plan == edited
    with pytest.raises(ValueError, match="run_planning"):
        plan_movie(script, bank, crew, reviewing)


def test_resuming_runs_no_planning_node_again(inputs, crew_calls, tmp_path):
    script, bank = check_inputs(*inputs)
    crew = RulesCrew(RulesCrew.Options())
    settings, checkpoint = PlanningSettings(human_review=True), tmp_path / "planning.sqlite"

    paused = run_planning(script, bank, crew, settings, checkpoint=checkpoint)
    assert paused.awaiting_review and not paused.paused_earlier
    assert crew_calls["director"] == 1 and crew_calls["screenwriter"] == crew_calls["storyboard_artist"] == 2
    assert paused.plan == plan_movie(script, bank, crew, PlanningSettings())  # review changes nothing before the pause
    crew_calls.clear()

    again = run_planning(script, bank, crew, settings, checkpoint=checkpoint)
    assert again.awaiting_review and again.paused_earlier and again.plan == paused.plan

    edited = paused.plan.model_copy(deep=True)
    edited.scenes[0].shots[-1].lines[0].text = "The clock says four, and it always will."
    finished = run_planning(script, bank, crew, settings, checkpoint=checkpoint, reviewed_plan=edited)
    assert finished.plan == edited and not finished.awaiting_review
    assert sum(crew_calls.values()) == 0, crew_calls


def test_review_pauses_then_resume_makes_the_movie_with_the_edits(inputs, crew_calls, tmp_path):
    script, bank = inputs
    outdir, settings = tmp_path / "out", small_settings()

    # 1. Pause: plan.json for the person, and nothing made after it.
    paused = make_movie(script, bank, outdir, settings, review=True)
    assert paused.awaiting_review and paused.movie is None and paused.plan == outdir / "plan.json"
    assert sorted(path.name for path in outdir.iterdir()) == [".movieagent-output", "log.txt", "plan.json", "planning.sqlite"]
    planned_calls = sum(crew_calls.values())

    # 2. The person rewrites a line in one scene and deletes a shot with a line in the other.
    plan = read_plan(paused.plan)
    kitchen, garden = plan.scenes
    rewritten = next(shot for shot in kitchen.shots if shot.lines).lines[0]
    rewritten.text = "The clock says four, and it always will."
    deleted = next(shot for shot in garden.shots if shot.lines)
    garden.shots.remove(deleted)
    paused.plan.write_text(plan.model_dump_json(indent=2), encoding="utf-8")

    # 3. Running --review again keeps the edits; resuming makes the movie from them.
    assert make_movie(script, bank, outdir, settings, review=True).awaiting_review
    assert read_plan(paused.plan) == plan
    done = make_movie(script, bank, outdir, settings, resume=True)
    assert sum(crew_calls.values()) == planned_calls, "no planning node runs again"
    assert not done.awaiting_review and done.shots == len(plan.shots())
    assert read_plan(done.plan) == plan

    subtitles = " ".join(" ".join(item.plaintext.split()) for item in pysubs2.load(str(done.subtitles)))
    assert "The clock says four, and it always will." in subtitles
    assert "It stopped at four." not in subtitles
    assert deleted.lines[0].text not in subtitles
    timeline = Timeline.model_validate_json((outdir / "timeline.json").read_text(encoding="utf-8"))
    assert [timing.shot_id for timing in timeline.shots] == [shot.id for shot in plan.shots()]
    assert sorted(clip.name for clip in (outdir / "clips").glob("shot_*.mp4")) == [
        f"shot_{timing.index:04d}_{timing.shot_id}.mp4" for timing in timeline.shots
    ]
    assert count_frames(done.movie) == sum(timing.num_frames for timing in timeline.shots)


def test_resume_without_a_pending_review_is_refused(inputs, tmp_path):
    script, bank = inputs
    outdir, settings = tmp_path / "out", small_settings()

    with pytest.raises(InputError, match="no plan to resume") as fresh:
        make_movie(script, bank, outdir, settings, resume=True)
    assert fresh.value.path == outdir / "plan.json" and "--review" in fresh.value.fix

    make_movie(script, bank, outdir, settings, stop_after="plan")  # planned without review: nothing waits
    with pytest.raises(InputError, match="no plan is waiting for review") as unreviewed:
        make_movie(script, bank, outdir, settings, resume=True, stop_after="plan")
    assert "--review" in unreviewed.value.fix

    make_movie(script, bank, outdir, settings, review=True)
    make_movie(script, bank, outdir, settings, resume=True, stop_after="plan")
    with pytest.raises(InputError, match="already resumed") as twice:
        make_movie(script, bank, outdir, settings, resume=True, stop_after="plan")
    assert "--plan" in twice.value.fix

    with pytest.raises(InputError, match="nothing to review"):
        make_movie(script, bank, outdir, settings, plan_file=outdir / "plan.json", review=True)


def test_cli_pauses_and_resumes_with_clear_messages(inputs, tmp_path):
    script, bank = inputs
    outdir = tmp_path / "out"

    paused = runner.invoke(app, ["make", str(script), "-b", str(bank), "-o", str(outdir), "--review", "--quiet"])
    assert paused.exit_code == 0, paused.output
    plan_json = outdir.resolve() / "plan.json"
    assert f"Plan ready for review: edit {plan_json}, then run the same command with --resume" in paused.output
    assert not (outdir / "movie.mp4").exists()

    resumed = plan_cli(script, bank, outdir, "--resume")
    assert resumed.exit_code == 0, resumed.output
    plan = read_plan(outdir / "plan.json")
    assert f"{len(plan.scenes)} scenes, {len(plan.shots())} shots" in " ".join(resumed.output.split())

    again = plan_cli(script, bank, outdir, "--resume")
    assert again.exit_code == 2 and "already resumed" in again.output and "fix:" in again.output
    conflict = runner.invoke(
        app, ["make", str(script), "-b", str(bank), "-o", str(outdir), "--plan", str(outdir / "plan.json"), "--resume", "-q"]
    )
    assert conflict.exit_code == 2 and "Traceback" not in conflict.output


def test_a_broken_edit_names_plan_json_its_line_and_the_fix_and_changes_nothing(inputs, tmp_path):
    script, bank = inputs
    outdir = tmp_path / "out"
    assert plan_cli(script, bank, outdir, "--review").exit_code == 0
    good = (outdir / "plan.json").read_text(encoding="utf-8")

    def resume_with(text: str):
        (outdir / "plan.json").write_text(text, encoding="utf-8")
        before = {name: data for name, data in files_in(outdir).items() if name != "log.txt"}
        result = plan_cli(script, bank, outdir, "--resume")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "fix:" in result.output
        assert {name: data for name, data in files_in(outdir).items() if name != "log.txt"} == before
        return " ".join(result.output.split())

    # 1. JSON syntax: a comma missing after the title, on line 2.
    lines = good.splitlines()
    assert lines[1].startswith('  "title"') and lines[1].endswith(",")
    output = resume_with("\n".join([lines[0], lines[1].rstrip(","), *lines[2:]]))
    assert f"{outdir / 'plan.json'}:3: not valid JSON" in output

    # 2. Schema: a negative duration and a misspelt field, each named by its line and field.
    plan = json.loads(good)
    plan["scenes"][1]["shots"][0]["duration_s"] = -2
    plan["scenes"][0]["shots"][0]["sise"] = plan["scenes"][0]["shots"][0].pop("size")
    text = json.dumps(plan, indent=2)
    output = resume_with(text)
    duration_line, spelling_line = _line_with(text, '"duration_s": -2'), _line_with(text, '"sise"')
    assert f"plan.json:{duration_line}: scenes[1].shots[0].duration_s: Input should be greater than 0" in output
    assert f"plan.json:{spelling_line}: unknown key 'scenes[0].shots[0].sise'" in output

    # 3. References the renderer looks up: a speaker outside the cast.
    plan = json.loads(good)
    line = next(line for shot in plan["scenes"][0]["shots"] for line in shot["lines"])
    line["speaker_id"] = "ghost"
    text = json.dumps(plan, indent=2)
    output = resume_with(text)
    ghost_line = _line_with(text, '"ghost"')
    assert f"plan.json:{ghost_line}: scenes[0].shots[" in output and "'ghost' is not in the cast" in output
    assert "ann, bob" in output

    # 4. The pause survived every failed attempt: the fixed file resumes.
    (outdir / "plan.json").write_text(good, encoding="utf-8")
    assert plan_cli(script, bank, outdir, "--resume").exit_code == 0


def _line_with(text: str, needle: str) -> int:
    [number] = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return number


def test_read_plan_reports_every_reference_problem_at_once(inputs, tmp_path):
    script, bank = check_inputs(*inputs)
    plan = plan_movie(script, bank, RulesCrew(RulesCrew.Options()), PlanningSettings())
    shots = plan.scenes[0].shots
    shots[1].id = shots[0].id
    shots[0].scene_id = "scene-999"
    path = tmp_path / "plan.json"
    path.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    with pytest.raises(InputErrors) as problems:
        read_plan(path)
    assert [(problem.path, problem.message.split(":")[0]) for problem in problems.value.problems] == [
        (path, "scenes[0].shots[0].scene_id"),
        (path, "scenes[0].shots[1].id"),
    ]
    text = path.read_text(encoding="utf-8")
    assert problems.value.problems[0].line == _line_with(text, '"scene-999"')
