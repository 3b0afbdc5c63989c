"""Planning: script + character bank -> Plan, through a LangGraph of film-crew roles.

from movieagent.planning import plan_movie
plan = plan_movie(script, bank, crew, settings.planning, checkpoint=Path("out/planning.sqlite"))

With a person's review (settings.planning.human_review on), run_planning pauses with the plan and
resumes with the person's edit: run_planning(..., reviewed_plan=read_plan(Path("out/plan.json"))), where
read_plan comes from movieagent.ingest.plan_file.
"""

from movieagent.planning.crew import Crew
from movieagent.planning.graph import PlanningOutcome, build_graph, plan_movie, run_planning
from movieagent.planning.roles import RoleCard, load_prompt, load_role_card

__all__ = [
    "Crew",
    "PlanningOutcome",
    "RoleCard",
    "build_graph",
    "load_prompt",
    "load_role_card",
    "plan_movie",
    "run_planning",
]
