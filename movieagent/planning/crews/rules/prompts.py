"""What a shot's prompts say: the framing, the place, the people and the action; the camera's movement."""

from __future__ import annotations

from movieagent.schema import CAMERA_ANGLE_WORDS, SHOT_SIZE_WORDS, CameraAngle, CameraMovement, LocationSheet, ShotSize

MOVEMENT_WORDS = {
    CameraMovement.static: "Locked-off camera, natural subtle motion",
    CameraMovement.pan_left: "Slow pan left across the scene",
    CameraMovement.pan_right: "Slow pan right across the scene",
    CameraMovement.tilt_up: "Slow tilt up",
    CameraMovement.tilt_down: "Slow tilt down",
    CameraMovement.zoom_in: "Slow zoom in",
    CameraMovement.zoom_out: "Slow zoom out",
    CameraMovement.dolly_in: "Slow push in toward the subject",
    CameraMovement.dolly_out: "Slow pull back from the subject",
}


def shot_prompt(
    size: ShotSize,
    angle: CameraAngle,
    location: LocationSheet,
    time_of_day: str,
    people: list[tuple[str, str]],
    action: str,
    style: str,
) -> str:
    """The shot's visual prompt: framing, place, time of day, each person (name, description) in frame, action, style."""
    framing = SHOT_SIZE_WORDS[size]
    parts = [f"{framing[:1].upper()}{framing[1:]}, {CAMERA_ANGLE_WORDS[angle]}", location.description]
    if time_of_day:
        parts.append(f"Time of day: {time_of_day.lower()}")
    for name, description in people:
        parts.append(f"{name}: {description}" if description else name)
    if action:
        parts.append(" ".join(action.split()))
    parts.append(style)
    return " ".join(as_sentence(part) for part in parts if part.strip())


def motion_prompt(movement: CameraMovement, speakers: list[str]) -> str:
    """The camera's movement and who speaks, for a video model."""
    speaking = f"; {' and '.join(speakers)} speaking" if speakers else ""
    return f"{MOVEMENT_WORDS[movement]}{speaking}."


def place_view(location: LocationSheet, time_of_day: str, action: str) -> str:
    """What a view of the place shows: "Arthur's Kitchen, day: a small tidy kitchen ..." from the location
    sheet, or "Arthur's Kitchen, day. <the action in it>"."""
    place = f"{location.name}, {time_of_day.lower()}" if time_of_day else location.name
    if action:
        return f"{place}. {action}"
    description = " ".join(location.description.split())
    if description.casefold().startswith(location.name.casefold()):  # a sheet made from the heading: 'Kitchen (interior)'
        return f"{place}{description[len(location.name) :]}"
    return f"{place}: {description}"


def as_sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else f"{text}."
