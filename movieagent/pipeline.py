"""make_movie(): script + character bank -> movie folder, stage by stage.

    1. ingest     script and bank loaded and checked together (every problem reported at once); the render
                  backends built and their model weights (and voices) checked, so a missing model fails in seconds
    2. plan       the planning graph (director, location manager, screenwriter, storyboard artist, review);
                  with `review`, a pause here until a person has edited plan.json and runs with `resume`
    3. speech     every speaker cast a voice (OUT/voices.json, written with the plan), then one WAV per line
    4. timeline   shots stretched to the real speech, in whole frames
    5. render     with a keyframe backend, every shot's keyframe first (one model loaded), then one clip per
                  shot through the job runner and the video backend; meanwhile, on a thread of its own:
    6. subtitles  movie.srt from the speech timings
    7. mix        dialogue + ducked music bed, loudness-normalised
    8. assemble   movie.mp4 (a chapter per scene), then the storyboard pages and storyboard.html

Each stage is a function of its inputs that writes its files into the workspace and reuses them when what they are
made of did not change (movieagent/cache.py), so re-running into the same folder redoes only what changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel

from movieagent.assemble import make_movie_file
from movieagent.backends import load_backend
from movieagent.config import Settings
from movieagent.errors import InputError, WriteError
from movieagent.ingest import check_inputs, input_warnings, read_plan
from movieagent.mix import MixReport, make_mix
from movieagent.planning import PlanningOutcome, run_planning
from movieagent.planning.crews.llm import LLMCrew
from movieagent.planning.limits import check_plan_size, check_script_length
from movieagent.progress import ProgressListener, StageProgress
from movieagent.render.jobs import build_jobs
from movieagent.render.phases import preflight, render_phase, render_phases
from movieagent.schema import Casting, CharacterBank, ClipResult, Plan, RenderJob, Script, SpokenLine, Timeline
from movieagent.speech.casting import cast_film, film_speakers
from movieagent.speech.casting import preflight as speech_preflight
from movieagent.speech.stage import speak_lines
from movieagent.subtitles import build_subtitles, subtitle_rules, write_burn_in, write_subtitles
from movieagent.timeline import build_timeline
from movieagent.workspace import Workspace, check_output_folder, claim_workspace, write_error, write_text_atomic

log = logging.getLogger("movieagent")

Stage = Literal["plan", "speech", "render", "assemble"]  # where `stop_after` may end a run, in order
STOPS: tuple[Stage, ...] = get_args(Stage)
PHASE_STAGES = {"keyframe": "keyframes", "video": "render"}  # each render phase's name in progress and timings


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
    # Input that worked but maybe not as meant (a character without a picture), each with its fix.
    warnings: list[str] = []


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
    force: bool = False,
    on_progress: ProgressListener | None = None,
) -> MovieResult:
    """Makes the movie in `outdir`. Re-running into the same folder redoes only what changed.

    `plan_file` renders an edited plan.json instead of planning again; `stop_after` ends after a stage.
    `review` stops after planning with OUTDIR/plan.json for a person to edit (the result is
    `awaiting_review`); `resume` then carries on from that pause with the edited plan.json.
    `on_progress` is told each StageUpdate (stage, done, total, and the shot when one is ready), for a UI
    other than the terminal's bars. `force` uses an output folder that holds files movieagent did not make
    (see workspace.claim_workspace: otherwise such a folder is refused before any work).
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
    # The output folder is checked first; then the inputs, before anything but the log is written, so bad input
    # leaves no half-made folder. The workspace's root is absolute: ffmpeg runs in it to read the subtitles by name.
    with (
        claim_workspace(outdir, force=force, bank=Path(characters)) as workspace,
        _log_to(workspace),
        StageProgress(settings.progress, listener=on_progress) as progress,
    ):
        film = _Film(settings, workspace, progress, last_stage=stop_after or STOPS[-1], plan_file=plan_file, resume=resume)
        # 1. ingest, then the stages in order up to the one to stop after (or a pause for review): 2. plan,
        # 3-4. speech and timeline, 5. render (with 6-7. subtitles and the mix beside it), 8. assembly
        film.ingest(Path(script), Path(characters))
        stages = {"plan": film.plan_shots, "speech": film.speak, "render": film.render, "assemble": film.assemble}
        for name in STOPS:
            stages[name]()
            if name == film.last_stage or film.awaiting_review:
                break
    return film.result()


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


@dataclasses.dataclass
class _Film:
    """One make_movie run: its settings and folder, and what its stages have made so far (each fills its fields)."""

    settings: Settings
    workspace: Workspace
    progress: StageProgress
    last_stage: Stage
    plan_file: Path | None
    resume: bool
    timer: _StageTimer = dataclasses.field(default_factory=_StageTimer)
    script: Script | None = None
    bank: CharacterBank | None = None
    speech_backend: Any = None
    plan: Plan | None = None
    casting: Casting | None = None
    awaiting_review: bool = False
    spoken: list[SpokenLine] = dataclasses.field(default_factory=list)
    timeline: Timeline | None = None
    jobs: list[RenderJob] = dataclasses.field(default_factory=list)
    rendered: dict[str, list[ClipResult]] = dataclasses.field(default_factory=dict)  # by phase family: keyframe, video
    mix: MixReport | None = None
    movie: Path | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)

    @contextlib.contextmanager
    def stage(self, name: str, steps: int = 1) -> Iterator[Callable[..., None]]:
        """Times the stage and shows its progress; yields `advance`."""
        with self.timer(name), self.progress.stage(name, steps) as advance:
            yield advance

    def ingest(self, script: Path, characters: Path) -> None:
        """1. The script and the bank, checked together; the render backends too when this run renders."""
        with self.timer("ingest"):
            planning = self.settings.planning
            self.script, self.bank = check_inputs(
                script, characters, max_bytes=planning.max_script_bytes, max_scenes=planning.max_scenes, unknown=self.settings.casting.unknown
            )
            log.info("loaded %s: %d scenes; bank %s: %d characters", script, len(self.script.scenes), characters, len(self.bank.characters))
            if extras := [character.name for character in self.bank.characters if character.extra]:
                log.info("played by extras (casting.unknown: extra): %s", ", ".join(extras))
            self.warnings = [warning.describe() for warning in input_warnings(self.script, self.bank)]
            for warning in self.warnings:
                log.warning("%s", warning)
            if self.plan_file is None:
                check_script_length(self.script, planning)
            if STOPS.index(self.last_stage) >= STOPS.index("render"):
                preflight(self.settings.render)
            # The voices too: a missing voice model, or one a character names that the backend lacks, stops here.
            self.speech_backend = load_backend("speech", self.settings.speech.backend)
            speech_preflight(self.speech_backend, self.bank.characters)

    def plan_shots(self) -> None:
        """2. The plan: from the planning graph, or the plan file given; plan.json written."""
        with self.stage("plan"):
            if self.plan_file:
                planned = PlanningOutcome(plan=read_plan(self.plan_file))
                check_plan_size(planned.plan, self.settings.planning, self.plan_file)
            else:
                # The person's edit is checked before planning is touched, so a mistake leaves the pause as it was.
                reviewed_plan = _reviewed_plan(self.workspace) if self.resume else None
                planned = make_plan(self.script, self.bank, self.settings, self.workspace, reviewed_plan=reviewed_plan)
            self.plan, self.awaiting_review = planned.plan, planned.awaiting_review
            # Running --review again while a review is pending keeps the edits already made to plan.json.
            if not (planned.paused_earlier and self.workspace.plan.exists()):
                write_text_atomic(self.workspace.plan, self.plan.model_dump_json(indent=2))
            if self.plan_file is None:
                # A crew's plan over the limits is kept to look at, but goes no further.
                check_plan_size(self.plan, self.settings.planning, self.workspace.plan)
        if self.awaiting_review:
            log.info("plan ready for review: edit %s, then resume", self.workspace.plan)
            return
        self.casting = cast_film(
            film_speakers(self.plan, self.bank), self.speech_backend, self.settings.speech.backend.kind, self.plan.language, self.workspace
        )
        for note in self.casting.notes:
            log.warning("voices: %s", note)

    def speak(self) -> None:
        """3. One WAV per line; 4. the timeline stretched to them, written to timeline.json."""
        with self.stage("speech", len(self.plan.lines())) as advance:
            self.spoken = speak_lines(self.plan, self.casting, self.speech_backend, self.settings.speech.backend, self.workspace, advance)
        with self.timer("timeline"):
            self.timeline = build_timeline(self.plan, self.spoken, self.settings.speech, self.settings.video.fps)
            write_text_atomic(self.workspace.root / "timeline.json", self.timeline.model_dump_json(indent=2))

    def render(self) -> None:
        """5. Each render phase over every shot: keyframes (with a keyframe backend), then clips.

        When the run goes on to the movie, 6-7. the soundtrack is made meanwhile on a thread of its own: it needs only
        the timeline, and the mix, one core and then the AAC encoder, fills what the render leaves of the others.
        """
        self.jobs = build_jobs(self.plan, self.timeline, self.bank, self.settings.video, self.settings.render, self.workspace)
        runner = load_backend("runner", self.settings.render.runner)
        soundtrack = _Background(self.make_soundtrack) if self.last_stage == "assemble" else None
        try:
            for phase in render_phases(self.settings.render):
                with self.stage(PHASE_STAGES[phase.family], len(self.jobs)) as advance:
                    self.rendered[phase.family] = render_phase(self.jobs, runner, phase, self.workspace, _shot_progress(advance))
        except KeyboardInterrupt:
            raise  # the process is ending: its daemon thread ends with it
        except BaseException:
            if soundtrack is not None:
                soundtrack.join()  # nothing of this run goes on writing in the folder once make_movie has returned
            raise
        if soundtrack is not None:
            soundtrack.result()
        counts = self._counts()
        log.info("render: %d clips rendered, %d reused; %d keyframes drawn", counts["clips_rendered"], counts["clips_cached"], counts["keyframes_rendered"])

    def make_soundtrack(self) -> None:
        """6. Subtitles; 7. the mix."""
        with self.timer("subtitles"):
            subtitles = build_subtitles(self.timeline, self.settings.subtitles, self.plan.language)
            write_subtitles(subtitles, self.workspace.subtitles)
            video = self.settings.video
            if video.burn_subtitles:
                size = {"width": video.width, "height": video.height}
                style = subtitle_rules(self.settings.subtitles, self.plan.language).burn_in
                write_burn_in(subtitles, self.workspace.burnt_subtitles, style, **size)
        with self.stage("mix"):
            seed = sum(shot.seed for shot in self.plan.shots()) % 2**32
            self.mix = make_mix(self.timeline, self.settings.audio, self.workspace, seed=seed)
            log.info("mix: %.1f LUFS, true peak %.1f dBTP", self.mix.integrated_lufs, self.mix.true_peak_dbtp)

    def assemble(self) -> None:
        """8. The movie from the clips and the soundtrack (made during the render), then its storyboard."""
        with self.stage("assemble", 2) as advance:
            clips = self.rendered["video"]
            self.movie = make_movie_file(self.plan, self.timeline, self.jobs, clips, self.settings.video, self.workspace, advance)
        log.info("wrote %s (%.1f s)", self.movie, self.timeline.duration_s())

    def result(self) -> MovieResult:
        finished = self.movie is not None
        return MovieResult(
            outdir=self.workspace.root,
            plan=self.workspace.plan,
            shots=len(self.plan.shots()),
            awaiting_review=self.awaiting_review,
            **self._counts(),
            movie=self.movie,
            subtitles=self.workspace.subtitles if finished else None,
            storyboard=self.workspace.storyboard if finished else None,
            duration_s=self.timeline.duration_s() if finished else 0.0,
            audio=self.mix,
            stage_seconds=self.timer.seconds,
            warnings=self.warnings,
        )

    def _counts(self) -> dict[str, int]:
        """keyframes_rendered, keyframes_cached, clips_rendered, clips_cached."""
        counts = {}
        for family, name in (("keyframe", "keyframes"), ("video", "clips")):
            files = self.rendered.get(family, [])
            counts[f"{name}_rendered"] = sum(not file.cached for file in files)
            counts[f"{name}_cached"] = sum(file.cached for file in files)
        return counts


class _Background:
    """`work` on a thread of its own: join() waits for it, result() raises what it raised. A daemon thread: Ctrl-C
    ends the run without waiting for it (what it leaves half-written is swept by the next run)."""

    def __init__(self, work: Callable[[], None]):
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name="movieagent-soundtrack", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # handed to the caller's thread by result()
            self._error = error

    def join(self) -> None:
        self._thread.join()

    def result(self) -> None:
        self.join()
        if self._error is not None:
            raise self._error


def make_plan(
    script: Script, bank: CharacterBank, settings: Settings, workspace: Workspace, *, reviewed_plan: Plan | None = None
) -> PlanningOutcome:
    """Runs the planning graph with the configured crew, checkpointed in the output folder.

    `reviewed_plan` resumes planning that paused for a person's review (settings.planning.human_review).
    """
    # LLM crews cache their replies and log their calls in the output folder, and read the role cards.
    in_workspace = {"cache_dir": workspace.llm_cache, "transcript": workspace.transcript, "role_cards": settings.planning.role_cards}
    crew = load_backend("crew", settings.planning.crew, defaults=in_workspace)
    check_output_folder(workspace.root)
    try:
        return run_planning(script, bank, crew, settings.planning, checkpoint=workspace.checkpoints, reviewed_plan=reviewed_plan)
    except sqlite3.DatabaseError as error:  # a full disk, as sqlite reports it
        fix = "free some space on the output folder's disk; a damaged file can be deleted to plan afresh"
        raise WriteError(workspace.checkpoints, f"planning checkpoints could not be saved ({error})", fix) from None
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


def _shot_progress(advance: Callable[..., None]) -> Callable[[ClipResult], None]:
    return lambda result: advance(shot_id=result.shot_id, reused=result.cached)


class _LogFile(logging.FileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        """Silent: a full disk is reported once, by the output that needs the space, not as a traceback per record."""


@contextlib.contextmanager
def _log_to(workspace: Workspace) -> Iterator[None]:
    try:
        handler = _LogFile(workspace.log, encoding="utf-8")
    except OSError as error:
        raise write_error(workspace.log, error) from None
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
