"""Role cards (agents/<role>.yaml) and prompt templates (prompts/<role>.md) for the LLM crews.

A card is who a role is: its name, its goal and its rules, the opening of every prompt that role gets.
A template is the rest: the answer's format and the question's inputs. Both are read from the installed
data folders, or from a folder the user passes to override them (planning.role_cards, the crew's prompts).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from movieagent.errors import InputError
from movieagent.files import load_model
from movieagent.resources import resource_dir
from movieagent.schema import Model

ROLES = ("director", "location_manager", "screenwriter", "storyboard_artist", "director_review")


class RoleCard(Model):
    role: str = Field(description="Who the model plays: 'You are the {role}.'")
    goal: str = Field(description="What the role is for, right after its name")
    rules: list[str] = Field(default=[], description="How the role works, one rule a line; {placeholders} of its template may be used")


def load_role_card(name: str, folder: Path | None = None) -> RoleCard:
    """`name` is a role such as 'director'; `folder` replaces the installed agents/ folder."""
    path = _role_file(name, folder or resource_dir("agents"), ".yaml")
    return load_model(path, RoleCard, what="role card", missing_fix=f"add {path.name}", hint="see agents/director.yaml")


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
