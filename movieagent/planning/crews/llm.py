"""The film crew played by a language model: prompts, answer checks, repairs and post-processing for every role.

Each role renders its prompt template (prompts/<role>.md) with its typed input, asks for JSON that
matches its output model, and checks the answer beyond the schema (verbatim dialogue, known ids, the
bank's locations) so a bad answer is repaired before the graph sees it. A script is untrusted text and
so is every answer: nothing a model returns is executed or used as a path, it is validated data.

Each prompt opens with the role's card (agents/<role>.yaml: who the role is, its goal, its rules), so a
card of your own changes what the crew is told. Every input is in the prompt once, as text; the answer's
JSON schema is narrowed to the question (its scene ids, its cast ids, how many items) and capped, and the
room an answer gets comes from that schema (movieagent.llm.answer_schema).

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
from movieagent.llm.answer_schema import answer_tokens, capped_schema, constrain
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
    Treatment,
    scene_id,
    shot_seed,
)
from movieagent.planning.casting import scene_cast
from movieagent.planning.crews.prompts import (
    beats_text,
    bullets,
    cast_text,
    member_line,
    place_line,
    planned_scene_text,
    render_prompt,
    scene_body,
    scene_text,
)
from movieagent.planning.review import dialogue_problem, speaking_seconds, spoken_dialogue
from movieagent.planning.roles import load_prompt, load_role_card
from movieagent.schema import CharacterBank, Line, LocationSheet, Model, Plan, Script, ScriptAction, ScriptScene, Shot

Role = Literal["director", "location_manager", "screenwriter", "storyboard_artist", "director_review"]
PROMPTS: tuple[Role, ...] = ("director", "location_manager", "screenwriter", "storyboard_artist", "director_review")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class LLMCrewOptions(BaseModel):
    """The options of the crew itself; each backend's Options adds its chat's (movieagent.llm.options)."""

    model_config = ConfigDict(extra="forbid")

    prompts: Path | None = Field(default=None, description="Folder replacing the installed prompts/")
    role_cards: Path | None = Field(default=None, description="Folder replacing the installed agents/; set from planning.role_cards")


class Storyboard(Model):
    """The storyboard artist's answer. Structured output wants an object at the top, not a list."""

    shots: list[Shot] = Field(min_length=1)


class LLMCrew:
    """Implements movieagent.planning.crew.Crew by asking a language model, through `chat`, for every role.

    `model` answers every role unless `models` names another for it (director_review falls back to the
    director's); `prompts` and `role_cards` are folders replacing the installed prompts/ and agents/.
    """

    def __init__(
        self,
        chat: StructuredChat,
        *,
        model: str,
        models: Mapping[Role, str] | None = None,
        prompts: Path | None = None,
        role_cards: Path | None = None,
    ) -> None:
        self.chat = chat
        self._model = model
        self._models = dict(models or {})
        self._templates = {role: load_prompt(role, prompts) for role in PROMPTS}
        self._cards = {role: load_role_card(role, role_cards) for role in PROMPTS}
        self._estimated = False

    def close(self) -> None:
        """Lets go of the model (a local one stops generating); the crew cannot be asked again."""
        self.chat.client.close()

    # ----------------------------------------------------------------------------------------- roles

    def director(self, script: Script, cast: Cast) -> Treatment:
        expected = [scene_id(scene.index) for scene in script.scenes]
        schema = self._schema(Treatment)
        constrain(schema, "Treatment.scenes", minItems=len(expected), maxItems=len(expected))
        constrain(schema, "SceneBrief.scene_id", enum=expected)
        if not self._estimated:
            self._estimated = True
            self.chat.estimate(self._planning_tokens(script, cast, schema))
        values = {
            "title": script.title,
            "cast": cast_text(cast),
            "script": "\n\n".join(scene_text(scene) for scene in script.scenes),
        }

        def check(treatment: Treatment) -> str | None:
            given = [brief.scene_id for brief in treatment.scenes]
            if given != expected:
                return f"give exactly one scene brief per scene, in this order: {_id_list(expected)} (you gave {_id_list(given)})"
            return None

        return self._ask("director", None, values, schema, Treatment, check)

    def location_manager(self, script: Script, bank: CharacterBank, treatment: Treatment) -> LocationBreakdown:
        expected = [scene_id(scene.index) for scene in script.scenes]
        schema = self._location_schema(expected, described_chars=max([len(place.description) for place in bank.locations] + [0]))
        values = {
            "style": treatment.style,
            "bank_locations": "\n".join(place_line(place) for place in bank.locations) or "(none)",
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

        breakdown = self._ask("location_manager", None, values, schema, LocationBreakdown, check)
        return breakdown.model_copy(update={"sheets": [_with_bank_facts(sheet, bank) for sheet in breakdown.sheets]})

    def screenwriter(self, task: ScreenwriterTask) -> SceneBeats:
        scene = task.scene
        schema = self._screenwriter_schema(task.brief.scene_id, scene, task.cast)
        values = {
            "scene_id": task.brief.scene_id,
            "heading": scene.heading or scene.location,
            "goal": task.brief.goal,
            "beat": task.brief.beat,
            "cast": cast_text(task.cast),
            "scene": scene_body(scene),
            "notes": bullets(task.notes),
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

        beats = self._ask("screenwriter", task.brief.scene_id, values, schema, SceneBeats, check)
        return beats.model_copy(update={"scene_id": task.brief.scene_id})

    def storyboard_artist(self, task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]:
        current = task.brief.scene_id
        lines = [beat for beat in task.beats.beats if isinstance(beat, DialogueBeat)]
        allowed = sorted({member.id for member in task.cast} | {line.speaker_id for line in lines})
        # A shot's action may tell several beats, and its prompt repeats the place, the people and the style.
        action_chars = sum(len(beat.text) for beat in task.beats.beats if isinstance(beat, ActionBeat))
        described = len(task.location.description) + len(task.style) + sum(len(member_line(member)) for member in task.cast)
        schema = self._storyboard_schema(
            current, len(task.beats.beats), allowed, [line.text for line in lines], action_chars=action_chars, described_chars=described
        )
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
            "cast": "\n".join(member_line(member) for member in task.cast) or "(nobody)",
            "beats": beats_text(task.beats),
            "notes": bullets(task.notes),
        }

        def check(storyboard: Storyboard) -> str | None:
            for number, shot in enumerate(storyboard.shots, start=1):
                named = {placed.character_id for placed in shot.characters} | {line.speaker_id for line in shot.lines}
                if problem := _outsider_problem(f"shot {number}", named, set(allowed)):
                    return problem
            spoken = [line for shot in storyboard.shots for line in shot.lines]
            return dialogue_problem([(line.speaker_id, line.text) for line in lines], spoken)

        storyboard = self._ask("storyboard_artist", current, values, schema, Storyboard, check)
        return [_numbered(shot, current, number, pacing) for number, shot in enumerate(storyboard.shots, start=1)]

    def director_review(
        self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings, checks: dict[str, list[str]]
    ) -> ReviewNotes:
        # The review node adds the automatic checks; the model reads them and adds its own notes.
        scene_ids = [scene_id(scene.index) for scene in script.scenes]
        schema = self._review_schema(scene_ids)
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

        return self._ask("director_review", None, values, schema, ReviewNotes, check)

    # ----------------------------------------------------------------------------------------- answer schemas

    def _schema(self, answer: type[BaseModel]) -> dict[str, Any]:
        caps = self.chat.caps
        return capped_schema(answer.model_json_schema(), text_chars=caps.text_chars, list_items=caps.list_items)

    def _screenwriter_schema(self, current: str, scene: ScriptScene, cast: Cast) -> dict[str, Any]:
        schema = self._schema(SceneBeats)
        longest = max([len(element.text) for element in scene.elements] + [len(scene.synopsis or "")])
        if longest > self.chat.caps.text_chars:  # a verbatim line or paragraph is never cut
            constrain(schema, "DialogueBeat.text", maxLength=longest)
            constrain(schema, "ActionBeat.text", maxLength=longest)
        constrain(schema, "SceneBeats.scene_id", enum=[current])
        constrain(schema, "SceneBeats.beats", minItems=1, maxItems=min(self.chat.caps.list_items, 2 * _beat_count(scene) + 4))
        if members := sorted(member.id for member in cast.members):
            constrain(schema, "DialogueBeat.speaker_id", enum=members)
            constrain(schema, "ActionBeat.character_ids[]", enum=members)
        return schema

    def _storyboard_schema(
        self, current: str, beats: int, allowed: list[str], lines: list[str], *, action_chars: int = 0, described_chars: int = 0
    ) -> dict[str, Any]:
        schema = self._schema(Storyboard)
        text_chars = self.chat.caps.text_chars
        constrain(schema, "Shot.action", maxLength=max(text_chars, action_chars))
        constrain(schema, "Shot.prompt", maxLength=max(text_chars, action_chars + described_chars + text_chars // 4))
        constrain(schema, "Storyboard.shots", maxItems=min(self.chat.caps.list_items, 3 * beats + 4))
        constrain(schema, "Shot.scene_id", enum=[current])
        constrain(schema, "Shot.characters", maxItems=len(allowed))
        constrain(schema, "Shot.lines", maxItems=len(lines))
        if allowed:
            constrain(schema, "CharacterInShot.character_id", enum=allowed)
            constrain(schema, "Line.speaker_id", enum=allowed)
        if lines:  # a line may be split over shots, never lengthened
            constrain(schema, "Line.text", maxLength=max(len(text) for text in lines))
        return schema

    def _location_schema(self, scene_ids: list[str], *, described_chars: int) -> dict[str, Any]:
        schema = self._schema(LocationBreakdown)
        constrain(schema, "LocationBreakdown.scenes", minItems=len(scene_ids), maxItems=len(scene_ids))
        constrain(schema, "LocationBreakdown.sheets", minItems=1, maxItems=len(scene_ids))
        constrain(schema, "SceneSetting.scene_id", enum=scene_ids)
        constrain(schema, "LocationSheet.description", maxLength=max(self.chat.caps.text_chars, described_chars))  # the bank's, kept
        return schema

    def _review_schema(self, scene_ids: list[str]) -> dict[str, Any]:
        schema = self._schema(ReviewNotes)
        # Keys as named properties: a decoder follows those (llguidance ignores propertyNames, so keys would be free).
        notes = schema["properties"]["notes"]
        notes["properties"] = {key: notes["additionalProperties"] for key in scene_ids}
        notes["additionalProperties"] = False
        return schema

    def _planning_tokens(self, script: Script, cast: Cast, director: dict[str, Any]) -> int:
        """About the most new tokens planning the film asks for, one review round, from the questions' schemas."""
        ceiling = self.chat.max_tokens
        scene_ids = [scene_id(scene.index) for scene in script.scenes]
        total = min(ceiling, answer_tokens(director)) + min(ceiling, answer_tokens(self._review_schema(scene_ids)))
        total += min(ceiling, answer_tokens(self._location_schema(scene_ids, described_chars=0)))
        for scene, current in zip(script.scenes, scene_ids, strict=True):
            members = scene_cast(scene, cast)
            lines = [line.text for line in spoken_dialogue(scene)]
            ids = [member.id for member in members.members]
            total += min(ceiling, answer_tokens(self._screenwriter_schema(current, scene, members)))
            total += min(ceiling, answer_tokens(self._storyboard_schema(current, _beat_count(scene), ids, lines)))
        return total

    # ----------------------------------------------------------------------------------------- asking

    def _ask(
        self,
        role: Role,
        scene: str | None,
        values: dict[str, str],
        schema: dict[str, Any],
        answer: type[Answer],
        check: Callable[[Answer], str | None],
    ) -> Answer:
        output_schema = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
        messages = render_prompt(self._templates[role], {**values, "output_schema": output_schema}, role=role, card=self._cards[role])
        question = Question(
            agent=role,
            scene=scene,
            model=self._model_for(role),
            messages=messages,
            answer=answer,
            check=check,
            schema=schema,
            max_tokens=answer_tokens(schema),
            parts={**{name.replace("_", " "): text for name, text in values.items()}, "answer's schema": output_schema},
        )
        return self.chat.ask(question)

    def _model_for(self, role: Role) -> str:
        models = self._models
        return models.get(role) or (models.get("director") if role == "director_review" else None) or self._model


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


def _id_list(ids: list[str]) -> str:
    # A long film's ids would flood the repair prompt; the first few show the pattern.
    return ", ".join(ids[:12]) + (f", ... ({len(ids)} in all)" if len(ids) > 12 else "") if ids else "(none)"


def _beat_count(scene: ScriptScene) -> int:
    """About how many beats a scene has: a sentence of action or synopsis each, a line or a transition each."""
    texts = [element.text for element in scene.elements if isinstance(element, ScriptAction)] + [scene.synopsis or ""]
    others = sum(1 for element in scene.elements if not isinstance(element, ScriptAction))
    return others + sum(len(_SENTENCE_END.split(text.strip())) for text in texts if text.strip())
