"""The film crew played by a language model: prompts, answer checks, repairs and post-processing for every role.

Each role renders its prompt template (prompts/<role>.md) with its typed input, asks for JSON that
matches its output model, and checks the answer beyond the schema (verbatim dialogue, known ids, the
bank's locations) so a bad answer is repaired before the graph sees it. A script is untrusted text and
so is every answer: nothing a model returns is executed or used as a path, it is validated data.

The crew does not care who answers: StructuredChat wraps any chat client (the OpenAI-compatible
ChatClient, the local LocalChatClient), and the crew backends only choose and configure one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from movieagent.config import PlanningSettings
from movieagent.errors import InputError
from movieagent.llm.client import Message
from movieagent.llm.structured import Answer, Question, StructuredChat
from movieagent.planning.crew import (
    ActionBeat,
    Beat,
    Cast,
    DialogueBeat,
    LocationBreakdown,
    ReviewNotes,
    SceneBeats,
    ScreenwriterTask,
    StoryboardTask,
    TransitionBeat,
    Treatment,
    scene_id,
    shot_seed,
)
from movieagent.planning.review import dialogue_problem, speaking_seconds, spoken_dialogue
from movieagent.planning.roles import load_prompt
from movieagent.schema import (
    Character,
    CharacterBank,
    Line,
    Location,
    LocationSheet,
    Model,
    Plan,
    Scene,
    Script,
    ScriptAction,
    ScriptDialogue,
    ScriptScene,
    Shot,
)

Role = Literal["director", "location_manager", "screenwriter", "storyboard_artist", "director_review"]
PROMPTS: tuple[Role, ...] = ("director", "location_manager", "screenwriter", "storyboard_artist", "director_review")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SECTION = re.compile(r"^# (System|User)[ \t]*$", re.MULTILINE)
# Keys whose values are files on this machine: only their names are sent to the server.
_LOCAL_PATH_KEYS = {"root", "source", "folder", "images", "reference_image"}


class LLMCrewOptions(BaseModel):
    """The options every LLM crew has; each backend's Options adds its own (model, server, batching)."""

    model_config = ConfigDict(extra="forbid")

    run_budget_s: float | None = Field(default=3600.0, gt=0, description="The whole planning run: every question together; None: no limit")
    repair_tries: int = Field(default=2, ge=0, description="Repair prompts after an invalid answer")
    prompts: Path | None = Field(default=None, description="Folder replacing the installed prompts/")
    cache_dir: Path | None = Field(default=None, description="Response cache; set by the pipeline to OUTDIR/cache/llm")
    transcript: Path | None = Field(default=None, description="Call log; set by the pipeline to OUTDIR/transcript.jsonl")


class Storyboard(Model):
    """The storyboard artist's answer. Structured output wants an object at the top, not a list."""

    shots: list[Shot] = Field(min_length=1)


class LLMCrew:
    """Implements movieagent.planning.crew.Crew by asking a language model, through `chat`, for every role.

    `model` answers every role unless `models` names another for it (director_review falls back to the
    director's); `prompts` is a folder replacing the installed prompts/. `chat` is public so that other
    questions about the film (movieagent.eval.judge) share the crew's client, retries, cache and transcript.
    """

    def __init__(
        self, chat: StructuredChat, *, model: str, models: Mapping[Role, str] | None = None, prompts: Path | None = None
    ) -> None:
        self.chat = chat
        self._model = model
        self._models = dict(models or {})
        self._templates = {role: load_prompt(role, prompts) for role in PROMPTS}

    # ----------------------------------------------------------------------------------------- roles

    def director(self, script: Script, cast: Cast) -> Treatment:
        values = {
            "title": script.title,
            "cast": _cast_text(cast),
            "script": "\n\n".join(_scene_text(scene) for scene in script.scenes),
        }
        expected = [scene_id(scene.index) for scene in script.scenes]

        def check(treatment: Treatment) -> str | None:
            given = [brief.scene_id for brief in treatment.scenes]
            if given != expected:
                return f"give exactly one scene brief per scene, in this order: {_id_list(expected)} (you gave {_id_list(given)})"
            return None

        return self._ask("director", None, values, {"script": script, "cast": cast}, Treatment, check)

    def location_manager(self, script: Script, bank: CharacterBank, treatment: Treatment) -> LocationBreakdown:
        values = {
            "style": treatment.style,
            "bank_locations": "\n".join(_place_line(place) for place in bank.locations) or "(none)",
            "scenes": "\n".join(
                f"- {scene_id(scene.index)}: {scene.heading or scene.location or '(no heading)'}" for scene in script.scenes
            ),
        }
        known = {scene_id(scene.index): bank.find_location(scene.location) for scene in script.scenes if scene.location.strip()}

        def check(breakdown: LocationBreakdown) -> str | None:
            sheets = {sheet.id for sheet in breakdown.sheets}
            settings = {setting.scene_id: setting for setting in breakdown.scenes}
            for scene in script.scenes:
                current = scene_id(scene.index)
                setting = settings.get(current)
                if setting is None:
                    return f"{current} has no setting: give every scene its scene id, location id and time of day"
                if setting.location_id not in sheets:
                    return f"{current} is set in '{setting.location_id}', which has no location sheet"
                place = known.get(current)
                if place and setting.location_id != place.id:
                    return f"{current} happens in the bank's location '{place.id}': use that id and its sheet"
            return None

        inputs = {"script": script, "bank": bank.model_copy(update={"characters": []}), "treatment": treatment}
        breakdown = self._ask("location_manager", None, values, inputs, LocationBreakdown, check)
        return breakdown.model_copy(update={"sheets": [_with_bank_facts(sheet, bank) for sheet in breakdown.sheets]})

    def screenwriter(self, task: ScreenwriterTask) -> SceneBeats:
        scene = task.scene
        values = {
            "scene_id": task.brief.scene_id,
            "heading": scene.heading or scene.location,
            "goal": task.brief.goal,
            "beat": task.brief.beat,
            "cast": _cast_text(task.cast),
            "scene": _scene_body(scene),
            "notes": _bullets(task.notes),
        }
        members = {member.id for member in task.cast.members}
        expected = [(task.cast.cues.get(line.cue), line.text) for line in spoken_dialogue(scene)]

        def check(beats: SceneBeats) -> str | None:
            for number, beat in enumerate(beats.beats, start=1):
                if problem := _outsider_problem(f"beat {number}", _named_in(beat), members):
                    return problem
            if expected:
                spoken = [
                    Line(id="line", speaker_id=beat.speaker_id, text=beat.text)
                    for beat in beats.beats
                    if isinstance(beat, DialogueBeat)
                ]
                return dialogue_problem(expected, spoken)
            return None

        beats = self._ask("screenwriter", task.brief.scene_id, values, {"task": task}, SceneBeats, check)
        return beats.model_copy(update={"scene_id": task.brief.scene_id})

    def storyboard_artist(self, task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]:
        current = task.brief.scene_id
        values = {
            "words_per_minute": str(pacing.words_per_minute),
            "min_shot_s": f"{pacing.min_shot_s:g}",
            "max_shot_s": f"{pacing.max_shot_s:g}",
            "establishing_shot_s": f"{pacing.establishing_shot_s:g}",
            "scene_id": current,
            "enters_with": task.enters_with.value,
            "exits_with": task.exits_with.value,
            "goal": task.brief.goal,
            "beat": task.brief.beat,
            "location_id": task.location.id,
            "time_of_day": task.time_of_day or "time unknown",
            "location": task.location.description,
            "previous_location_id": task.previous_location_id or "(none: this is the first scene)",
            "style": task.style,
            "cast": "\n".join(_member_line(member) for member in task.cast) or "(nobody)",
            "beats": _beats_text(task.beats),
            "notes": _bullets(task.notes),
        }
        lines = [beat for beat in task.beats.beats if isinstance(beat, DialogueBeat)]
        allowed = {member.id for member in task.cast} | {line.speaker_id for line in lines}

        def check(storyboard: Storyboard) -> str | None:
            for number, shot in enumerate(storyboard.shots, start=1):
                named = {placed.character_id for placed in shot.characters} | {line.speaker_id for line in shot.lines}
                if problem := _outsider_problem(f"shot {number}", named, allowed):
                    return problem
            spoken = [line for shot in storyboard.shots for line in shot.lines]
            return dialogue_problem([(line.speaker_id, line.text) for line in lines], spoken)

        storyboard = self._ask("storyboard_artist", current, values, {"task": task, "pacing": pacing}, Storyboard, check)
        return [_numbered(shot, current, number, pacing) for number, shot in enumerate(storyboard.shots, start=1)]

    def director_review(
        self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings, checks: dict[str, list[str]]
    ) -> ReviewNotes:
        # The review node adds the automatic checks; the model reads them and adds its own notes.
        scene_ids = [scene_id(scene.index) for scene in script.scenes]
        values = {
            "treatment": f"Logline: {plan.logline}\nStyle: {plan.style}",
            "checks": "\n".join(f"- {key}: {note}" for key, notes in checks.items() for note in notes) or "(none)",
            "plan": "\n\n".join(planned_scene_text(scene) for scene in plan.scenes),
        }

        def check(review: ReviewNotes) -> str | None:
            unknown = sorted(set(review.notes) - set(scene_ids))
            if unknown:
                return f"notes are keyed by scene id; there is no scene '{unknown[0]}' (scenes: {_id_list(scene_ids)})"
            if not review.approved and not any(review.notes.values()):
                return "a plan that is not approved needs notes for at least one scene"
            return None

        inputs = {"script": script, "cast": cast, "plan": plan, "pacing": pacing}
        return self._ask("director_review", None, values, inputs, ReviewNotes, check)

    # ----------------------------------------------------------------------------------------- asking

    def _ask(
        self,
        role: Role,
        scene: str | None,
        values: dict[str, str],
        inputs: dict[str, BaseModel],
        answer: type[Answer],
        check: Callable[[Answer], str | None],
    ) -> Answer:
        values = {**values, "output_schema": json.dumps(answer.model_json_schema(), ensure_ascii=False)}
        messages = render_prompt(self._templates[role], values, role=role)
        # The typed input as JSON too: exact ids and text, where the prose above is for reading.
        data = json.dumps(
            {name: _without_local_paths(model.model_dump(mode="json")) for name, model in inputs.items()}, ensure_ascii=False
        )
        messages[-1]["content"] += f"\n\nThe same input as JSON (exact ids and text):\n```json\n{data}\n```"
        return self.chat.ask(
            Question(agent=role, scene=scene, model=self._model_for(role), messages=messages, answer=answer, check=check)
        )

    def _model_for(self, role: Role) -> str:
        models = self._models
        return models.get(role) or (models.get("director") if role == "director_review" else None) or self._model


def render_prompt(template: str, values: dict[str, str], *, role: str) -> list[Message]:
    """A prompt template's '# System' and '# User' sections with their {placeholders} filled in.

    HTML comments are notes for whoever edits the template and are not sent.
    """
    text = re.sub(r"<!--.*?-->", "", template, flags=re.DOTALL)
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    if set(sections) != {"System", "User"}:
        raise InputError(
            f"the prompt template for '{role}' needs a '# System' and a '# User' section", fix="see the installed prompts/ folder"
        )

    def fill(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise InputError(
                f"the prompt template for '{role}' uses an unknown placeholder {match[0]}",
                fix=f"use only: {', '.join('{' + name + '}' for name in sorted(values))}",
            )
        return values[match[1]]

    return [
        {"role": "system", "content": _PLACEHOLDER.sub(fill, sections["System"]).strip()},
        {"role": "user", "content": _PLACEHOLDER.sub(fill, sections["User"]).strip()},
    ]


# --------------------------------------------------------------------------------------------- post-processing


def _with_bank_facts(sheet: LocationSheet, bank: CharacterBank) -> LocationSheet:
    """A place the bank knows keeps the bank's name, description and image; no other sheet gets an image."""
    place = bank.location(sheet.id)
    if place is None:
        return sheet.model_copy(update={"reference_image": None})
    return sheet.model_copy(
        update={
            "name": place.name,
            "description": place.description or place.name,
            "reference_image": place.images[0] if place.images else None,
        }
    )


def _numbered(shot: Shot, current: str, number: int, pacing: PlanningSettings) -> Shot:
    """Ids and seeds are bookkeeping, not the model's call; a shot is never shorter than its words."""
    shot_id = f"{current}-shot-{number:02d}"
    speech_s = sum(speaking_seconds(line.text, pacing.words_per_minute) for line in shot.lines)
    return shot.model_copy(
        update={
            "id": shot_id,
            "scene_id": current,
            "seed": shot_seed(shot_id),
            "duration_s": round(max(shot.duration_s, pacing.min_shot_s, speech_s), 2),
            "lines": [
                line.model_copy(update={"id": f"{shot_id}-line-{index}"}) for index, line in enumerate(shot.lines, start=1)
            ],
        }
    )


def _without_local_paths(value: Any, key: str = "") -> Any:
    """JSON data with file paths reduced to file names: the server needs no folders of this machine."""
    if isinstance(value, dict):
        return {name: _without_local_paths(item, name) for name, item in value.items() if name != "folder"}
    if isinstance(value, list):
        return [_without_local_paths(item, key) for item in value]
    if key in _LOCAL_PATH_KEYS and isinstance(value, str):
        return Path(value).name or "."
    return value


# --------------------------------------------------------------------------------------------- prompt text


def _member_line(member: Character) -> str:
    return f"- {member.id}: {member.name} - {member.description or '(no description)'}"


def _place_line(place: Location) -> str:
    image = " (has a reference image)" if place.images else ""
    return f"- {place.id}: {place.name} - {place.description or '(no description)'}{image}"


def _cast_text(cast: Cast) -> str:
    members = "\n".join(_member_line(member) for member in cast.members) or "(nobody)"
    cues = "\n".join(f"- {cue} -> {member_id}" for cue, member_id in cast.cues.items())
    return f"{members}\nCues:\n{cues}" if cues else members


def _scene_text(scene: ScriptScene) -> str:
    return f"{scene_id(scene.index)}: {scene.heading or scene.location or '(no heading)'}\n{_scene_body(scene)}"


def _scene_body(scene: ScriptScene) -> str:
    """The scene as a screenplay reads: action paragraphs, cues with their lines, transitions."""
    blocks = [f"Synopsis: {scene.synopsis}"] if scene.synopsis else []
    for element in scene.elements:
        if isinstance(element, ScriptDialogue):
            cue = " ".join([element.cue, *(f"({extension})" for extension in element.extensions)]) + (
                " [dual]" if element.dual else ""
            )
            parenthetical = f"\n({element.parenthetical})" if element.parenthetical else ""
            blocks.append(f"{cue}{parenthetical}\n{element.text}")
        elif isinstance(element, ScriptAction):
            blocks.append(element.text)
        else:
            blocks.append(element.text.upper())
    return "\n\n".join(blocks) or "(empty)"


def _beats_text(beats: SceneBeats) -> str:
    lines = []
    for number, beat in enumerate(beats.beats, start=1):
        if isinstance(beat, DialogueBeat):
            how = ", ".join(
                part
                for part in (beat.parenthetical, "off screen" if beat.off_screen else "", "dual" if beat.dual else "")
                if part
            )
            lines.append(f"{number}. {beat.speaker_id}{f' ({how})' if how else ''}: {beat.text}")
        elif isinstance(beat, ActionBeat):
            lines.append(f"{number}. action [{', '.join(beat.character_ids)}]: {beat.text}")
        elif isinstance(beat, TransitionBeat):
            lines.append(f"{number}. transition: {beat.effect}")
    return "\n".join(lines) or "(none)"


def planned_scene_text(scene: Scene) -> str:
    """A planned scene as prompt text: its summary, then one line per shot (framing, who, action, what is said)."""
    shots = []
    for shot in scene.shots:
        who = ", ".join(placed.character_id for placed in shot.characters) or "nobody"
        said = " / ".join(f"{line.speaker_id}: {line.text}" for line in shot.lines)
        shots.append(
            f"- {shot.id}: {shot.size.value}, {shot.angle.value}, {shot.movement.value}, {shot.duration_s:g} s, {who}. "
            f"{shot.action}{f' Says: {said}' if said else ''}"
        )
    return f"{scene.id} ({scene.heading or scene.location_id}): {scene.summary}\n" + "\n".join(shots)


def _named_in(beat: Beat) -> set[str]:
    if isinstance(beat, DialogueBeat):
        return {beat.speaker_id}
    return set(beat.character_ids) if isinstance(beat, ActionBeat) else set()


def _outsider_problem(where: str, named: set[str], allowed: set[str]) -> str | None:
    outsiders = sorted(named - allowed)
    if not outsiders:
        return None
    return (
        f"{where} has '{outsiders[0]}', who is not in this scene; use only these ids: {', '.join(sorted(allowed)) or '(nobody)'}"
    )


def _bullets(notes: list[str]) -> str:
    return "\n".join(f"- {note}" for note in notes) or "(none)"


def _id_list(ids: list[str]) -> str:
    # A long film's ids would flood the repair prompt; the first few show the pattern.
    return ", ".join(ids[:12]) + (f", ... ({len(ids)} in all)" if len(ids) > 12 else "") if ids else "(none)"
