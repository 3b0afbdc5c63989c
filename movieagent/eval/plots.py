"""The report's two plots as inline SVG (no plotting library): loudness over time, subtitle offsets over time."""

from __future__ import annotations

import html
import math

from movieagent.eval.loudness import AudioMetrics
from movieagent.eval.speech_activity import SpeechActivity
from movieagent.eval.subtitle_sync import TOLERANCE_S, SubtitleSyncMetrics

WIDTH, HEIGHT = 960, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 26, 34  # margins for the axes' labels
LOUDNESS_RANGE = (-60.0, 0.0)  # LUFS shown; quieter is drawn at the bottom edge
OFFSET_RANGE_MS = 500.0  # offsets shown up to this either way; larger ones sit on the edge, drawn hollow


class _Frame:
    """Maps data (seconds, value) into the plot area of the SVG."""

    def __init__(self, duration_s: float, low: float, high: float):
        self.duration_s, self.low, self.high = max(duration_s, 1e-6), low, high

    def x(self, seconds: float) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * min(max(seconds / self.duration_s, 0.0), 1.0), 1)

    def y(self, value: float) -> float:
        share = (min(max(value, self.low), self.high) - self.low) / (self.high - self.low)
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * share, 1)


def loudness_svg(audio: AudioMetrics, speech: SpeechActivity | None, duration_s: float, target_lufs: float) -> str:
    """Short-term loudness over time, with the target, the integrated loudness, speech and clipped passages."""
    frame = _Frame(duration_s, *LOUDNESS_RANGE)
    parts = _axes(frame, y_ticks=range(-60, 1, 10), y_unit="LUFS")
    bottom = HEIGHT - BOTTOM
    for segment in speech.segments if speech else []:
        parts.append(_rect(frame.x(segment.start_s), bottom - 6, frame.x(segment.end_s), bottom, "speech", "speech"))
    for passage in audio.clipped_passages:
        parts.append(_rect(frame.x(passage.start_s), TOP, frame.x(passage.end_s), bottom, "clipped", f"clipped {passage.start_s:.1f}-{passage.end_s:.1f} s"))
    for shot in audio.shots[1:]:
        parts.append(f'<line class="shot" x1="{frame.x(shot.start_s)}" y1="{TOP}" x2="{frame.x(shot.start_s)}" y2="{bottom}"/>')
    parts.append(_level_line(frame, target_lufs, "target", f"target {target_lufs:.0f} LUFS"))
    if audio.integrated_lufs is not None:
        parts.append(_level_line(frame, audio.integrated_lufs, "integrated", f"integrated {audio.integrated_lufs:.1f} LUFS"))
    curve = audio.short_term
    for run in _runs([(curve.start_s + number * curve.step_s, value) for number, value in enumerate(curve.lufs)]):
        points = " ".join(f"{frame.x(seconds)},{frame.y(value)}" for seconds, value in run)
        parts.append(f'<polyline class="loudness" points="{points}"/>')
    return _svg("Short-term loudness (3 s) over time", parts)


def offsets_svg(sync: SubtitleSyncMetrics, duration_s: float) -> str:
    """Each cue's start offset from its speech over time, with the ±100 ms band."""
    frame = _Frame(duration_s, -OFFSET_RANGE_MS, OFFSET_RANGE_MS)
    parts = _axes(frame, y_ticks=range(-500, 501, 250), y_unit="ms")
    tolerance = TOLERANCE_S * 1000
    parts.insert(0, _rect(LEFT, frame.y(tolerance), WIDTH - RIGHT, frame.y(-tolerance), "tolerance", "within ±100 ms"))
    parts.append(_level_line(frame, 0.0, "zero", "on time"))
    for cue in sync.per_cue:
        label = html.escape(cue.text.replace("\n", " "))
        if cue.start_offset_ms is None:
            parts.append(f'<circle class="cue unmatched" cx="{frame.x(cue.start_s)}" cy="{TOP + 4}" r="4"><title>cue {cue.index}: no speech within 1 s — {label}</title></circle>')
            continue
        state = "ok" if abs(cue.start_offset_ms) <= tolerance + 0.5 else "off"
        outside = " outside" if abs(cue.start_offset_ms) > OFFSET_RANGE_MS else ""
        parts.append(
            f'<circle class="cue {state}{outside}" cx="{frame.x(cue.start_s)}" cy="{frame.y(cue.start_offset_ms)}" r="4" data-seek="{cue.start_s:.3f}">'
            f"<title>cue {cue.index} at {cue.start_s:.2f} s: {cue.start_offset_ms:+.0f} ms — {label}</title></circle>"
        )
    return _svg("Subtitle start minus speech start, per cue", parts)


def _axes(frame: _Frame, *, y_ticks: range, y_unit: str) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{bottom - TOP}"/>']
    for value in y_ticks:
        y = frame.y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}"/>')
        label = f"{value:+d}" if value else "0"
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{label}</text>')
    parts.append(f'<text class="unit" x="{LEFT}" y="{TOP - 8}">{y_unit}</text>')
    step = _time_step(frame.duration_s)
    seconds = 0.0
    while seconds <= frame.duration_s + 1e-6:
        x = frame.x(seconds)
        parts.append(f'<line class="tick-mark" x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}"/>')
        parts.append(f'<text class="tick" x="{x}" y="{bottom + 18}" text-anchor="middle">{_clock(seconds)}</text>')
        seconds += step
    return parts


def _time_step(duration_s: float) -> float:
    """A round step giving about eight ticks: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10 min..."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800):
        if duration_s / step <= 10:
            return float(step)
    return 3600.0 * math.ceil(duration_s / 36000)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _runs(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """The points split where a value is missing (silence), so the line has gaps there."""
    runs: list[list[tuple[float, float]]] = [[]]
    for seconds, value in points:
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((seconds, value))
    return [run for run in runs if run]


def _level_line(frame: _Frame, value: float, css: str, label: str) -> str:
    y = frame.y(value)
    return f'<line class="{css}" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"><title>{html.escape(label)}</title></line>'


def _rect(left: float, top: float, right: float, bottom: float, css: str, label: str) -> str:
    return (
        f'<rect class="{css}" x="{left}" y="{top}" width="{max(right - left, 1.0):.1f}" height="{max(bottom - top, 0.0):.1f}">'
        f"<title>{html.escape(label)}</title></rect>"
    )


def _svg(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg">\n{body}\n</svg>'
