"""An LLM judge of a planned film against its script, on a stated 1-5 rubric, with the judge's reasons.

The judge is a language model named the way a planning crew names one (a profile's `planning.crew` of kind
`openai` or `transformers`, with the same options), and asked through the same chat (movieagent.llm.options:
client, deadlines, caps, retries, repairs, cache and transcript), so the key stays out of every file and log
line as it does there. No crew is built: only the chat. The prompt is prompts/judge.md: the script as
written, and the plan one line per shot (movieagent.planning.crews.prompts.planned_scene_text).

The rubric (the same words are in prompts/judge.md), each criterion scored 1 to 5:

- narrative_coherence: can a viewer follow the story from the shots alone?
  5 every scene and shot follows from the one before, cause and effect clear, no contradictions;
  4 one or two small jumps; 3 several gaps, jumps or contradictions; 2 many shots disconnected or
  contradictory; 1 no story can be followed.
- script_faithfulness: does the plan tell the script's story?
  5 every scene in order, every line verbatim by its speaker, key actions and settings as written, nothing
  invented that changes the story; 4 small omissions or additions that change no meaning; 3 a scene,
  several lines or a key action missing or changed, or an invention that changes a beat; 2 the story only
  partly told; 1 another story, or almost none of the script.
- character_consistency: does each character stay the same person?
  5 words and actions fit each description and earlier behaviour, everyone is in the shots where they
  speak or act; 4 one small slip; 3 several slips, or one character clearly breaking; 2 characters often
  out of character or confused with each other; 1 not recognisable from scene to scene.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field, ValidationError

from movieagent.backends import backend_class
from movieagent.config import BackendChoice
from movieagent.errors import InputError
from movieagent.llm.options import build_chat
from movieagent.llm.structured import Question
from movieagent.planning.crews.prompts import planned_scene_text, render_prompt
from movieagent.planning.roles import load_prompt
from movieagent.schema import Plan

CRITERIA = ("narrative_coherence", "script_faithfulness", "character_consistency")
JUDGE_KINDS = ("openai", "transformers")


class JudgeScore(BaseModel):
    criterion: str = Field(description=f"One of: {', '.join(CRITERIA)}")
    # Reasons come before the score in the schema, so a model writes its reasons before deciding.
    reasons: str = Field(
        min_length=1, description="Two to four sentences naming the scenes, shots or lines that decided the score"
    )
    score: int = Field(ge=1, le=5, description="1 to 5 on the rubric")


class JudgeAnswer(BaseModel):
    """What the model answers: one score per criterion."""

    scores: list[JudgeScore] = Field(min_length=1)


class JudgeResult(BaseModel):
    scores: list[JudgeScore] = Field(description="One per criterion, in the rubric's order")
    model: str


def judge_movie(script_text: str, plan: Plan, llm: BackendChoice) -> JudgeResult:
    """The judge's scores and reasons for `plan` against `script_text`, on the rubric in this module's docstring.

    `llm` is a crew backend choice of kind 'openai' or 'transformers' with that backend's options (model,
    base_url, cache_dir, transcript...). Raises InputError for another kind or bad options, LLMError when
    no valid answer comes within the backend's repair tries.
    """
    # 1. Check inputs (the crew's own Options validate them: the same profile plans and judges); build only the chat.
    if llm.kind not in JUDGE_KINDS:
        raise InputError(
            f"the judge cannot be the '{llm.kind}' crew", fix=f"use a language model: kind {' or '.join(JUDGE_KINDS)}"
        )
    try:
        options = backend_class("crew", llm.kind).Options.model_validate(llm.options())
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(f"judge option '{'.'.join(map(str, first['loc']))}': {first['msg']}", fix="check the profile's planning.crew") from None
    chat = build_chat(options)
    model: str = options.model

    # 2. Ask, with the plan in a line per shot.
    values = {
        "output_schema": json.dumps(JudgeAnswer.model_json_schema(), ensure_ascii=False),
        "title": plan.title,
        "logline": plan.logline or "(none)",
        "style": plan.style or "(none)",
        "cast": "\n".join(f"- {member.id}: {member.name} - {member.description or '(no description)'}" for member in plan.cast)
        or "(nobody)",
        "script": script_text.strip() or "(empty)",
        "plan": "\n\n".join(planned_scene_text(scene) for scene in plan.scenes),
    }
    template = load_prompt("judge", options.prompts)
    messages = render_prompt(template, values, role="judge")
    try:
        answer = chat.ask(
            Question(agent="judge", scene=None, model=model, messages=messages, answer=JudgeAnswer, check=_criteria_problem)
        )
    finally:
        chat.client.close()

    # 3. In the rubric's order.
    by_criterion = {score.criterion: score for score in answer.scores}
    return JudgeResult(scores=[by_criterion[criterion] for criterion in CRITERIA], model=model)


def _criteria_problem(answer: JudgeAnswer) -> str | None:
    given = [score.criterion for score in answer.scores]
    if sorted(given) != sorted(CRITERIA):
        return f"give exactly one score for each criterion: {', '.join(CRITERIA)} (you gave: {', '.join(given) or 'none'})"
    return None
