"""Studio projects on disk: one folder per project, made from a shipped example or from uploads.

PROJECTS/<name>/
  project.json         name, title, profile, script file name, creation time
  <script>.fountain    the script, copied or uploaded (.fountain, .md, .txt or .json)
  bank/                the character bank, copied or extracted from the uploaded zip
  plan.json            the plan the studio edits; every render reads it (make_movie(plan_file=...))
  out/                 the movie folder (movieagent/workspace.py): movie.mp4, movie.srt, clips/, ...
  studio/thumbs/       one picture per rendered clip, for the plan's cards

A project is built in a hidden staging folder and renamed into place once its script and bank have
been checked together, so a refused upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from movieagent.config import Settings, find_profile, load_settings
from movieagent.errors import InputError, InputErrors, MovieAgentError
from movieagent.ingest import check_inputs, read_plan
from movieagent.media import frame_from_clip
from movieagent.resources import resource_dir, shipped_profiles
from movieagent.schema import ID_PATTERN, slugify
from movieagent.studio.uploads import UploadLimits, copy_limited, extract_bank, save_script
from movieagent.workspace import Workspace, atomic_path, write_text_atomic

PROJECT_FILE = "project.json"
# Shipped examples: (id, title, script under examples/, bank under character_bank/).
EXAMPLES = (
    (
        "the-lighthouse-keeper",
        "The Lighthouse Keeper (short film, 3 scenes)",
        "short/the-lighthouse-keeper.fountain",
        "lighthouse",
    ),
    ("the-foghorn", "The Foghorn (prose synopsis)", "synopsis/the-foghorn.md", "lighthouse"),
    ("borrowed-sugar", "Borrowed Sugar (long film, 3 min)", "long/borrowed-sugar.fountain", "borrowed-sugar"),
)
THUMBNAIL_SIZE = (384, 216)
_CLIP_NAME = re.compile(r"^shot_\d{4}_([a-z0-9][a-z0-9_-]*)\.mp4$")


class NotFound(MovieAgentError):
    """No such project or file: answered 404."""


class Conflict(MovieAgentError):
    """A request that clashes with what the project is doing or holds now: answered 409."""


class PlanRejected(InputErrors):
    """An edited plan that does not validate: answered 422 with every problem."""


class ProjectInfo(BaseModel):
    name: str
    title: str
    profile: str
    script: str
    created: float


class Example(BaseModel):
    id: str
    title: str
    script: Path
    bank: Path


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def info(self) -> ProjectInfo:
        return ProjectInfo.model_validate_json((self.root / PROJECT_FILE).read_text(encoding="utf-8"))

    @property
    def script(self) -> Path:
        return self.root / self.info.script

    @property
    def bank(self) -> Path:
        return self.root / "bank"

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.root / "out")

    @property
    def thumbnails(self) -> Path:
        return self.root / "studio" / "thumbs"

    def plan_version(self) -> str | None:
        """A digest of plan.json: pages compare it to notice edits made elsewhere."""
        try:
            return hashlib.sha256(self.plan.read_bytes()).hexdigest()[:16]
        except FileNotFoundError:
            return None

    def movie_version(self) -> str | None:
        try:
            return format(self.workspace.movie.stat().st_mtime_ns, "x")
        except FileNotFoundError:
            return None

    def clips(self) -> dict[str, Path]:
        """The rendered clip of each shot, by shot id (clips/ holds only the last render's clips)."""
        if not self.workspace.clips.is_dir():
            return {}
        return {match[1]: clip for clip in self.workspace.clips.iterdir() if (match := _CLIP_NAME.match(clip.name))}

    def thumbnail(self, shot_id: str) -> Path:
        """A JPEG from the middle of the shot's rendered clip, made once per clip."""
        clip = self.clips().get(shot_id)
        if clip is None:
            raise NotFound(f"shot '{shot_id}' has no rendered clip yet")
        made = clip.stat()
        target = self.thumbnails / f"{shot_id}.{made.st_mtime_ns:x}.{made.st_size:x}.jpg"
        if not target.exists():
            picture = frame_from_clip(clip).convert("RGB")
            picture.thumbnail(THUMBNAIL_SIZE)
            with atomic_path(target) as temporary:
                picture.save(temporary, "JPEG", quality=85)
            # '.' is not in the id alphabet, so this finds this shot's older pictures only.
            for older in self.thumbnails.glob(f"{shot_id}.*.jpg"):
                if older != target:
                    older.unlink(missing_ok=True)
        return target


def shipped_examples() -> list[Example]:
    """The examples of a source checkout (or a wheel that carries them); none where they are not installed."""
    try:
        scripts, banks = resource_dir("examples"), resource_dir("character_bank")
    except FileNotFoundError:
        return []
    examples = [Example(id=id_, title=title, script=scripts / script, bank=banks / bank) for id_, title, script, bank in EXAMPLES]
    return [example for example in examples if example.script.is_file() and example.bank.is_dir()]


class ProjectStore:
    """Every project under one folder. `settings_overrides` apply on top of each project's profile (tests make small movies)."""

    def __init__(self, root: Path, limits: UploadLimits, settings_overrides: dict[str, Any] | None = None):
        self.root = Path(root).resolve()
        self.limits = limits
        self.settings_overrides = settings_overrides or {}
        self._creating = threading.Lock()
        self._plan_locks: dict[str, threading.Lock] = {}
        self._registry = threading.Lock()

    def list(self) -> list[ProjectInfo]:
        if not self.root.is_dir():
            return []
        found = [
            Project(folder)
            for folder in self.root.iterdir()
            if re.match(ID_PATTERN, folder.name) and (folder / PROJECT_FILE).is_file()
        ]
        return sorted((project.info for project in found), key=lambda info: info.created, reverse=True)

    def get(self, name: str) -> Project:
        """The project called `name`; a name that is not a plain project name is simply not found."""
        if not re.match(ID_PATTERN, name):
            raise NotFound(f"no project called {name!r}")
        folder = self.root / name
        if not (folder / PROJECT_FILE).is_file() or folder.resolve().parent != self.root:
            raise NotFound(f"no project called {name!r}")
        return Project(folder)

    def settings(self, project: Project) -> Settings:
        return self._settings(project.info.profile)

    def _settings(self, profile: str) -> Settings:
        return load_settings(find_profile(Path(profile)), progress=False, **self.settings_overrides)

    def create(
        self,
        *,
        name: str,
        profile: str,
        example: str | None = None,
        script: tuple[str, BinaryIO] | None = None,
        bank_zip: BinaryIO | None = None,
    ) -> Project:
        """A new project from a shipped example, or from an uploaded script and zipped bank; both are checked first."""
        # 1. Check inputs: a shipped profile, and either an example or both uploads.
        if profile not in shipped_profiles():
            raise InputError(f"unknown settings profile {profile!r}", fix=f"choose one of {', '.join(shipped_profiles())}")
        chosen = None
        if example:
            chosen = next((known for known in shipped_examples() if known.id == example), None)
            if chosen is None:
                raise InputError(f"unknown example {example!r}", fix="choose one of the examples listed")
        elif script is None or bank_zip is None:
            raise InputError("a project needs a script and a zipped character bank", fix="choose both files, or pick an example")

        # 2. Build it in a staging folder: script, bank, then both checked together.
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".new-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            if chosen is not None:
                script_path = Path(shutil.copy2(chosen.script, staging / chosen.script.name))
                shutil.copytree(chosen.bank, staging / "bank")
            else:
                script_path = save_script(script[0], script[1], staging, self.limits)
                copy_limited(bank_zip, staging / "bank.zip", self.limits.zip_bytes, "zip")
                extract_bank(staging / "bank.zip", staging / "bank", self.limits)
                (staging / "bank.zip").unlink()
            settings = self._settings(profile)
            loaded, _ = check_inputs(
                script_path,
                staging / "bank",
                max_bytes=settings.planning.max_script_bytes,
                max_scenes=settings.planning.max_scenes,
            )
            # 3. Name it and move it into place.
            with self._creating:
                project_name = self._free_name(name or (chosen.id if chosen else script_path.stem))
                info = ProjectInfo(
                    name=project_name, title=loaded.title, profile=profile, script=script_path.name, created=time.time()
                )
                write_text_atomic(staging / PROJECT_FILE, info.model_dump_json(indent=2))
                staging.rename(self.root / project_name)
        except InputError as error:
            raise _relative(InputErrors([error]), staging) from None
        except InputErrors as errors:
            raise _relative(errors, staging) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return Project(self.root / project_name)

    def plan_data(self, project: Project) -> tuple[dict[str, Any], str]:
        """The plan as JSON data, and its version."""
        with self._plan_lock(project):
            version = project.plan_version()
            if version is None:
                raise NotFound("this project has no plan yet: planning is still running, or failed (see Render)")
            return json.loads(project.plan.read_text(encoding="utf-8")), version

    def save_shots(self, project: Project, shots_by_scene: list[tuple[str, list[Any]]], version: str) -> str:
        """Replaces each scene's shots, if the plan is still at `version`; the result must validate as a Plan.

        Only shots are edited here: the cast, the locations and the paths they name stay as planned.
        """
        with self._plan_lock(project):
            if project.plan_version() != version:
                raise Conflict("the plan was changed in another tab or window since this one loaded it; reload, then edit again")
            plan = json.loads(project.plan.read_text(encoding="utf-8"))
            if [scene_id for scene_id, _ in shots_by_scene] != [scene["id"] for scene in plan["scenes"]]:
                raise PlanRejected(
                    [InputError("scenes cannot be added, removed or reordered here", fix="edit the shots inside each scene")]
                )
            for scene, (_, shots) in zip(plan["scenes"], shots_by_scene):
                scene["shots"] = shots
            with atomic_path(project.plan) as temporary:
                temporary.write_text(json.dumps(plan, indent=2, ensure_ascii=False), encoding="utf-8")
                try:
                    read_plan(temporary)  # the same checks as `make --plan`: schema, unique ids, speakers in the cast
                except InputError as error:
                    raise PlanRejected([error]) from None
                except InputErrors as errors:
                    raise PlanRejected(errors.problems) from None
            return project.plan_version() or ""

    def _plan_lock(self, project: Project) -> threading.Lock:
        with self._registry:
            return self._plan_locks.setdefault(project.name, threading.Lock())

    def _free_name(self, wanted: str) -> str:
        base = slugify(wanted)[:56]
        name, number = base, 1
        while (self.root / name).exists():
            number += 1
            name = f"{base}-{number}"
        return name


def _relative(errors: InputErrors, folder: Path) -> InputErrors:
    """The same problems, naming files inside the project (bank/toby/character.yaml), not the server's folders."""
    prefix = f"{folder}/"

    def inside(problem: InputError) -> InputError:
        path = problem.path
        if path is not None and path.is_absolute() and path.is_relative_to(folder):
            path = path.relative_to(folder)
        fix = problem.fix.replace(prefix, "") if problem.fix else None
        return InputError(problem.message.replace(prefix, ""), path=path, line=problem.line, fix=fix)

    return InputErrors([inside(problem) for problem in errors.problems])
