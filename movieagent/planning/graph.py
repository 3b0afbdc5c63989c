"""The planning graph: script + character bank -> Plan, through a film crew.

    director -> location_manager + screenwriter (one task per scene, all at once) -> continuity
      -> storyboard_artist (one task per scene) -> assemble_plan -> director_review
      -> back to the screenwriter for the scenes with notes, or the end

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

from movieagent.config import PlanningSettings
from movieagent.errors import InputError
from movieagent.planning.assembly import assemble_plan
from movieagent.planning.continuity import continuity
from movieagent.planning.crew import Crew
from movieagent.planning.director import after_director, after_review, director_node, review_node
from movieagent.planning.location_manager import location_manager_node
from movieagent.planning.roles import ROLES, load_role_card
from movieagent.planning.screenwriter import screenwriter_node
from movieagent.planning.state import PlanningState, checkpoint_types
from movieagent.planning.storyboard_artist import drawing_tasks, storyboard_node
from movieagent.schema import CharacterBank, Plan, Script

log = logging.getLogger(__name__)

# Supersteps: 6 for the first pass, 5 (screenwriter .. review) for each further review round; one round spare.
_FIRST_PASS_STEPS, _STEPS_PER_ROUND = 6, 5


def build_graph(crew: Crew, settings: PlanningSettings, *, roles: Path | None = None) -> StateGraph:
    """The uncompiled graph. `roles` replaces the installed agents/ folder of role cards."""
    cards = {role: load_role_card(role, roles) for role in ROLES}

    graph = StateGraph(PlanningState)
    graph.add_node("director", director_node(crew, cards["director"]))
    graph.add_node("location_manager", location_manager_node(crew, cards["location_manager"]))
    graph.add_node("screenwriter", screenwriter_node(crew))
    graph.add_node("continuity", continuity)
    graph.add_node("storyboard_artist", storyboard_node(crew, settings))
    graph.add_node("assemble_plan", assemble_plan)
    graph.add_node("director_review", review_node(crew, cards["director"], settings))

    graph.add_edge(START, "director")
    graph.add_conditional_edges("director", after_director(cards["screenwriter"]), ["location_manager", "screenwriter"])
    graph.add_edge("location_manager", "continuity")
    graph.add_edge("screenwriter", "continuity")
    graph.add_conditional_edges("continuity", drawing_tasks(cards["storyboard_artist"]), ["storyboard_artist"])
    graph.add_edge("storyboard_artist", "assemble_plan")
    graph.add_edge("assemble_plan", "director_review")
    graph.add_conditional_edges("director_review", after_review(cards["screenwriter"]), ["screenwriter", END])
    return graph


def plan_movie(
    script: Script,
    bank: CharacterBank,
    crew: Crew,
    settings: PlanningSettings,
    *,
    checkpoint: Path | None = None,
    thread_id: str = "plan",
) -> Plan:
    """Plans the movie, checkpointing every step in the SQLite file `checkpoint` (in memory when None).

    The checkpoint thread is `thread_id` plus a hash of the script, the bank, the planning settings
    and the crew (its class and options). Running again with the same inputs after an error resumes
    that thread and skips the work already done; once finished, it returns the stored plan. Changed
    inputs hash to a new thread, so planning starts fresh.
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
        "recursion_limit": _FIRST_PASS_STEPS + _STEPS_PER_ROUND * settings.max_review_rounds,
    }
    with _checkpointer(checkpoint) as saver:
        app = build_graph(crew, settings).compile(checkpointer=saver)

        # 3. Run, resume, or reuse the finished thread.
        snapshot = app.get_state(config)
        if snapshot.next:
            log.info("planning: resuming thread %s at %s", config["configurable"]["thread_id"], ", ".join(snapshot.next))
            values = app.invoke(None, config, durability="sync")
        elif snapshot.values.get("plan") is None:
            values = app.invoke(PlanningState(script=script, bank=bank), config, durability="sync")
        else:
            values = snapshot.values

    # 4. Post-process: the plan as validated data.
    return Plan.model_validate(values["plan"])


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
