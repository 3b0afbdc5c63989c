"""The planning graph: script + character bank -> Plan, through a film crew.

    director -> location_manager + screenwriter (one task per scene, all at once) -> continuity
      -> storyboard_artist (one task per scene) -> assemble_plan -> director_review
      -> back to the screenwriter for the scenes with notes, or the end
      (with `human_review` on: -> human_review, a pause until a person sends the plan back -> the end)

The screenwriters need the treatment, not the locations, so they work beside the location manager.
`continuity` joins them all (so the storyboard artists are sent out once) and works out what each
scene inherits from the one before it. At most `max_parallel_tasks` tasks of a step run at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from movieagent.config import PlanningSettings
from movieagent.errors import InputError
from movieagent.planning.assembly import assemble_plan
from movieagent.planning.continuity import continuity
from movieagent.planning.crew import Crew
from movieagent.planning.director import after_director, after_review, director_node, review_node
from movieagent.planning.fallback import Answering, fallback_crew, in_order
from movieagent.planning.human_review import human_review
from movieagent.planning.location_manager import location_manager_node
from movieagent.planning.screenwriter import screenwriter_node
from movieagent.planning.state import PlanningState, checkpoint_types
from movieagent.planning.storyboard_artist import drawing_tasks, storyboard_node
from movieagent.schema import CharacterBank, Model, Plan, PlanningAnswer, Script

log = logging.getLogger(__name__)

# Supersteps: 6 for the first pass, 5 (screenwriter .. review) for each further review round; one round spare.
_FIRST_PASS_STEPS, _STEPS_PER_ROUND = 6, 5


def build_graph(crew: Crew, settings: PlanningSettings) -> StateGraph:
    """The uncompiled graph. With an LLM crew and `settings.fallback` 'rules', the rules crew answers what its model cannot."""
    answer = Answering(crew, fallback_crew(crew, settings))

    graph = StateGraph(PlanningState)
    graph.add_node("director", director_node(answer))
    graph.add_node("location_manager", location_manager_node(answer))
    graph.add_node("screenwriter", screenwriter_node(answer))
    graph.add_node("continuity", continuity)
    graph.add_node("storyboard_artist", storyboard_node(answer, settings))
    graph.add_node("assemble_plan", assemble_plan)
    graph.add_node("director_review", review_node(answer, settings))

    graph.add_edge(START, "director")
    graph.add_conditional_edges("director", after_director, ["location_manager", "screenwriter"])
    graph.add_edge("location_manager", "continuity")
    graph.add_edge("screenwriter", "continuity")
    graph.add_conditional_edges("continuity", drawing_tasks, ["storyboard_artist"])
    graph.add_edge("storyboard_artist", "assemble_plan")
    graph.add_edge("assemble_plan", "director_review")
    # The director's END means approved (or out of rounds); with a person reviewing, the plan goes to them first.
    approved = "human_review" if settings.human_review else END
    graph.add_conditional_edges("director_review", after_review, {"screenwriter": "screenwriter", END: approved})
    if settings.human_review:
        graph.add_node("human_review", human_review)
        graph.add_edge("human_review", END)
    return graph


class PlanningOutcome(Model):
    """How a planning run ended: with the approved plan, or paused with the plan a person is asked to review."""

    plan: Plan
    awaiting_review: bool = False
    # The pause is from an earlier run, so the plan.json written then may already hold the person's edits.
    paused_earlier: bool = False


def plan_movie(
    script: Script,
    bank: CharacterBank,
    crew: Crew,
    settings: PlanningSettings,
    *,
    checkpoint: Path | None = None,
    thread_id: str = "plan",
) -> Plan:
    """Plans the movie without a person's review (see `run_planning` for that and for the checkpoints)."""
    if settings.human_review:
        raise ValueError("plan_movie() cannot pause for a review: call run_planning() with settings.human_review on")
    return run_planning(script, bank, crew, settings, checkpoint=checkpoint, thread_id=thread_id).plan


def run_planning(
    script: Script,
    bank: CharacterBank,
    crew: Crew,
    settings: PlanningSettings,
    *,
    checkpoint: Path | None = None,
    thread_id: str = "plan",
    reviewed_plan: Plan | None = None,
) -> PlanningOutcome:
    """Plans the movie, checkpointing every step in the SQLite file `checkpoint` (in memory when None).

    The checkpoint thread is `thread_id` plus a hash of the script, the bank, the planning settings
    and the crew (its class and options). Running again with the same inputs after an error resumes
    that thread and skips the work already done; once finished, it returns the stored plan. Changed
    inputs hash to a new thread, so planning starts fresh.

    With `settings.human_review` on, the run pauses after the director's approval and returns the plan
    `awaiting_review`; calling again with the same inputs and `reviewed_plan` (the person's version)
    resumes that thread, runs no planning node again, and ends with the person's plan.
    """
    # 1. Check inputs.
    if not script.scenes:
        raise InputError(
            "the script has no scenes", path=script.source, fix="add at least one scene heading or synopsis paragraph"
        )

    # 2. Prepare the graph and the thread.
    config = {
        "configurable": {"thread_id": f"{thread_id}-{planning_key(script, bank, crew, settings)}"},
        # LangGraph runs a step's tasks on a thread pool of this size (Python's default is cores + 4).
        "max_concurrency": settings.max_parallel_tasks,
        "recursion_limit": _FIRST_PASS_STEPS + _STEPS_PER_ROUND * settings.max_review_rounds + int(settings.human_review),
    }
    with _checkpointer(checkpoint) as saver:
        app = build_graph(crew, settings).compile(checkpointer=saver)

        def run(graph_input: PlanningState | Command | None) -> tuple[Plan, bool]:
            output = app.invoke(graph_input, config, durability="sync", version="v2")
            return _with_answers(output.value.plan, output.value.answers), bool(output.interrupts)

        # 3. Resume a review, run, resume after an error, or reuse the finished (or paused) thread.
        snapshot = app.get_state(config)
        paused_earlier = bool(snapshot.interrupts)
        if reviewed_plan is not None:
            if not paused_earlier:
                raise _nothing_to_resume(snapshot.values.get("plan") is not None, checkpoint)
            plan, awaiting_review = run(Command(resume=reviewed_plan.model_dump(mode="json")))
        elif paused_earlier:
            log.info("planning: the plan is still waiting for review")
            plan, awaiting_review = _with_answers(snapshot.values["plan"], snapshot.values.get("answers", {})), True
        elif snapshot.next:
            log.info("planning: resuming thread %s at %s", config["configurable"]["thread_id"], ", ".join(snapshot.next))
            plan, awaiting_review = run(None)
        elif snapshot.values.get("plan") is None:
            plan, awaiting_review = run(PlanningState(script=script, bank=bank))
        else:
            plan, awaiting_review = _with_answers(snapshot.values["plan"], snapshot.values.get("answers", {})), False

    # 4. Post-process: the plan as validated data.
    return PlanningOutcome(
        plan=Plan.model_validate(plan),
        awaiting_review=awaiting_review,
        paused_earlier=paused_earlier and reviewed_plan is None,
    )


def _with_answers(plan: Plan, answers: dict[str, PlanningAnswer]) -> Plan:
    """The plan with the record of who answered each question (the review's too, which comes after assembly)."""
    if not answers:
        return plan
    return Plan.model_validate(plan).model_copy(update={"answers": [PlanningAnswer.model_validate(one) for one in in_order(answers)]})


def _nothing_to_resume(reviewed_before: bool, checkpoint: Path | None) -> InputError:
    if reviewed_before:
        return InputError(
            "this plan's review was already resumed; nothing is waiting for review",
            path=checkpoint,
            fix="to render plan.json as you have edited it since, pass it with --plan instead of --resume",
        )
    return InputError(
        "no plan is waiting for review for this script, character bank and settings",
        path=checkpoint,
        fix="plan with review on first (--review), with the same script, characters and settings",
    )


def planning_key(script: Script, bank: CharacterBank, crew: Crew, settings: PlanningSettings) -> str:
    """A short hash of everything the plan depends on."""
    options = getattr(crew, "options", None)
    parts = [
        script.model_dump_json(),
        bank.model_dump_json(),
        settings.model_dump_json(),
        f"{type(crew).__module__}.{type(crew).__qualname__}",
        options.model_dump_json() if hasattr(options, "model_dump_json") else repr(options),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@contextlib.contextmanager
def _checkpointer(path: Path | None) -> Iterator[BaseCheckpointSaver]:
    serializer = JsonPlusSerializer(allowed_msgpack_modules=checkpoint_types())
    if path is None:
        yield InMemorySaver(serde=serializer)
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # The crew's parallel tasks report from worker threads; the saver serialises access itself.
    with contextlib.closing(sqlite3.connect(str(path), check_same_thread=False)) as connection:
        # The saver commits once per finished task; WAL + NORMAL skips the fsync per commit and still
        # survives a crashed process, which is what resuming is for.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        yield SqliteSaver(connection, serde=serializer)
