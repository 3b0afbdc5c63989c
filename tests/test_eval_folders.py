"""Reading movie folders: a showlab/MovieAgent results folder is measured like ours; anything else is refused clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from movieagent.errors import InputError
from movieagent.eval import evaluate_movie, read_movie_folder
from movieagent.media import run_ffmpeg
from movieagent.schema import Plan
from tests.eval_movies import BANK, SETTINGS, clean_movie, timeline_of


@pytest.fixture(scope="session")
def movie(tmp_path_factory):
    return clean_movie(tmp_path_factory)


def as_movieagent_results(movie: Path, results: Path) -> Path:
    """Our movie laid out as MovieAgent's run.py lays out its own: the shot list, a clip per shot, the joined video."""
    plan = Plan.model_validate_json((movie / "plan.json").read_text(encoding="utf-8"))
    names = {member.id: member.name for member in plan.cast}
    clips = {timing.shot_id: movie / "clips" / f"shot_{timing.index:04d}_{timing.shot_id}.mp4" for timing in timeline_of(movie).shots}
    run = results / "Results" / "lighthouse" / "gpt4-o_ROICtrl_HunyuanVideo_I2V"
    (run / "video").mkdir(parents=True)
    scenes = {}
    for scene_number, scene in enumerate(plan.scenes, start=1):
        shots = {}
        for shot_number, shot in enumerate(scene.shots, start=1):
            shots[f"Shot {shot_number}"] = {
                "Involving Characters": {
                    names[placed.character_id]: [placed.box.x, placed.box.y, placed.box.x + placed.box.w, placed.box.y + placed.box.h]
                    for placed in shot.characters
                    if 0 <= placed.box.x and placed.box.x + placed.box.w <= 1 and 0 <= placed.box.y and placed.box.y + placed.box.h <= 1
                },
                "Plot/Visual Description": shot.prompt,
                "Coarse Plot": shot.action,
                "Shot Type": shot.size.value.replace("_", " ") + " shot",
                "Camera Movement": shot.movement.value.replace("_", " "),
                "Subtitles": {names[line.speaker_id]: line.text for line in shot.lines},
            }
            shutil.copy(clips[shot.id], run / "video" / f"Sub-Script_1|Scene_{scene_number}|Shot_{shot_number}.mp4")
        scenes[f"Scene {scene_number}"] = {"Plot": scene.summary, "Scene Description": scene.heading, "Shot Annotation": {"Shot": shots}}
    shot_list = {"Relationships": {}, "Sub-Script": {"Sub-Script 1": {"Plot": plan.logline, "Scene Annotation": {"Scene": scenes}}}}
    (run / "Step_3_shot_results.json").write_text(json.dumps(shot_list, indent=4), encoding="utf-8")
    # Final() joins the clips in sorted file-name order, without sound.
    joined = sorted(path for path in (run / "video").glob("*.mp4"))
    (run / "concat.txt").write_text("".join(f"file '{path}'\n" for path in joined), encoding="utf-8")
    run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(run / "concat.txt"), "-an", "-c", "copy", str(run / "video" / "final_video.mp4")], what="joining")
    return run


def test_a_movieagent_results_folder_is_measured_like_ours(movie, tmp_path):
    run = as_movieagent_results(movie.folder, tmp_path)
    ours = Plan.model_validate_json((movie.folder / "plan.json").read_text(encoding="utf-8"))

    report = evaluate_movie(run.parent, SETTINGS, characters=BANK)  # Results/<movie>/ with its one run inside

    assert (report.layout, report.title, report.folder) == ("showlab", "lighthouse", run)
    assert len(report.shots) == len(ours.shots())
    assert [row.first_line for row in report.shots] == [shot.lines[0].text if shot.lines else None for shot in ours.shots()]
    assert (report.editing.precision, report.editing.recall) == (1.0, 1.0)
    assert report.editing.planned_cuts == len(ours.shots()) - 1
    # No sound and no subtitle file in MovieAgent's output: those measurements are absent, not failed.
    assert report.audio is report.subtitle_sync is report.subtitle_style is report.subtitles_vtt is None
    assert (report.coverage.reference, report.coverage.lines, report.coverage.lines_in_order) == ("plan", len(ours.lines()), len(ours.lines()))
    assert report.coverage.unknown_characters == []
    for row in report.shots:
        with Image.open(run / row.thumbnail) as thumbnail:
            assert thumbnail.format == "PNG" and thumbnail.width == 320
    page = (run / "report.html").read_text(encoding="utf-8")
    assert 'src="video/final_video.mp4"' in page and "<track kind" not in page
    assert json.loads((run / "metrics.json").read_text(encoding="utf-8"))["layout"] == "showlab"


def test_a_folder_that_is_no_movie_is_refused_with_the_fix(tmp_path):
    (tmp_path / "notes.txt").write_text("not a movie", encoding="utf-8")
    with pytest.raises(InputError, match="neither a movieagent output folder nor a MovieAgent results folder") as caught:
        read_movie_folder(tmp_path)
    assert "Step_3_shot_results.json" in caught.value.fix and "plan.json" in caught.value.fix


def test_an_unfinished_movie_is_refused(movie, tmp_path):
    shutil.copy(movie.folder / "plan.json", tmp_path / "plan.json")
    with pytest.raises(InputError, match="movie.mp4 is missing"):
        read_movie_folder(tmp_path)


def test_several_movieagent_runs_must_be_told_apart(tmp_path):
    for models in ("gpt4-o_ROICtrl_SVD", "deepseek-v3_ROICtrl_SVD"):
        (tmp_path / models).mkdir()
        (tmp_path / models / "Step_3_shot_results.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="2 MovieAgent runs in this folder: deepseek-v3_ROICtrl_SVD, gpt4-o_ROICtrl_SVD"):
        read_movie_folder(tmp_path)
