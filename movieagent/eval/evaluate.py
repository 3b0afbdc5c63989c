"""evaluate_movie(): a movie folder -> EvalReport, written into the folder as metrics.json and report.html.

    1. read       the folder (ours or MovieAgent's), and the script and bank when given
    2. sound      one pass over the sound track: speech activity, loudness; true peak and clipping by measure_audio
    3. picture    one pass over the picture: cuts, and a thumbnail per shot
    4. metrics    coverage, subtitle sync and style, audio, editing (pure functions of the above)
    5. vision     CLIP/DINO/ArcFace scores on frames sampled from each shot, when a model is named
    6. judge      an LLM's scores of the plan against the script, when a judge is named
    7. write      metrics.json, report.html, and the subtitles as WebVTT beside the movie (browsers read no SRT)
"""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from pydantic import ValidationError

from movieagent.config import BackendChoice, Settings
from movieagent.errors import InputError
from movieagent.eval.coverage import measure_coverage
from movieagent.eval.cues import read_cues, webvtt
from movieagent.eval.editing import detect_cuts, measure_editing, scan_video
from movieagent.eval.folder import MovieFolder, read_movie_folder
from movieagent.eval.judge import judge_movie
from movieagent.eval.loudness import measure_loudness
from movieagent.eval.page import render_html
from movieagent.eval.report import EvalReport, ShotRow, summarize
from movieagent.eval.soundtrack import SPEECH_FRAME_S, decode_soundtrack
from movieagent.eval.speech_activity import detect_speech
from movieagent.eval.subtitle_style import measure_subtitle_style
from movieagent.eval.subtitle_sync import TOLERANCE_S, SubtitleSyncMetrics, measure_subtitle_sync
from movieagent.ingest import load_bank, load_script
from movieagent.loudness import measure_audio
from movieagent.media import frame_from_clip
from movieagent.progress import StageProgress
from movieagent.schema import CharacterBank, Plan
from movieagent.workspace import Workspace, atomic_path, write_text_atomic

if TYPE_CHECKING:
    from movieagent.eval.vision import VisionMetrics, VisionOptions

METRICS_FILE, REPORT_FILE = "metrics.json", "report.html"
EVAL_FOLDER = "eval"  # thumbnails and sampled frames, inside the movie folder
FRAMES_PER_SHOT = (0.25, 0.5, 0.75)  # where in each shot the vision metrics look


def evaluate_movie(
    folder: Path,
    settings: Settings,
    *,
    script: Path | None = None,
    characters: Path | None = None,
    vision: VisionOptions | None = None,
    judge: BackendChoice | None = None,
) -> EvalReport:
    """Measures the movie in `folder` and writes FOLDER/metrics.json, FOLDER/report.html and, under FOLDER/eval/,
    the thumbnails (and frames sampled for the vision metrics).

    The subtitle rules and the loudness targets are `settings`' (the ones the movie was made to). `script` and
    `characters` add the checks against the script and the bank; `vision` (needs torch) and `judge` add the scores
    that need models. Measurements a folder has no input for (no sound track, no subtitles) are None.
    """
    # 1. Read: everything that can be wrong with the inputs is found before any decoding.
    movie = read_movie_folder(folder)
    loaded_script = load_script(script) if script else None
    bank = load_bank(characters) if characters else None
    if judge is not None and loaded_script is None:
        raise InputError("the judge compares the plan with its script", fix="pass the script with --script")
    cues = read_cues(movie.subtitles) if movie.subtitles else None
    evaluation_files = movie.root / EVAL_FOLDER

    with StageProgress(settings.progress) as stages:
        # 2. Sound: one pass for speech and loudness; measure_audio for the BS.1770 figures.
        speech = audio = None
        if movie.video.has_audio:
            with stages.stage("sound", 1):
                soundtrack = decode_soundtrack(movie.movie)
                speech = detect_speech(soundtrack.speech_band_db, SPEECH_FRAME_S)
                audio = measure_loudness(measure_audio(movie.movie), soundtrack, movie.timeline)

        # 3. Picture: one pass for the cuts and the thumbnails.
        with stages.stage("picture", 1):
            middles = _middle_frames(movie)
            scan = scan_video(movie.movie, movie.video, set(middles.values()))
            thumbnails = _write_thumbnails(scan.frames, middles, movie, evaluation_files)

        # 4. Metrics.
        sync = measure_subtitle_sync(cues, speech) if cues is not None and speech is not None else None
        report = EvalReport(
            title=movie.plan.title,
            folder=movie.root,
            layout=movie.layout,
            evaluated_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            movie=_relative(movie.movie, movie.root),
            subtitles_vtt=_relative(movie.movie.with_suffix(".vtt"), movie.root) if cues is not None else None,
            storyboard_pages=[_relative(page, movie.root) for page in movie.storyboard_pages],
            duration_s=movie.video.duration_s,
            width=movie.video.width,
            height=movie.video.height,
            fps=movie.video.fps,
            script=Path(script).resolve() if script else None,
            characters=Path(characters).resolve() if characters else None,
            coverage=measure_coverage(
                movie.plan,
                script=loaded_script,
                subtitle_texts=[cue.text for cue in cues] if cues is not None else None,
                timeline=movie.timeline,
                speech=speech,
                bank=bank,
            ),
            speech=speech,
            subtitle_sync=sync,
            subtitle_style=measure_subtitle_style(cues, settings.subtitles) if cues is not None else None,
            audio=audio,
            editing=measure_editing(detect_cuts(scan.differences), movie.timeline, movie.plan),
            planning=movie.plan.answers,
            shots=[],
        )

        # 5. and 6. The scores that need models, when asked for.
        vision_metrics = None
        if vision is not None:
            with stages.stage("vision", 1):
                vision_metrics = _measure_vision(movie, bank, vision, evaluation_files)
            report.vision = vision_metrics.model_dump(mode="json")
        if judge is not None:
            with stages.stage("judge", 1):
                report.judge = judge_movie(Path(script).read_text(encoding="utf-8"), movie.plan, _kept_in(judge, movie.root))

    report.shots = _shot_rows(movie, report, thumbnails, sync, vision_metrics)
    report.summary = summarize(report, settings.audio)

    # 7. Write.
    subtitles = webvtt(cues) if cues is not None else None
    if subtitles is not None and report.subtitles_vtt:
        write_text_atomic(movie.root / report.subtitles_vtt, subtitles)
    write_text_atomic(movie.root / METRICS_FILE, report.model_dump_json(indent=2))
    write_text_atomic(movie.root / REPORT_FILE, render_html(report, movie.plan, settings.audio, subtitles))
    return report


def vision_options(*, clip_model: str | None, dino_model: str | None, arcface_model: str | None, device: str) -> VisionOptions | None:
    """The vision metrics' options when any model is named (None otherwise); torch is imported only then."""
    if not (clip_model or dino_model or arcface_model):
        return None
    try:
        from movieagent.eval.vision import VisionOptions
    except ImportError as error:
        raise InputError(f"the vision metrics need torch and transformers ({error})", fix="pip install -e '.[gpu]'") from None
    try:
        return VisionOptions(clip_model=clip_model, dino_model=dino_model, arcface_model=arcface_model, device=device)
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(f"vision option '{'.'.join(map(str, first['loc']))}': {first['msg']}", fix="device is cpu, cuda, cuda:N or mps") from None


def _kept_in(judge: BackendChoice, root: Path) -> BackendChoice:
    """The judge's replies cached and its calls logged in the movie folder, as the planning crew's are, unless its
    profile says where: a second evaluation asks the model nothing again."""
    workspace = Workspace(root)
    return BackendChoice(**{"cache_dir": workspace.llm_cache, "transcript": workspace.transcript, **judge.model_dump()})


def _middle_frames(movie: MovieFolder) -> dict[str, int]:
    frames, middles = 0, {}
    for timing in movie.timeline.shots:
        middles[timing.shot_id] = frames + timing.num_frames // 2
        frames += timing.num_frames
    return middles


def _write_thumbnails(frames: dict[int, Image.Image], middles: dict[str, int], movie: MovieFolder, folder: Path) -> dict[str, str]:
    """Shot id -> its thumbnail PNG, relative to the movie folder."""
    written = {}
    for timing in movie.timeline.shots:
        picture = frames.get(middles[timing.shot_id])
        if picture is None:
            continue  # the movie is shorter than its timeline says
        path = folder / "thumbnails" / f"shot_{timing.index:04d}_{timing.shot_id}.png"
        with atomic_path(path) as temporary:
            picture.save(temporary, format="PNG")
        written[timing.shot_id] = _relative(path, movie.root)
    return written


def _measure_vision(movie: MovieFolder, bank: CharacterBank | None, options: VisionOptions, folder: Path) -> VisionMetrics:
    # torch is imported here, only when vision metrics are asked for: it is an optional dependency.
    from movieagent.eval.vision import ShotSample, measure_vision

    shots = {shot.id: shot for shot in movie.plan.shots()}
    duration = movie.video.duration_s

    def sample(timing_index: int) -> list[Path]:
        timing = movie.timeline.shots[timing_index]
        paths = []
        for number, fraction in enumerate(FRAMES_PER_SHOT, start=1):
            seconds = timing.start_s + fraction * timing.duration_s
            path = folder / "frames" / f"shot_{timing.index:04d}_{timing.shot_id}_{number}.png"
            with atomic_path(path) as temporary:
                frame_from_clip(movie.movie, seconds / duration, duration_s=duration).save(temporary, format="PNG")
            paths.append(path)
        return paths

    # Each grab is an ffmpeg process that mostly waits on decoding, so two at a time use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        frames = list(pool.map(sample, range(len(movie.timeline.shots))))
    samples = []
    for timing, shot_frames in zip(movie.timeline.shots, frames):
        shot = shots.get(timing.shot_id)
        placed = shot.characters if shot else []
        samples.append(
            ShotSample(
                shot_id=timing.shot_id,
                prompt=shot.prompt or shot.action if shot else "",
                character_ids=[character.character_id for character in placed],
                frames=shot_frames,
                boxes={character.character_id: (character.box.x, character.box.y, character.box.w, character.box.h) for character in placed},
            )
        )
    return measure_vision(samples, _references(movie.plan, bank), options)


def _references(plan: Plan, bank: CharacterBank | None) -> dict[str, list[Path]]:
    """Each cast member's reference pictures from the bank, found by id or by name."""
    if bank is None:
        return {}
    references = {}
    for member in plan.cast:
        character = bank.find_character(member.id) or bank.find_character(member.name)
        if character and character.images:
            references[member.id] = list(character.images)
    return references


def _shot_rows(
    movie: MovieFolder,
    report: EvalReport,
    thumbnails: dict[str, str],
    sync: SubtitleSyncMetrics | None,
    vision: VisionMetrics | None,
) -> list[ShotRow]:
    shots = {shot.id: shot for shot in movie.plan.shots()}
    names = {member.id: member.name for member in movie.plan.cast}
    loudness = {shot.shot_id: shot.lufs for shot in report.audio.shots} if report.audio else {}
    scores = {shot.shot_id: shot for shot in vision.shots} if vision else {}
    unknown = [(found.shot_id, found.character_id) for found in report.coverage.unknown_characters]
    checked_against = report.coverage.characters_checked_against
    missed = {cut.shot_id for cut in report.editing.missed}
    rows = []
    for timing in movie.timeline.shots:
        shot, end_s = shots.get(timing.shot_id), timing.start_s + timing.duration_s
        in_shot = [cue for cue in (sync.per_cue if sync else []) if timing.start_s <= cue.start_s < end_s]
        offsets = [cue.start_offset_ms for cue in in_shot if cue.start_offset_ms is not None]
        score = scores.get(timing.shot_id)
        problems = [f"{names.get(character_id, character_id)} is not in the {checked_against}" for shot_id, character_id in unknown if shot_id == timing.shot_id]
        if timing.shot_id in missed:
            problems.append("no cut found where this shot starts")
        if report.audio and any(passage.start_s < end_s and passage.end_s > timing.start_s for passage in report.audio.clipped_passages):
            problems.append("clipped audio")
        if any(abs(offset) > TOLERANCE_S * 1000 for offset in offsets):
            problems.append("a subtitle more than 100 ms off its speech")
        rows.append(
            ShotRow(
                index=timing.index,
                shot_id=timing.shot_id,
                scene_id=shot.scene_id if shot else None,
                start_s=round(timing.start_s, 3),
                duration_s=round(timing.duration_s, 3),
                thumbnail=thumbnails.get(timing.shot_id),
                size=shot.size.value if shot else None,
                movement=shot.movement.value if shot else None,
                characters=[names.get(placed.character_id, placed.character_id) for placed in shot.characters] if shot else [],
                first_line=shot.lines[0].text if shot and shot.lines else None,
                lufs=loudness.get(timing.shot_id),
                subtitle_offset_ms=round(float(np.mean(offsets)), 1) if offsets else None,
                clip_t=score.clip_t if score else None,
                clip_i=_mean(score.clip_i.values()) if score else None,
                dino=_mean(score.dino.values()) if score else None,
                ws_fc=score.ws_fc if score else None,
                problems=problems,
            )
        )
    return rows


def _mean(values) -> float | None:
    values = list(values)
    return round(float(np.mean(values)), 4) if values else None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
