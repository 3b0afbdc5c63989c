"""Planning: script + character bank -> Plan, through a LangGraph of film-crew roles.

from movieagent.planning import plan_movie
plan = plan_movie(script, bank, crew, settings.planning, checkpoint=Path("out/planning.sqlite"))
"""

from movieagent.planning.crew import Crew
from movieagent.planning.graph import build_graph, plan_movie
from movieagent.planning.roles import RoleCard, load_prompt, load_role_card

__all__ = ["Crew", "RoleCard", "build_graph", "load_prompt", "load_role_card", "plan_movie"]
