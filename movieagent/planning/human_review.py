"""A person's review of the plan: the graph pauses after the director approves, a person edits
plan.json, and the graph resumes with the edited plan.

The pause is a LangGraph interrupt in a checkpointed thread. The person's file is read with
movieagent.ingest.plan_file.read_plan first, so a mistake is reported with its line and its fix instead of
failing somewhere in rendering.
"""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from movieagent.planning.state import PlanningState
from movieagent.schema import Plan


def human_review(state: PlanningState) -> dict[str, Any]:
    """Shows the approved plan to a person and carries on with the plan they send back."""
    # Nothing may happen before the interrupt: on resume LangGraph runs this node again from the top.
    reviewed = interrupt(state.plan.model_dump(mode="json"), response_schema=Plan)
    return {"plan": reviewed}
