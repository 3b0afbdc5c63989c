"""Where the camera looks: which part of the location a shot size shows, and the view in every frame.

Coordinates are the shot's plan: the frame as the plan composed it, in output pixels (the characters'
boxes live there). A view is the rectangle of the plan one frame shows; moves ease in and out
(smoothstep). Pans and tilts shift every layer alike; zooms scale every layer alike; dollies scale the
figures more than the background (parallax). A dutch angle turns the whole plan a few degrees and
zooms in just enough to keep the corners filled. A static shot drifts in slowly (at most 5 %) so the
animatic does not look frozen; the backend's `static_drift` option sets how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from movieagent.preview.sprite import Point, rotate_point
from movieagent.schema import CameraAngle, CameraMovement, JobCharacter, ShotSize

# How much of the location's full backdrop (its width) each shot size shows. Wide sizes stay below 1 so
# that pans and tilts have backdrop to travel over.
VIEW_FRACTION = {
    ShotSize.extreme_wide: 0.84,
    ShotSize.wide: 0.8,
    ShotSize.full: 0.7,
    ShotSize.medium_wide: 0.6,
    ShotSize.medium: 0.5,
    ShotSize.medium_close_up: 0.42,
    ShotSize.close_up: 0.34,
    ShotSize.extreme_close_up: 0.26,
}
PAN_TRAVEL = 0.12  # of the frame, over the whole shot: clearly a move, and the figures stay in frame
MARGIN = 0.07  # backdrop drawn beyond each frame edge; at least half the pan travel
ZOOM = 1.25
DOLLY_FOREGROUND, DOLLY_BACKGROUND = 1.3, 1.1
DRIFT_PARALLAX = 0.6  # a static drift moves the background this much less than the figures, like a tiny dolly
DUTCH_DEGREES = 4.0
# High and low angles move the backdrop window this fraction of its height (more floor, or more ceiling/sky).
ANGLE_SHIFT = {CameraAngle.high: 0.1, CameraAngle.overhead: 0.14, CameraAngle.low: -0.1}
# Tight shots look at the backdrop a little above its middle, where faces and windows are.
TIGHT_LIFT = 0.08


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Camera:
    frame: tuple[int, int]
    target: Point  # what zooms and dollies move towards, in plan pixels: the figures' faces
    offsets: tuple[Point, Point]  # pan/tilt shift of the view at the start and the end, plan pixels
    background_scale: tuple[float, float]  # magnification at the start and the end
    foreground_scale: tuple[float, float]
    tilt_degrees: float

    @property
    def centre(self) -> Point:
        return self.frame[0] / 2, self.frame[1] / 2

    @property
    def cover(self) -> float:
        """The zoom that keeps a frame turned by `tilt_degrees` inside the unturned one."""
        radians = math.radians(abs(self.tilt_degrees))
        width, height = self.frame
        return math.cos(radians) + max(width / height, height / width) * math.sin(radians)

    def largest_scale(self, *, foreground: bool) -> float:
        return max(self.foreground_scale if foreground else self.background_scale) * self.cover

    def view(self, progress: float, *, foreground: bool) -> Rect:
        """The plan rectangle one frame shows at `progress` (0 first frame, 1 last), in the turned plan."""
        eased = smoothstep(progress)
        start, end = self.foreground_scale if foreground else self.background_scale
        scale = start + (end - start) * eased
        (start_x, start_y), (end_x, end_y) = self.offsets
        (target_x, target_y), (centre_x, centre_y) = self.target, self.centre
        # Magnifying around the target moves the view's centre towards it.
        middle = (
            target_x + (centre_x - target_x) / scale + start_x + (end_x - start_x) * eased,
            target_y + (centre_y - target_y) / scale + start_y + (end_y - start_y) * eased,
        )
        middle = rotate_point(middle, self.tilt_degrees, self.centre)
        width, height = self.frame[0] / (scale * self.cover), self.frame[1] / (scale * self.cover)
        return Rect(middle[0] - width / 2, middle[1] - height / 2, width, height)


def camera_for(
    size: ShotSize,
    angle: CameraAngle,
    movement: CameraMovement,
    characters: list[JobCharacter],
    frame: tuple[int, int],
    *,
    static_drift: float,
) -> Camera:
    width, height = frame
    travel_x, travel_y = PAN_TRAVEL * width / 2, PAN_TRAVEL * height / 2
    offsets = {
        CameraMovement.pan_left: ((travel_x, 0.0), (-travel_x, 0.0)),
        CameraMovement.pan_right: ((-travel_x, 0.0), (travel_x, 0.0)),
        CameraMovement.tilt_up: ((0.0, travel_y), (0.0, -travel_y)),
        CameraMovement.tilt_down: ((0.0, -travel_y), (0.0, travel_y)),
    }.get(movement, ((0.0, 0.0), (0.0, 0.0)))
    scales = {
        CameraMovement.zoom_in: ((1.0, ZOOM), (1.0, ZOOM)),
        CameraMovement.zoom_out: ((ZOOM, 1.0), (ZOOM, 1.0)),
        CameraMovement.dolly_in: ((1.0, DOLLY_BACKGROUND), (1.0, DOLLY_FOREGROUND)),
        CameraMovement.dolly_out: ((DOLLY_BACKGROUND, 1.0), (DOLLY_FOREGROUND, 1.0)),
        CameraMovement.static: ((1.0, 1.0 + static_drift * DRIFT_PARALLAX), (1.0, 1.0 + static_drift)),
    }.get(movement, ((1.0, 1.0), (1.0, 1.0)))
    return Camera(
        frame=frame,
        target=_faces(characters, frame),
        offsets=offsets,
        background_scale=scales[0],
        foreground_scale=scales[1],
        tilt_degrees=DUTCH_DEGREES if angle is CameraAngle.dutch else 0.0,
    )


def background_window(size: ShotSize, angle: CameraAngle, characters: list[JobCharacter]) -> tuple[float, float, float, float]:
    """The part of the backdrop (left, top, right, bottom as 0..1 of it) behind the planned frame and its margins.

    A figure standing at x across the frame has the backdrop's point x behind it, so a close-up of
    someone on the left shows the left of the room.
    """
    fraction = VIEW_FRACTION[size]
    figures_x = sum(c.box.x + c.box.w / 2 for c in characters) / len(characters) if characters else 0.5
    figures_x = min(1.0, max(0.0, figures_x))
    tightness = (VIEW_FRACTION[ShotSize.extreme_wide] - fraction) / (
        VIEW_FRACTION[ShotSize.extreme_wide] - VIEW_FRACTION[ShotSize.extreme_close_up]
    )
    middle_y = 0.5 - TIGHT_LIFT * tightness + ANGLE_SHIFT.get(angle, 0.0)
    margin = MARGIN * fraction
    left = _clamp(figures_x * (1 - fraction), margin, 1 - fraction - margin)
    top = _clamp(middle_y - fraction / 2, margin, 1 - fraction - margin)
    return left - margin, top - margin, left + fraction + margin, top + fraction + margin


def smoothstep(progress: float) -> float:
    progress = _clamp(progress, 0.0, 1.0)
    return progress * progress * (3 - 2 * progress)


def _faces(characters: list[JobCharacter], frame: tuple[int, int]) -> Point:
    """Where zooms aim: the middle of the figures, a quarter down their boxes; the frame's centre if empty."""
    width, height = frame
    if not characters:
        return width / 2, height / 2
    x = sum(c.box.x + c.box.w / 2 for c in characters) / len(characters)
    y = sum(c.box.y + c.box.h / 4 for c in characters) / len(characters)
    return _clamp(x, 0.0, 1.0) * width, _clamp(y, 0.0, 1.0) * height


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))
