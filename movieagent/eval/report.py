"""EvalReport: everything measured about one movie (metrics.json), and the verdicts read from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from movieagent.config import AudioSettings
from movieagent.eval.coverage import CoverageMetrics
from movieagent.eval.editing import EditingMetrics
from movieagent.eval.judge import JudgeResult
from movieagent.eval.loudness import AudioMetrics
from movieagent.eval.speech_activity import SpeechActivity
from movieagent.eval.subtitle_style import SubtitleStyleMetrics
from movieagent.eval.subtitle_sync import SubtitleSyncMetrics
from movieagent.schema import PlanningAnswer

Verdict = Literal["good", "warn", "bad", "info"]
# Within these of the target the loudness is good; within twice, a warning.
LOUDNESS_TOLERANCE_LU = 1.0
GOOD_SYNC_SHARE, FAIR_SYNC_SHARE = 0.9, 0.75
GOOD_CUT_SCORE = 0.9


class ShotRow(BaseModel):
    """One line of the per-shot table."""

    index: int
    shot_id: str
    scene_id: str | None
    start_s: float
    duration_s: float
    thumbnail: str | None = Field(description="PNG, relative to the movie folder")
    size: str | None = None
    movement: str | None = None
    characters: list[str] = []
    first_line: str | None = None
    lufs: float | None = None
    subtitle_offset_ms: float | None = Field(default=None, description="Mean start offset of the cues that start in the shot")
    clip_t: float | None = None
    clip_i: float | None = Field(default=None, description="Mean over the shot's characters")
    dino: float | None = Field(default=None, description="Mean over the shot's characters")
    ws_fc: float | None = None
    problems: list[str] = []


class SummaryRow(BaseModel):
    area: str
    metric: str
    value: str
    target: str
    verdict: Verdict
    note: str = Field(default="", description="What lies behind the value: which cue, which shots")


class EvalReport(BaseModel):
    title: str
    folder: Path
    layout: Literal["movieagent", "showlab"]
    evaluated_at: str
    movie: str = Field(description="Relative to the folder, as are the other files named here")
    subtitles_vtt: str | None = None
    storyboard_pages: list[str] = []
    duration_s: float
    width: int
    height: int
    fps: float
    script: Path | None = None
    characters: Path | None = None
    coverage: CoverageMetrics
    speech: SpeechActivity | None = None
    subtitle_sync: SubtitleSyncMetrics | None = None
    subtitle_style: SubtitleStyleMetrics | None = None
    audio: AudioMetrics | None = None
    editing: EditingMetrics
    vision: dict[str, Any] | None = Field(default=None, description="movieagent.eval.vision.VisionMetrics, when asked for")
    judge: JudgeResult | None = None
    planning: list[PlanningAnswer] = Field(default=[], description="Who answered each planning question (an LLM crew with a fallback)")
    shots: list[ShotRow]
    summary: list[SummaryRow] = []


def summarize(report: EvalReport, targets: AudioSettings) -> list[SummaryRow]:
    """The headline numbers with a verdict each, for the terminal table and the top of report.html."""
    rows: list[SummaryRow] = []
    coverage = report.coverage
    reference = "script" if coverage.reference == "script" else "plan"
    if coverage.script_scenes is not None:
        rows.append(_count_row("coverage", "scenes in the plan", coverage.scenes_in_plan or 0, coverage.script_scenes))
    if coverage.reference == "script":
        rows.append(_count_row("coverage", "lines in the plan, in order", coverage.lines_in_order, coverage.lines))
    if coverage.lines_in_subtitles is not None:
        rows.append(_count_row("coverage", f"{reference} lines subtitled", coverage.lines_in_subtitles, coverage.lines))
    if coverage.lines_heard is not None:
        rows.append(_count_row("coverage", f"{reference} lines heard", coverage.lines_heard, coverage.lines))
    unknown = sorted({found.character_id for found in coverage.unknown_characters})
    rows.append(
        SummaryRow(
            area="coverage",
            metric=f"characters not in the {coverage.characters_checked_against}",
            value=str(len(unknown)),
            target="0",
            verdict="good" if not unknown else "bad",
            note=", ".join(unknown),
        )
    )

    if sync := report.subtitle_sync:
        share = sync.within_tolerance
        verdict: Verdict = "info" if share is None else "good" if share >= GOOD_SYNC_SHARE else "warn" if share >= FAIR_SYNC_SHARE else "bad"
        worst = sync.worst[0] if sync.worst else None
        rows.append(
            SummaryRow(
                area="subtitles",
                metric="cues within ±100 ms of speech",
                value=_percent(share),
                target=f"≥ {GOOD_SYNC_SHARE:.0%}",
                verdict=verdict,
                note="" if worst is None else f"worst: cue {worst.index}, " + ("no speech near it" if worst.start_offset_ms is None else f"{worst.start_offset_ms:+.0f} ms"),
            )
        )
        rows.append(
            SummaryRow(
                area="subtitles",
                metric="mean |offset| from speech",
                value=_number(sync.mean_abs_offset_ms, "ms", digits=0),
                target="≤ 100 ms",
                verdict="info" if sync.mean_abs_offset_ms is None else "good" if sync.mean_abs_offset_ms <= 100 else "bad",
                note="" if sync.mean_offset_ms is None else f"signed mean {sync.mean_offset_ms:+.0f} ms (+ is late)",
            )
        )
        rows.append(
            SummaryRow(
                area="subtitles",
                metric="speech without a subtitle",
                value=_number(sync.speech_without_subtitle_s, "s"),
                target="0 s",
                verdict="good" if sync.speech_without_subtitle_s < 0.5 else "bad",
                note=f"of {sync.speech_s:.1f} s of speech detected",
            )
        )
    if style := report.subtitle_style:
        rows.append(
            SummaryRow(
                area="subtitles",
                metric="style rules broken",
                value=str(len(style.violations)),
                target="0",
                verdict="good" if not style.violations else "warn",
                note=f"up to {style.chars_per_second_max or 0:.1f} chars/s, lines up to {style.longest_line_chars} chars",
            )
        )

    if audio := report.audio:
        rows.append(_level_row("integrated loudness", audio.integrated_lufs, targets.target_lufs, "LUFS"))
        rows.append(
            SummaryRow(
                area="audio",
                metric="true peak",
                value=_number(audio.true_peak_dbtp, "dBTP"),
                target=f"≤ {targets.true_peak_dbtp:.1f} dBTP",
                verdict="info" if audio.true_peak_dbtp is None else "good" if audio.true_peak_dbtp <= targets.true_peak_dbtp + 0.05 else "warn" if audio.true_peak_dbtp <= 0 else "bad",
            )
        )
        rows.append(
            SummaryRow(
                area="audio",
                metric="clipped samples",
                value=f"{audio.clipped_samples:.3%}" if audio.clipped_samples else "0",
                target="0",
                verdict="good" if audio.clipped_samples == 0 else "bad",
                note=", ".join(f"{passage.start_s:.1f}-{passage.end_s:.1f} s" for passage in audio.clipped_passages[:3])
                + (" ..." if len(audio.clipped_passages) > 3 else ""),
            )
        )
        rows.append(SummaryRow(area="audio", metric="loudness range (EBU LRA)", value=_number(audio.loudness_range_lu, "LU"), target="-", verdict="info"))
        rows.append(
            SummaryRow(
                area="audio",
                metric="largest loudness jump between shots",
                value=_number(audio.largest_shot_jump_lu, "LU"),
                target="-",
                verdict="info",
                note=f"into {audio.largest_shot_jump_at}" if audio.largest_shot_jump_at else "",
            )
        )

    editing = report.editing
    for metric, value in (("cut precision", editing.precision), ("cut recall", editing.recall)):
        rows.append(
            SummaryRow(
                area="editing",
                metric=f"{metric} (±{editing.tolerance_frames} frames)",
                value=_percent(value),
                target=f"≥ {GOOD_CUT_SCORE:.0%}",
                verdict="info" if value is None else "good" if value >= GOOD_CUT_SCORE else "bad",
                note=f"{editing.matched} of {editing.planned_cuts} planned, {editing.detected_cuts} found",
            )
        )

    if report.planning:
        fallbacks = [answer for answer in report.planning if answer.answered_by == "fallback"]
        answered, total = len(report.planning) - len(fallbacks), len(report.planning)
        rows.append(
            SummaryRow(
                area="planning",
                metric="questions answered by the crew's model",
                value=f"{answered}/{total}",
                target=f"{total}/{total}",
                verdict="good" if not fallbacks else "warn",
                note="; ".join(f"{answer.role} {answer.scene_id or ''}: rules fallback ({answer.reason})".replace(" :", ":") for answer in fallbacks),
            )
        )

    if report.vision:
        for key, label in (("clip_t_mean", "CLIP-T"), ("clip_i_mean", "CLIP-I"), ("dino_mean", "DINO"), ("ws_fc_mean", "WS-FC"), ("cs_fc_mean", "CS-FC")):
            if report.vision.get(key) is not None:
                rows.append(SummaryRow(area="vision", metric=label, value=f"{report.vision[key]:.3f}", target="higher is better", verdict="info"))
    if report.judge:
        for score in report.judge.scores:
            rows.append(
                SummaryRow(
                    area="judge",
                    metric=score.criterion.replace("_", " "),
                    value=f"{score.score}/5",
                    target="5",
                    verdict="good" if score.score >= 4 else "warn" if score.score == 3 else "bad",
                    note=f"judged by {report.judge.model}",
                )
            )
    return rows


def _count_row(area: str, metric: str, found: int, total: int) -> SummaryRow:
    return SummaryRow(area=area, metric=metric, value=f"{found}/{total}", target=f"{total}/{total}", verdict="good" if found == total else "bad")


def _level_row(metric: str, value: float | None, target: float, unit: str) -> SummaryRow:
    off = None if value is None else abs(value - target)
    verdict: Verdict = "bad" if off is None else "good" if off <= LOUDNESS_TOLERANCE_LU else "warn" if off <= 2 * LOUDNESS_TOLERANCE_LU else "bad"
    return SummaryRow(area="audio", metric=metric, value=_number(value, unit), target=f"{target:.1f} ± {LOUDNESS_TOLERANCE_LU:.0f} {unit}", verdict=verdict)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _number(value: float | None, unit: str, *, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}"
