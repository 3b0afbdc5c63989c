"""The location manager: a sheet per place (from the bank when it knows the place), and each scene's time of day."""

from __future__ import annotations

from movieagent.planning.crew import LocationBreakdown, SceneSetting, display_name, scene_id
from movieagent.schema import CharacterBank, LocationSheet, Script, ScriptScene, slugify

# Time-of-day words that mean "as in the scene before".
RELATIVE_TIMES = {
    "",
    "CONTINUOUS",
    "CONT",
    "CONT'D",
    "CONTINUED",
    "LATER",
    "MOMENTS LATER",
    "A MOMENT LATER",
    "SAME",
    "SAME TIME",
}


def location_breakdown(script: Script, bank: CharacterBank) -> LocationBreakdown:
    sheets: dict[str, LocationSheet] = {}
    settings: list[SceneSetting] = []
    time_of_day = ""
    for scene in script.scenes:
        heading_time = scene.time_of_day.strip().upper()
        if heading_time not in RELATIVE_TIMES:
            time_of_day = heading_time
        sheet = location_sheet(scene, bank, time_of_day)
        sheets.setdefault(sheet.id, sheet)
        settings.append(SceneSetting(scene_id=scene_id(scene.index), location_id=sheet.id, time_of_day=time_of_day))
    return LocationBreakdown(sheets=list(sheets.values()), scenes=settings)


def location_sheet(scene: ScriptScene, bank: CharacterBank, time_of_day: str) -> LocationSheet:
    known = bank.find_location(scene.location) if scene.location.strip() else None
    if known:
        description = known.description or known.name
        return LocationSheet(
            id=known.id,
            name=known.name,
            description=description,
            reference_image=known.images[0] if known.images else None,
            time_of_day=time_of_day,
        )
    name = display_name(scene.location) or "An unnamed place"
    inside = {True: " (interior)", False: " (exterior)", None: ""}[scene.interior]
    return LocationSheet(id=slugify(scene.location or name), name=name, description=f"{name}{inside}", time_of_day=time_of_day)


# --------------------------------------------------------------------------- screenwriter
