"""The studio's REST API as data: the request and response model of every route, and its OpenAPI docs page.

The schema is served at /openapi.json and browsed at /docs with Swagger UI, whose files come from the
fastapi-offline package and are served from here (no CDN, so the docs work offline and the page keeps the
studio's Content-Security-Policy: the page's own script is a file, not inline).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import fastapi_offline
from pydantic import BaseModel, Field

from movieagent.schema import Plan
from movieagent.studio.projects import ProjectInfo
from movieagent.studio.runs import RunStatus
from movieagent.studio.uploads import UploadLimits

DESCRIPTION = """\
Make a movie from a script and a character bank, edit its plan shot by shot, render it and fetch the files.

Requests that change something (POST, PUT) must carry the header `x-movieagent-studio: 1`: a page on another
site cannot add it without a CORS preflight, which this server never grants. The docs page adds it for you.
Every refusal is JSON: `{"error": one line, "problems": [{"where", "message", "fix"}]}`.
"""

# Swagger UI's files inside the fastapi-offline package, by the name the docs page asks for.
SWAGGER_FILES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8"}


def swagger_file(name: str) -> Any:
    """A Swagger UI file shipped by fastapi-offline (a Traversable: read it with .read_bytes())."""
    return files(fastapi_offline) / "static" / name


class Problem(BaseModel):
    where: str = Field(description="file:line inside the project, when the problem has one")
    message: str
    fix: str


class ErrorAnswer(BaseModel):
    error: str = Field(description="One line for the person at the page")
    problems: list[Problem] = []


class ExampleChoice(BaseModel):
    id: str
    title: str


class Choices(BaseModel):
    size: list[str]
    angle: list[str]
    movement: list[str]
    transition: list[str]


class Meta(BaseModel):
    """What a client needs to offer choices: profiles, examples, the camera words a shot takes, upload limits."""

    profiles: list[str]
    examples: list[ExampleChoice]
    choices: Choices
    limits: UploadLimits


class Created(BaseModel):
    project: ProjectInfo
    run: RunStatus = Field(description="The planning run, started at once; poll /status")


class PlanView(BaseModel):
    version: str = Field(description="Send it back with an edit: an edit made against an older version is refused (409)")
    plan: Plan
    thumbnails: dict[str, str] = Field(description="shot id -> the version of its thumbnail (changes when the clip is rendered again)")


class SceneShots(BaseModel):
    id: str
    # Shots stay raw JSON here: they are checked as a whole Plan, which names each problem by its place.
    shots: list[Any]


class ShotsEdit(BaseModel):
    """New shots for some scenes of the plan, made against the plan at `version`."""

    version: str
    scenes: list[SceneShots]


class Saved(BaseModel):
    version: str = Field(description="The plan's new version")


class ProjectStatus(BaseModel):
    plan_version: str | None
    movie_version: str | None = Field(description="Changes each time a new movie.mp4 is written")
    storyboard_pages: list[str] = Field(default=[], description="The storyboard's pages, in order (storyboard/page-001.png ...)")
    run: RunStatus | None = Field(description="The last plan or render run of this project, live while it runs")


# The refusals each kind of route can answer with, for the schema.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorAnswer, "description": "Bad input: each problem with where it is and its fix"},
    403: {"model": ErrorAnswer, "description": "A change without the x-movieagent-studio header"},
    404: {"model": ErrorAnswer, "description": "No such project, shot or file"},
    409: {"model": ErrorAnswer, "description": "The plan changed meanwhile, or a run is already going"},
    413: {"model": ErrorAnswer, "description": "The upload is over the limits"},
    422: {"model": ErrorAnswer, "description": "The edited plan does not validate"},
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: ERRORS[code] for code in codes}
