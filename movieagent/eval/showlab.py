"""showlab/MovieAgent's results folder, read as a Plan and a Timeline so that its movies are measured like ours.

MovieAgent (movie_agent/run.py) writes one folder per movie and model set, `Results/<movie>/<LLM>_<image>_<video>/`:
  Step_1_script_results.json   sub-scripts
  Step_2_scene_results.json    ... with their scenes
  Step_3_shot_results.json     ... with their shots: "Involving Characters" {name: [x1, y1, x2, y2]},
                               "Plot/Visual Description", "Shot Type", "Camera Movement", "Subtitles" {name: line}
  video/<Sub-Script_1>|<Scene_1>|<Shot_1>.jpg and .mp4   one keyframe and one clip per shot (spaces made '_')
  video/final_video.mp4        the clips joined in file-name order, without sound; there is no subtitle file
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from movieagent.errors import InputError
from movieagent.eval.probe import probe_video
from movieagent.files import parse, read_text
from movieagent.ingest.plan_file import MAX_PLAN_BYTES
from movieagent.media import MediaInfo
from movieagent.schema import (
    Box,
    CameraMovement,
    CastMember,
    CharacterInShot,
    Line,
    LocationSheet,
    Plan,
    Scene,
    Shot,
    ShotSize,
    ShotTiming,
    Timeline,
    slugify,
)

SHOTS_FILE = "Step_3_shot_results.json"
FINAL_VIDEO = Path("video") / "final_video.mp4"
# A shot without a clip is not in the movie; it still needs a positive planned length to be a valid Shot.
UNRENDERED_SHOT_S = 1.0
CENTRE_BOX = Box(x=0.25, y=0.1, w=0.5, h=0.9)
# First match wins, so the longer names come before the words they contain.
SIZE_WORDS = [
    ("extreme close", ShotSize.extreme_close_up),
    ("medium close", ShotSize.medium_close_up),
    ("close", ShotSize.close_up),
    ("extreme wide", ShotSize.extreme_wide),
    ("establishing", ShotSize.extreme_wide),
    ("medium wide", ShotSize.medium_wide),
    ("medium long", ShotSize.medium_wide),
    ("full", ShotSize.full),
    ("wide", ShotSize.wide),
    ("long", ShotSize.wide),
]
MOVEMENT_WORDS = [
    ("pan left", CameraMovement.pan_left),
    ("pan", CameraMovement.pan_right),
    ("tilt up", CameraMovement.tilt_up),
    ("tilt", CameraMovement.tilt_down),
    ("zoom out", CameraMovement.zoom_out),
    ("zoom", CameraMovement.zoom_in),
    ("pull", CameraMovement.dolly_out),
    ("dolly out", CameraMovement.dolly_out),
    ("dolly", CameraMovement.dolly_in),
    ("push", CameraMovement.dolly_in),
    ("track", CameraMovement.dolly_in),
]


class ShowlabResults(NamedTuple):
    run: Path  # the results folder itself, when `root` held it
    plan: Plan
    timeline: Timeline
    movie: Path
    video: MediaInfo


def is_showlab_results(root: Path) -> bool:
    """Whether `root` is a MovieAgent results folder, or holds one (Results/<movie>/ with its one model set)."""
    return _run_folder(root) is not None


def read_showlab_results(root: Path) -> ShowlabResults:
    # 1. Check inputs: the shot list and the final video.
    run = _run_folder(root)
    if run is None:
        raise InputError("not a MovieAgent results folder", path=root, fix=f"pass the folder that holds {SHOTS_FILE}")
    shots_file, movie = run / SHOTS_FILE, run / FINAL_VIDEO
    for needed in (shots_file, movie):
        if not needed.is_file():
            raise InputError(
                f"{needed.relative_to(run)} is missing from this MovieAgent results folder",
                path=run,
                fix="let MovieAgent's run.py finish (ShotPlotCreate writes the shot list, Final() the video)",
            )
    missing_fix = "let MovieAgent's run.py finish (ShotPlotCreate writes the shot list)"
    text = read_text(shots_file, what="shot list", max_bytes=MAX_PLAN_BYTES, missing_fix=missing_fix)
    data = parse(text, shots_file, format="json").data

    # 2. The shot list as a plan; each clip found by the name MovieAgent gives it.
    plan, clip_names = _plan(data, shots_file, title=run.parent.name or run.name)
    video = probe_video(movie)
    clip_files = sorted(path for path in (run / "video").glob("*.mp4") if path.name != FINAL_VIDEO.name)
    shot_of_clip = {name: shot_id for shot_id, name in clip_names.items()}
    clips = {shot_of_clip.get(path.name, slugify(path.stem)): path for path in clip_files}
    lengths = {shot_id: probe_video(path).duration_s for shot_id, path in clips.items()}
    for scene in plan.scenes:
        for shot in scene.shots:
            shot.duration_s = min(120.0, lengths.get(shot.id, UNRENDERED_SHOT_S)) or UNRENDERED_SHOT_S

    # 3. The timeline: Final() joins the clips in sorted file-name order ("Shot_10" before "Shot_2"), not plan order.
    return ShowlabResults(run=run, plan=plan, timeline=_timeline(clips, lengths, video.fps), movie=movie, video=video)


def _run_folder(root: Path) -> Path | None:
    def is_run(folder: Path) -> bool:
        return (folder / SHOTS_FILE).is_file() or (folder / FINAL_VIDEO).is_file()

    if is_run(root):
        return root
    runs = sorted(child for child in root.iterdir() if child.is_dir() and is_run(child))
    if len(runs) > 1:
        raise InputError(
            f"{len(runs)} MovieAgent runs in this folder: {', '.join(run.name for run in runs)}",
            path=root,
            fix="pass one of them",
        )
    return runs[0] if runs else None


def _plan(data: Any, source: Path, *, title: str) -> tuple[Plan, dict[str, str]]:
    """The plan, and each shot's clip file name."""
    scenes: list[Scene] = []
    locations: list[LocationSheet] = []
    cast: dict[str, CastMember] = {}
    clip_names: dict[str, str] = {}
    lines_so_far = 0
    for sub_name, sub_script in _mapping(data, "Sub-Script", source).items():
        for scene_name, scene in _mapping(_mapping(sub_script, "Scene Annotation", source), "Scene", source).items():
            scene_id = slugify(f"{sub_name} {scene_name}")
            shots = []
            for shot_name, shot in _mapping(_mapping(scene, "Shot Annotation", source), "Shot", source).items():
                shot_id = slugify(f"{sub_name} {scene_name} {shot_name}")
                clip_names[shot_id] = f"{sub_name}|{scene_name}|{shot_name}.mp4".replace(" ", "_")
                involved = _involved(shot.get("Involving Characters"))
                characters = [CharacterInShot(character_id=slugify(name), box=box) for name, box in involved]
                lines = []
                for name, text in _mapping(shot, "Subtitles", source, required=False).items():
                    if isinstance(text, str) and text.strip():
                        lines_so_far += 1
                        lines.append(Line(id=f"line-{lines_so_far:04d}", speaker_id=slugify(name), text=text.strip()))
                        cast.setdefault(slugify(name), CastMember(id=slugify(name), name=name))
                for name, _ in involved:
                    cast.setdefault(slugify(name), CastMember(id=slugify(name), name=name))
                description = str(shot.get("Plot/Visual Description") or shot.get("Coarse Plot") or "")
                shots.append(
                    Shot(
                        id=shot_id,
                        scene_id=scene_id,
                        size=_by_words(shot.get("Shot Type"), SIZE_WORDS, ShotSize.medium),
                        movement=_by_words(shot.get("Camera Movement"), MOVEMENT_WORDS, CameraMovement.static),
                        characters=characters,
                        action=description,
                        lines=lines,
                        duration_s=UNRENDERED_SHOT_S,
                        prompt=description,
                    )
                )
            if shots:
                heading, summary = f"{sub_name}: {scene_name}", str(scene.get("Plot") or "")
                scenes.append(Scene(id=scene_id, index=len(scenes) + 1, heading=heading, location_id=scene_id, summary=summary, shots=shots))
                description = str(scene.get("Scene Description") or summary or heading)
                locations.append(LocationSheet(id=scene_id, name=heading, description=description))
    if not scenes:
        raise InputError("the shot list has no shots", path=source, fix="let MovieAgent's ShotPlotCreate step finish")
    return Plan(title=title, source=source, cast=list(cast.values()), locations=locations, scenes=scenes), clip_names


def _mapping(parent: Any, key: str, source: Path, *, required: bool = True) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(value, dict):
        return value
    if value is None and not required:
        return {}
    raise InputError(f"expected an object under \"{key}\"", path=source, fix="restore the file MovieAgent wrote")


def _involved(characters: Any) -> list[tuple[str, Box]]:
    """{name: [x1, y1, x2, y2]} (normalised corners) or a plain list of names, as MovieAgent's prompts ask for."""
    if isinstance(characters, list):
        return [(name, CENTRE_BOX) for name in characters if isinstance(name, str) and name.strip()]
    if not isinstance(characters, dict):
        return []
    placed = []
    for name, corners in characters.items():
        box = CENTRE_BOX
        if isinstance(corners, list) and len(corners) == 4 and all(isinstance(value, (int, float)) for value in corners):
            x1, y1, x2, y2 = corners
            if 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1:
                box = Box(x=x1, y=y1, w=x2 - x1, h=y2 - y1)
        placed.append((name, box))
    return placed


def _by_words(text: Any, table: list[tuple[str, Any]], default: Any) -> Any:
    wanted = str(text or "").lower().replace("-", " ")
    return next((value for words, value in table if words in wanted), default)


def _timeline(clips: dict[str, Path], lengths: dict[str, float], fps: float) -> Timeline:
    """The clips end to end in file-name order, each a whole number of frames long."""
    rate = max(1, round(fps))
    shots, frames_so_far = [], 0
    for index, (shot_id, clip) in enumerate(sorted(clips.items(), key=lambda item: item[1].name), start=1):
        frames = max(1, round(lengths[shot_id] * rate))
        shots.append(ShotTiming(shot_id=shot_id, index=index, start_s=frames_so_far / rate, duration_s=frames / rate, num_frames=frames))
        frames_so_far += frames
    return Timeline(fps=rate, shots=shots)
