"""Stage: plan + timeline + bank + settings -> one RenderJob per shot (pure: sizes, frame counts, paths, cache keys).

With a keyframe backend each job also gets its keyframe's path and content key, and its clip's key depends
on that keyframe (a new keyframe means a new clip). With `continuity`, a shot that the next one continues
(see `continues_take`) ends on the next shot's keyframe.
"""

from __future__ import annotations

from pathlib import Path

from movieagent.cache import content_key, file_digest
from movieagent.config import RenderSettings, VideoSettings
from movieagent.schema import Box, CharacterBank, JobCharacter, Plan, RenderJob, Shot, Timeline, Transition
from movieagent.workspace import Workspace

# Derived from the content (paths, keys) or only where the shot sits (its number): a moved shot keeps its files.
DERIVED_FIELDS = {"cache_key", "keyframe_key", "output", "keyframe", "end_keyframe", "index"}
# What the still a shot starts from does not depend on: its length, motion, transitions and encoding.
CLIP_ONLY_FIELDS = {"num_frames", "fps", "motion_prompt", "transition_in", "transition_out", "crf", "preset"}
# How far (in frame widths/heights) a character's box may move between two shots of the same take.
SAME_PLACE_TOLERANCE = 0.1


def build_jobs(
    plan: Plan,
    timeline: Timeline,
    bank: CharacterBank,
    video: VideoSettings,
    render: RenderSettings,
    workspace: Workspace,
) -> list[RenderJob]:
    timings = {timing.shot_id: timing for timing in timeline.shots}
    scenes = {scene.id: scene for scene in plan.scenes}
    sheets = {sheet.id: sheet for sheet in plan.locations}
    cast = {member.id: member for member in plan.cast}
    bank_characters = {character.id: character for character in bank.characters}
    digests: dict[Path, str] = {}

    def digest(path: Path | None) -> str | None:
        # Editing a reference image must invalidate the clips that show it.
        if path is None:
            return None
        if path not in digests:
            digests[path] = file_digest(path)
        return digests[path]

    shots = plan.shots()
    jobs: list[RenderJob] = []
    images: list[list[str | None]] = []
    for shot in shots:
        timing = timings[shot.id]
        scene = scenes[shot.scene_id]
        sheet = sheets.get(scene.location_id)
        speakers = {line.speaker_id for line in shot.lines if not line.off_screen}
        characters = []
        for placed in shot.characters:
            known = bank_characters.get(placed.character_id)
            characters.append(
                JobCharacter(
                    character_id=placed.character_id,
                    name=known.name if known else cast[placed.character_id].name,
                    image=known.images[0] if known and known.images else None,
                    color=known.color if known else "#888888",
                    box=placed.box,
                    facing=placed.facing,
                    speaking=placed.character_id in speakers,
                    extra=known.extra if known else cast[placed.character_id].extra,
                )
            )
        job = RenderJob(
            shot_id=shot.id,
            index=timing.index,
            scene_heading=scene.heading,
            location_name=sheet.name if sheet else scene.location_id,
            location_image=sheet.reference_image if sheet else None,
            location_image_time_of_day=bank_location.time_of_day if (bank_location := bank.location(scene.location_id)) else "",
            time_of_day=scene.time_of_day,
            interior=scene.interior,
            width=_even(video.width),
            height=_even(video.height),
            fps=video.fps,
            num_frames=timing.num_frames,
            size=shot.size,
            angle=shot.angle,
            movement=shot.movement,
            transition_in=shot.transition_in,
            transition_out=shot.transition_out,
            characters=characters,
            action=shot.action,
            prompt=shot.prompt,
            motion_prompt=shot.motion_prompt,
            seed=shot.seed,
            crf=video.crf,
            preset=video.preset,
            output=workspace.clip(timing.index, shot.id).relative_to(workspace.root),
            cache_key="",
        )
        if render.keyframe is not None:
            job.keyframe = workspace.keyframe(timing.index, shot.id).relative_to(workspace.root)
        jobs.append(job)
        images.append([digest(job.location_image), *(digest(character.image) for character in characters)])

    # Keys last: a clip that ends on the next shot's keyframe depends on that keyframe too.
    if render.keyframe is not None:
        for job, digests_of_job in zip(jobs, images):
            still = job.model_dump(mode="json", exclude=DERIVED_FIELDS | CLIP_ONLY_FIELDS)
            job.keyframe_key = content_key(still, digests_of_job, render.keyframe)
        if render.continuity:
            for shot, next_shot, job, next_job in zip(shots, shots[1:], jobs, jobs[1:]):
                if continues_take(shot, next_shot):
                    job.end_keyframe = next_job.keyframe
    for position, (job, digests_of_job) in enumerate(zip(jobs, images)):
        end_key = jobs[position + 1].keyframe_key if job.end_keyframe else None
        job.cache_key = content_key(
            job.model_dump(mode="json", exclude=DERIVED_FIELDS), digests_of_job, render.video, job.keyframe_key, end_key
        )
    return jobs


def continues_take(shot: Shot, next_shot: Shot) -> bool:
    """The next shot goes on with the same take: same scene, camera size and angle, joined by a cut, and the same
    characters standing about where they stood (a reverse angle on the same two people moves them: not the same take).

    Then the first shot can end on the next one's keyframe and the cut between them does not jump.
    """
    boxes = {placed.character_id: placed.box for placed in shot.characters}
    next_boxes = {placed.character_id: placed.box for placed in next_shot.characters}
    return (
        shot.scene_id == next_shot.scene_id
        and (shot.size, shot.angle) == (next_shot.size, next_shot.angle)
        and shot.transition_out is Transition.cut
        and next_shot.transition_in is Transition.cut
        and boxes.keys() == next_boxes.keys()
        and all(_same_place(boxes[character], next_boxes[character]) for character in boxes)
    )


def _same_place(box: Box, other: Box) -> bool:
    sides, other_sides = (box.x, box.y, box.w, box.h), (other.x, other.y, other.w, other.h)
    return all(abs(a - b) <= SAME_PLACE_TOLERANCE for a, b in zip(sides, other_sides))


def _even(pixels: int) -> int:
    # yuv420p needs even dimensions.
    return pixels - pixels % 2
