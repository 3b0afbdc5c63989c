"""Stage: plan + real speech durations -> where every shot and line sits in the movie (pure)."""

from __future__ import annotations

import math

from movieagent.config import SpeechSettings
from movieagent.schema import LineTiming, Plan, ShotTiming, SpokenLine, Timeline


def build_timeline(plan: Plan, spoken: list[SpokenLine], speech: SpeechSettings, fps: int) -> Timeline:
    """Lays lines out shot by shot; a shot stretches when its speech needs more time than planned.

    Shot lengths are whole frames, so the movie's length is exactly the sum of its clips.
    """
    by_line = {line.line_id: line for line in spoken}
    missing = [line.id for line in plan.lines() if line.id not in by_line]
    if missing:
        raise ValueError(f"no speech for lines {missing[:5]}")

    shots: list[ShotTiming] = []
    start_frame = 0
    for index, shot in enumerate(plan.shots(), start=1):
        shot_start = start_frame / fps
        cursor = speech.lead_in_s if shot.lines else 0.0
        lines: list[LineTiming] = []
        for line in shot.lines:
            audio = by_line[line.id]
            lines.append(
                LineTiming(
                    line_id=line.id,
                    speaker_id=line.speaker_id,
                    text=line.text,
                    audio=audio.audio,
                    start_s=round(shot_start + cursor, 4),
                    end_s=round(shot_start + cursor + audio.duration_s, 4),
                    resumes_s=audio.resumes_s,
                )
            )
            cursor += audio.duration_s + speech.gap_between_lines_s
        needed = cursor - speech.gap_between_lines_s + speech.tail_s if shot.lines else 0.0
        # Rounded up so the last word is never cut; the epsilon keeps exact frame multiples exact.
        num_frames = max(1, math.ceil(max(shot.duration_s, needed) * fps - 1e-6))
        shots.append(
            ShotTiming(shot_id=shot.id, index=index, start_s=shot_start, duration_s=num_frames / fps, num_frames=num_frames, lines=lines)
        )
        start_frame += num_frames
    return Timeline(fps=fps, shots=shots)
