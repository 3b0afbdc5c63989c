"""Stage: plan + timeline + bank + settings -> one RenderJob per shot (pure: sizes, frame counts, paths, cache keys)."""

from __future__ import annotations

from pathlib import Path

from movieagent.cache import content_key, file_digest
from movieagent.config import RenderSettings, VideoSettings
from movieagent.schema import CharacterBank, JobCharacter, Plan, RenderJob, Timeline
from movieagent.workspace import Workspace


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

    jobs: list[RenderJob] = []
    for shot in plan.shots():
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
        images = [digest(job.location_image), *(digest(character.image) for character in characters)]
        job.cache_key = content_key(job.model_dump(mode="json", exclude={"cache_key", "output", "index"}), images, render.video)
        jobs.append(job)
    return jobs


def _even(pixels: int) -> int:
    # yuv420p needs even dimensions.
    return pixels - pixels % 2
