"""make_movie(): script + character bank -> movie folder, stage by stage.

    1. ingest     script and bank loaded and checked together (every problem reported at once); the render
                  backends built and their model weights checked, so a missing model fails in seconds
    2. plan       the planning graph (director, location manager, screenwriter, storyboard artist, review);
                  with `review`, a pause here until a person has edited plan.json and runs with `resume`
    3. speech     one WAV per line through the speech backend
    4. timeline   shots stretched to the real speech, in whole frames
    5. render     with a keyframe backend, every shot's keyframe first (one model loaded), then one clip per
                  shot through the job runner and the video backend (both cached by content)
    6. subtitles  movie.srt from the speech timings
    7. mix        dialogue + ducked music bed, loudness-normalised
    8. assemble   movie.mp4, then storyboard.png
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from movieagent.assemble import assemble_movie
from movieagent.audio import MixReport, mix_audio
from movieagent.backends import load_backend
from movieagent.backends.base import RenderPhase
from movieagent.cache import content_key, file_digest, is_fresh, mark_fresh
from movieagent.config import Settings
from movieagent.errors import InputError
from movieagent.ingest import check_inputs
from movieagent.planning import PlanningOutcome, read_plan, run_planning
from movieagent.planning.crews.llm import LLMCrew
from movieagent.progress import ProgressListener, StageProgress
from movieagent.render.jobs import build_jobs
from movieagent.render.phases import preflight, render_phase
from movieagent.schema import CharacterBank, ClipResult, Plan, Script, Timeline
from movieagent.speech.stage import speak_lines
from movieagent.storyboard import StoryboardFrame, frame_from_clip, write_storyboard
from movieagent.subtitles import build_subtitles, write_subtitles
from movieagent.timeline import build_timeline
from movieagent.workspace import Workspace, write_text_atomic

log = logging.getLogger("movieagent")

Stage = Literal["plan", "speech", "render", "assemble"]


class MovieResult(BaseModel):
    outdir: Path
    plan: Path
    movie: Path | None = None
    subtitles: Path | None = None
    storyboard: Path | None = None
    duration_s: float = 0.0
    shots: int = 0
    clips_rendered: int = 0
    clips_cached: int = 0
    keyframes_rendered: int = 0
    keyframes_cached: int = 0
    audio: MixReport | None = None
    stage_seconds: dict[str, float] = {}
    # Planning paused: `plan` waits for a person's edits, nothing after it was made.
    awaiting_review: bool = False


def make_movie(
    script: Path,
    characters: Path,
    outdir: Path,
    settings: Settings,
    *,
    plan_file: Path | None = None,
    stop_after: Stage | None = None,
    review: bool = False,
    resume: bool = False,
    on_progress: ProgressListener | None = None,
) -> MovieResult:
    """Makes the movie in `outdir`. Re-running into the same folder redoes only what changed.

    `plan_file` renders an edited plan.json instead of planning again; `stop_after` ends after a stage.
    `review` stops after planning with OUTDIR/plan.json for a person to edit (the result is
    `awaiting_review`); `resume` then carries on from that pause with the edited plan.json.
    `on_progress` is told each StageUpdate (stage, done, total, and the shot when one is ready), for a UI
    other than the terminal's bars.
    """
    if plan_file is not None and (review or resume):
        raise InputError(
            "a plan file is rendered as it is, without planning, so there is nothing to review or resume",
            path=plan_file,
            fix="use --plan alone, or --review / --resume without --plan",
        )
    if review or resume:
        # Pausing and resuming must hash to the same planning thread, so resuming turns review on too.
        settings = settings.model_copy(update={"planning": settings.planning.model_copy(update={"human_review": True})})
    # Absolute, because ffmpeg runs in the output folder to read the subtitles by a plain name.
    workspace = Workspace(Path(outdir).resolve())
    timer = _StageTimer()
    # Inputs are checked before anything but the log is written, so bad input leaves no half-made folder.
    with _log_to(workspace), StageProgress(settings.progress, listener=on_progress) as progress:
        with timer("ingest"):
            loaded_script, bank = check_inputs(
                Path(script),
                Path(characters),
                max_bytes=settings.planning.max_script_bytes,
                max_scenes=settings.planning.max_scenes,
            )
            log.info("loaded %s: %d scenes; bank %s: %d characters", script, len(loaded_script.scenes), characters, len(bank.characters))
            if stop_after not in ("plan", "speech"):
                preflight(settings.render)

        with timer("plan"), progress.stage("plan", 1):
            if plan_file:
                planned = PlanningOutcome(plan=read_plan(plan_file))
            else:
                # The person's edit is checked before planning is touched, so a mistake leaves the pause as it was.
                reviewed_plan = _reviewed_plan(workspace) if resume else None
                planned = make_plan(loaded_script, bank, settings, workspace, reviewed_plan=reviewed_plan)
            plan = planned.plan
            # Running --review again while a review is pending keeps the edits already made to plan.json.
            if not (planned.paused_earlier and workspace.plan.exists()):
                write_text_atomic(workspace.plan, plan.model_dump_json(indent=2))
        result = MovieResult(
            outdir=workspace.root, plan=workspace.plan, shots=len(plan.shots()), awaiting_review=planned.awaiting_review
        )
        if planned.awaiting_review:
            log.info("plan ready for review: edit %s, then resume", workspace.plan)
            return result.model_copy(update={"stage_seconds": timer.seconds})
        if stop_after == "plan":
            return result.model_copy(update={"stage_seconds": timer.seconds})

        with timer("speech"), progress.stage("speech", len(plan.lines())) as advance:
            speech_backend = load_backend("speech", settings.speech.backend)
            spoken = speak_lines(plan, bank, speech_backend, settings.speech.backend, workspace, advance)
        with timer("timeline"):
            timeline = build_timeline(plan, spoken, settings.speech, settings.video.fps)
            write_text_atomic(workspace.root / "timeline.json", timeline.model_dump_json(indent=2))
        if stop_after == "speech":
            return result.model_copy(update={"stage_seconds": timer.seconds})

        jobs = build_jobs(plan, timeline, bank, settings.video, settings.render, workspace)
        runner = load_backend("runner", settings.render.runner)
        keyframes: list[ClipResult] = []
        if settings.render.keyframe is not None:
            # Every keyframe while the image model is loaded, before the video model takes the GPU.
            with timer("keyframes"), progress.stage("keyframes", len(jobs)) as advance:
                phase = RenderPhase(family="keyframe", backend=settings.render.keyframe)
                keyframes = render_phase(jobs, runner, phase, workspace, _shot_progress(advance))
        with timer("render"), progress.stage("render", len(jobs)) as advance:
            clips = render_phase(
                jobs, runner, RenderPhase(family="video", backend=settings.render.video), workspace, _shot_progress(advance)
            )
        result = result.model_copy(update={**_counts("keyframes", keyframes), **_counts("clips", clips)})
        log.info(
            "render: %d clips rendered, %d reused; %d keyframes drawn", result.clips_rendered, result.clips_cached, result.keyframes_rendered
        )
        if stop_after == "render":
            return result.model_copy(update={"stage_seconds": timer.seconds})

        with timer("subtitles"):
            write_subtitles(build_subtitles(timeline, settings.subtitles), workspace.subtitles)
        with timer("mix"), progress.stage("mix", 1):
            mix, mix_key = _mix(plan, timeline, settings, workspace)
            log.info("mix: %.1f LUFS, true peak %.1f dBTP", mix.integrated_lufs, mix.true_peak_dbtp)
        with timer("assemble"), progress.stage("assemble", 2) as advance:
            movie_key = content_key(plan, [job.cache_key for job in jobs], mix_key, workspace.subtitles.read_text(encoding="utf-8"), settings.video)
            marker = workspace.cache / "movie.key"
            if is_fresh(workspace.movie, movie_key, marker) and workspace.storyboard.exists():
                movie = workspace.movie
            else:
                with ThreadPoolExecutor(max_workers=1) as background:
                    # Muxing (mostly AAC encoding) and the storyboard's frame grabs are independent ffmpeg work: overlap them.
                    muxing = background.submit(
                        assemble_movie, clips, workspace.mix, workspace.subtitles, settings.video, workspace, title=plan.title
                    )
                    write_storyboard(_storyboard_frames(plan, timeline, clips), workspace.storyboard, title=plan.title, columns=6)
                    advance(1)
                    movie = muxing.result()
                mark_fresh(workspace.movie, movie_key, marker)
        log.info("wrote %s (%.1f s)", movie, timeline.duration_s())

    return result.model_copy(
        update={
            "movie": movie,
            "subtitles": workspace.subtitles,
            "storyboard": workspace.storyboard,
            "duration_s": timeline.duration_s(),
            "audio": mix,
            "stage_seconds": timer.seconds,
        }
    )


def make_plan(
    script: Script, bank: CharacterBank, settings: Settings, workspace: Workspace, *, reviewed_plan: Plan | None = None
) -> PlanningOutcome:
    """Runs the planning graph with the configured crew, checkpointed in the output folder.

    `reviewed_plan` resumes planning that paused for a person's review (settings.planning.human_review).
    """
    # LLM crews cache their replies and log their calls in the output folder, and read the role cards.
    in_workspace = {"cache_dir": workspace.llm_cache, "transcript": workspace.transcript, "role_cards": settings.planning.role_cards}
    crew = load_backend("crew", settings.planning.crew, defaults=in_workspace)
    workspace.root.mkdir(parents=True, exist_ok=True)
    try:
        return run_planning(script, bank, crew, settings.planning, checkpoint=workspace.checkpoints, reviewed_plan=reviewed_plan)
    finally:
        if isinstance(crew, LLMCrew):
            crew.close()  # a local model stops generating before the process goes on (or ends)


def _reviewed_plan(workspace: Workspace) -> Plan:
    if not workspace.plan.exists():
        raise InputError(
            "no plan to resume: nothing has paused for review in this folder",
            path=workspace.plan,
            fix="run with --review first; it writes this file for you to edit",
        )
    return read_plan(workspace.plan)


def _mix(plan: Plan, timeline: Timeline, settings: Settings, workspace: Workspace) -> tuple[MixReport, str]:
    """The audio mix, reused when nothing it is made of changed (the timeline, the voices, the music, the settings)."""
    seed = sum(shot.seed for shot in plan.shots()) % 2**32
    music = file_digest(settings.audio.music) if settings.audio.music else None
    key = content_key(timeline, settings.audio, seed, music, [file_digest(line.audio) for line in timeline.lines()])
    report = workspace.mix.with_suffix(".json")
    if is_fresh(workspace.mix, key) and report.exists():
        return MixReport.model_validate_json(report.read_text(encoding="utf-8")), key
    mix = mix_audio(timeline, settings.audio, workspace.mix, seed=seed)
    write_text_atomic(report, mix.model_dump_json(indent=2))
    mark_fresh(workspace.mix, key)
    return mix, key


def _counts(name: str, files: list[ClipResult]) -> dict[str, int]:
    rendered = sum(not file.cached for file in files)
    return {f"{name}_rendered": rendered, f"{name}_cached": len(files) - rendered}


def _shot_progress(advance: Callable[..., None]) -> Callable[[ClipResult], None]:
    return lambda result: advance(shot_id=result.shot_id, reused=result.cached)


def _storyboard_frames(plan: Plan, timeline: Timeline, clips: list[ClipResult]) -> list[StoryboardFrame]:
    names = {member.id: member.name.split()[0] for member in plan.cast}
    # Each grab is an ffmpeg process that mostly waits on decoding, so two at a time use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        images = list(pool.map(lambda pair: frame_from_clip(pair[0].path, duration_s=pair[1].duration_s), zip(clips, timeline.shots)))
    frames = []
    for shot, timing, image in zip(plan.shots(), timeline.shots, images, strict=True):
        who = ", ".join(names.get(placed.character_id, placed.character_id) for placed in shot.characters)
        framing = f"{shot.size.value} {shot.movement.value}".replace("_", " ")
        first_words = shot.lines[0].text if shot.lines else shot.action
        frames.append(StoryboardFrame(image=image, number=timing.index, caption=f"{framing}  {who}\n{first_words}"))
    return frames


class _StageTimer:
    """Wall time per stage, for the benchmark and the log."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)


@contextlib.contextmanager
def _log_to(workspace: Workspace) -> Iterator[None]:
    workspace.root.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(workspace.log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    previous_level = log.level
    log.setLevel(logging.INFO)
    try:
        yield
    except Exception as error:
        log.error("%s", error)
        raise
    finally:
        log.removeHandler(handler)
        log.setLevel(previous_level)
        handler.close()
