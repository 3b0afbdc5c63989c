"""read_plan(): a plan.json that a person may have edited, checked before anything renders it.

Every mistake is named by its line and its fix: the file itself (movieagent.files), the schema, and the
references rendering looks up (unique ids, speakers in the cast, reference images that are image files).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from movieagent.errors import InputError
from movieagent.files import Location, field_name, not_a_regular_file, parse, raise_all, read_text, validate
from movieagent.schema import Plan

# The plan of a film at the planning limit (2000 scenes) takes about 50 MB; twice that is not a plan.
MAX_PLAN_BYTES = 100_000_000
SCHEMA_HINT = "`movieagent schema` gives every field of plan.json, its type and allowed values"


def read_plan(path: Path) -> Plan:
    """The plan in `path`; raises InputError or InputErrors naming every problem at its line."""
    # 1. The file, its text and its JSON syntax.
    path = Path(path)
    text = read_text(
        path, what="plan file", max_bytes=MAX_PLAN_BYTES, missing_fix="check the path; `movieagent plan` writes OUT/plan.json"
    )
    document = parse(text, path, format="json")

    # 2. The schema, then 3. the references that rendering looks up.
    plan = validate(document, Plan, hint=SCHEMA_HINT)
    problems = [
        InputError(f"{field_name(location)}: {message}", path=path, line=document.line_of(location), fix=fix)
        for location, message, fix in _reference_problems(plan)
    ]
    if problems:
        raise_all(problems)
    return plan


def _reference_problems(plan: Plan) -> Iterator[tuple[Location, str, str]]:
    """Ids that must be unique, names that must point at the cast, images that must be image files."""
    for number, sheet in enumerate(plan.locations):
        if sheet.reference_image is not None and (kind := not_a_regular_file(sheet.reference_image)):
            yield (
                ("locations", number, "reference_image"),
                f"'{sheet.reference_image}' is {'not found' if kind == 'missing' else kind}, not an image file",
                "name an image file (PNG, JPEG or WebP), or set it to null to draw the place",
            )
    cast = {member.id for member in plan.cast}
    known = ", ".join(sorted(cast)) or "nobody yet"
    not_cast = f'use a cast id ({known}) or add the character to "cast"'
    shot_ids: set[str] = set()
    line_ids: set[str] = set()
    for scene_number, scene in enumerate(plan.scenes):
        for shot_number, shot in enumerate(scene.shots):
            at: Location = ("scenes", scene_number, "shots", shot_number)
            if shot.id in shot_ids:
                yield (*at, "id"), f"shot id '{shot.id}' is used twice", "give each shot its own id"
            shot_ids.add(shot.id)
            if shot.scene_id != scene.id:
                wrong_scene = f"shot '{shot.id}' is in scene '{scene.id}', not '{shot.scene_id}'"
                yield (*at, "scene_id"), wrong_scene, f'set it to "{scene.id}"'
            for number, placed in enumerate(shot.characters):
                if placed.character_id not in cast:
                    yield (*at, "characters", number, "character_id"), f"'{placed.character_id}' is not in the cast", not_cast
            for number, line in enumerate(shot.lines):
                if line.id in line_ids:
                    yield (*at, "lines", number, "id"), f"line id '{line.id}' is used twice", "give each line its own id"
                line_ids.add(line.id)
                if line.speaker_id not in cast:
                    yield (*at, "lines", number, "speaker_id"), f"'{line.speaker_id}' is not in the cast", not_cast
