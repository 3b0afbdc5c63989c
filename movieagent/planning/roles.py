"""Role cards (agents/<role>.yaml) and prompt templates (prompts/<role>.md) for the LLM crews.

A card is who a role is: its name, its goal and its rules, the opening of every prompt that role gets.
A template is the rest: the answer's format and the question's inputs. Both are read from the installed
data folders, or from a folder the user passes to override them (planning.role_cards, the crew's prompts).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from movieagent.errors import InputError
from movieagent.resources import resource_dir
from movieagent.schema import Model
from movieagent.yaml_files import parse_yaml

ROLES = ("director", "location_manager", "screenwriter", "storyboard_artist", "director_review")


class RoleCard(Model):
    role: str = Field(description="Who the model plays: 'You are the {role}.'")
    goal: str = Field(description="What the role is for, right after its name")
    rules: list[str] = Field(default=[], description="How the role works, one rule a line; {placeholders} of its template may be used")


def load_role_card(name: str, folder: Path | None = None) -> RoleCard:
    """`name` is a role such as 'director'; `folder` replaces the installed agents/ folder."""
    path = _role_file(name, folder or resource_dir("agents"), ".yaml")
    data, _ = parse_yaml(path.read_text(encoding="utf-8"), path, what="role card is not valid YAML")
    try:
        return RoleCard.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(
            f"role card field '{'.'.join(map(str, first['loc']))}': {first['msg']}",
            path=path,
            fix="a role card has role, goal and optional rules (see agents/director.yaml)",
        ) from None


def load_prompt(name: str, folder: Path | None = None) -> str:
    """The prompt template for a role: a '# System' and a '# User' section with {placeholders}."""
    return _role_file(name, folder or resource_dir("prompts"), ".md").read_text(encoding="utf-8")


def _role_file(name: str, folder: Path, suffix: str) -> Path:
    path = Path(folder) / f"{name}{suffix}"
    if not path.is_file():
        raise InputError(
            f"no {suffix} file for role '{name}'", path=path, fix=f"add {path.name} or use one of: {', '.join(ROLES)}"
        )
    return path
