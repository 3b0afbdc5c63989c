"""`movieagent bank init --llm`: the crew's language model describes each drafted character and place.

The draft (movieagent.ingest.bank_init) takes descriptions from the script's introductions, which are often
only an age. Here the crew's model reads where the script shows each one and writes a visual description
for every prompt. It goes through the crew backend's client, so it shares its retries, deadlines, cache and
transcript, and the key stays out of every file, as in planning. The prompt is prompts/bank_descriptions.md.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, Field

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import InputError
from movieagent.ingest.bank_init import BankDraft
from movieagent.llm.structured import Question
from movieagent.planning.crews.llm import render_prompt
from movieagent.planning.roles import load_prompt
from movieagent.schema import Script, ScriptAction

LLM_KINDS = ("openai", "transformers")
# What the model reads about each: the first passages that name them, each cut short (a feature film has
# dozens of characters and a hundred places; the prompt stays a few thousand words).
PASSAGES_PER_ENTRY, PASSAGE_CHARS = 2, 300


class Description(BaseModel):
    folder: str
    description: str = Field(min_length=1, max_length=400)


class BankDescriptions(BaseModel):
    """What the model answers: one description per character folder and per place folder."""

    characters: list[Description]
    locations: list[Description]


def describe_bank(script: Script, draft: BankDraft, crew: BackendChoice) -> BankDraft:
    """The draft with every description written by the crew's language model.

    Raises InputError when the crew is not a language model, LLMError when no valid answer comes in time.
    """
    # 1. Check inputs; build the crew backend (its client, retries, cache, transcript).
    if crew.kind not in LLM_KINDS:
        raise InputError(
            f"the '{crew.kind}' crew has no language model to describe the bank with",
            fix=f"choose one: --llm {' or --llm '.join(LLM_KINDS)}, or a profile such as -c llm-openai",
        )
    backend = load_backend("crew", crew)

    # 2. Ask once for the whole bank, each entry with the passages that show it.
    actions = [element for scene in script.scenes for element in scene.elements if isinstance(element, ScriptAction)]
    values = {
        "output_schema": json.dumps(BankDescriptions.model_json_schema(), ensure_ascii=False),
        "title": script.title,
        "language": script.language,
        "characters": "\n".join(
            f"- {entry.folder}: {entry.name}; {entry.description or '(none)'}; {_passages([entry.name, *entry.aliases], actions)}"
            for entry in draft.characters
        ) or "(none)",
        "locations": "\n".join(
            f"- {entry.folder}: {entry.name}; {_scene_passages([entry.name, *entry.aliases], script)}" for entry in draft.locations
        ) or "(none)",
    }
    expected = {"characters": [entry.folder for entry in draft.characters], "locations": [entry.folder for entry in draft.locations]}

    def check(answer: BankDescriptions) -> str | None:
        for kind, folders in expected.items():
            given = [description.folder for description in getattr(answer, kind)]
            if sorted(given) != sorted(folders):
                return f"give exactly one description for each of the {kind} folders: {', '.join(folders)} (you gave: {', '.join(given) or 'none'})"
        return None

    messages = render_prompt(load_prompt("bank_descriptions", backend.options.prompts), values, role="bank_descriptions")
    answer = backend.chat.ask(
        Question(agent="bank_descriptions", scene=None, model=backend.options.model, messages=messages, answer=BankDescriptions, check=check)
    )

    # 3. Post-process: the descriptions into the draft, by folder.
    written = {description.folder: " ".join(description.description.split()) for description in [*answer.characters, *answer.locations]}
    return draft.model_copy(
        update={
            "characters": [entry.model_copy(update={"description": written[entry.folder]}) for entry in draft.characters],
            "locations": [entry.model_copy(update={"description": written[entry.folder]}) for entry in draft.locations],
        }
    )


def _passages(names: list[str], actions: list[ScriptAction]) -> str:
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(name)}(?!\w)" for name in names if name.strip()), re.IGNORECASE)
    found = [action.text for action in actions if pattern.search(action.text)][:PASSAGES_PER_ENTRY]
    return " / ".join(" ".join(text.split())[:PASSAGE_CHARS] for text in found) or "(not in the action)"


def _scene_passages(names: list[str], script: Script) -> str:
    wanted = {name.casefold() for name in names}
    scenes = [scene for scene in script.scenes if scene.location.casefold() in wanted or scene.heading.casefold() in wanted]
    actions = [element for scene in scenes for element in scene.elements if isinstance(element, ScriptAction)]
    return " / ".join(" ".join(action.text.split())[:PASSAGE_CHARS] for action in actions[:PASSAGES_PER_ENTRY]) or "(no action there)"
