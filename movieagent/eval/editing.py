"""Editing: are the cuts in the movie where the timeline says the shots change, and nowhere else?

The movie is decoded once, small: each frame is compared with the one before (mean absolute change of grey level),
and the frames asked for (thumbnails) are kept. A cut is a frame that differs from the one before by at least
MIN_CUT_DIFFERENCE and CUT_CONTRAST times more than any of its neighbours do: camera moves and fades change every
frame a little, a cut changes one frame a lot. Boundaries with a fade on either side are not hard cuts, so they are
neither expected nor held against the detector.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from movieagent.errors import RenderError
from movieagent.media import MediaInfo, decode_video_frames
from movieagent.schema import Plan, Timeline, Transition

SCAN_WIDTH = 320  # the decoded size; thumbnails are kept at this width
COMPARE_STRIDE = 4  # frames are compared on every 4th pixel each way: plenty for whole-frame changes
MIN_CUT_DIFFERENCE = 0.04
CUT_CONTRAST = 3.0
NEIGHBOURS = 2  # frames on each side a cut must stand out from
TOLERANCE_FRAMES = 2


@dataclass(frozen=True)
class VideoScan:
    differences: np.ndarray  # [i]: change from frame i - 1 to frame i, 0..1 ([0] is 0)
    frames: dict[int, Image.Image]  # the frames asked for, by number


class Cut(BaseModel):
    frame: int
    time_s: float
    shot_id: str | None = Field(default=None, description="The planned shot starting there, if any")


class EditingMetrics(BaseModel):
    tolerance_frames: int = TOLERANCE_FRAMES
    planned_cuts: int
    soft_boundaries: int = Field(description="Shot changes with a fade, not expected to show as a cut")
    detected_cuts: int
    matched: int
    precision: float | None
    recall: float | None
    missed: list[Cut]
    unexpected: list[Cut]


def scan_video(movie: Path, video: MediaInfo, keep: set[int]) -> VideoScan:
    """Decodes the movie once at SCAN_WIDTH: frame differences, and the frames numbered in `keep`."""
    width = SCAN_WIDTH
    height = max(2, round(width * video.height / video.width / 2) * 2)
    differences, frames = [0.0], {}
    previous = None
    for number, picture in enumerate(decode_video_frames(movie, width, height)):
        grey = picture[::COMPARE_STRIDE, ::COMPARE_STRIDE].mean(axis=2, dtype=np.float32) / 255
        if previous is not None:
            differences.append(float(np.abs(grey - previous).mean()))
        if number in keep:
            frames[number] = Image.fromarray(picture.copy())
        previous = grey
    if previous is None:
        raise RenderError(f"ffmpeg found no picture to decode in {movie}")
    return VideoScan(differences=np.array(differences), frames=frames)


def detect_cuts(differences: np.ndarray) -> list[int]:
    """Frame numbers where a new shot starts with a hard cut."""
    cuts = []
    for number in np.flatnonzero(differences >= MIN_CUT_DIFFERENCE):
        around = np.concatenate([differences[max(0, number - NEIGHBOURS) : number], differences[number + 1 : number + 1 + NEIGHBOURS]])
        if differences[number] >= CUT_CONTRAST * around.max(initial=0.0):
            cuts.append(int(number))
    return cuts


def measure_editing(detected: list[int], timeline: Timeline, plan: Plan) -> EditingMetrics:
    # 1. The planned shot changes, hard cuts apart from fades.
    transitions = {shot.id: (shot.transition_in, shot.transition_out) for shot in plan.shots()}
    planned, soft = [], []
    frame = 0
    for before, after in zip(timeline.shots, timeline.shots[1:]):
        frame += before.num_frames
        faded = transitions.get(before.shot_id, (None, None))[1] is Transition.fade or transitions.get(after.shot_id, (None, None))[0] is Transition.fade
        (soft if faded else planned).append(Cut(frame=frame, time_s=round(frame / timeline.fps, 3), shot_id=after.shot_id))

    # 2. Pair each planned cut with the nearest detected one within the tolerance.
    unpaired = set(detected)
    missed = []
    for cut in planned:
        near = [found for found in unpaired if abs(found - cut.frame) <= TOLERANCE_FRAMES]
        if near:
            unpaired.remove(min(near, key=lambda found: abs(found - cut.frame)))
        else:
            missed.append(cut)
    unpaired = {found for found in unpaired if all(abs(found - cut.frame) > TOLERANCE_FRAMES for cut in soft)}
    matched = len(planned) - len(missed)
    counted = matched + len(unpaired)
    return EditingMetrics(
        planned_cuts=len(planned),
        soft_boundaries=len(soft),
        detected_cuts=len(detected),
        matched=matched,
        precision=matched / counted if counted else None,
        recall=matched / len(planned) if planned else None,
        missed=missed,
        unexpected=[Cut(frame=found, time_s=round(found / timeline.fps, 3)) for found in sorted(unpaired)],
    )
