"""The studio's web server: a JSON API and one hand-written page (static/index.html, studio.css, studio.js).

Routes (every path is built from a checked project name and an allow-list, never from the URL as a path):

    GET  /                                        the page; /static/<file> its script and style
    GET  /api/meta                                profiles, examples, camera choices, upload limits
    GET  /api/projects                            every project, newest first
    POST /api/projects                            a new project (multipart: example, or script + bank zip); plans it
    GET  /api/projects/<name>/plan                the plan and its version; PUT saves edited shots at a version
    POST /api/projects/<name>/render              starts a render (202), or 409 while one runs
    GET  /api/projects/<name>/status              plan version, movie version and the run's live progress (polled)
    GET  /api/projects/<name>/thumbs/<shot>.jpg   a picture from the shot's rendered clip
    GET  /api/projects/<name>/files/<file>        movie.mp4, movie.srt, movie.vtt, plan.json, storyboard/page-001.png..., clips/...
    GET  /openapi.json, /docs                     the API's schema and its docs page (request and response models: api.py)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from movieagent import __version__
from movieagent.errors import InputError, InputErrors
from movieagent.eval.cues import read_cues, webvtt
from movieagent.schema import ID_PATTERN, CameraAngle, CameraMovement, ShotSize, Transition
from movieagent.studio.api import (
    DESCRIPTION,
    SWAGGER_FILES,
    Choices,
    Created,
    ExampleChoice,
    Meta,
    PlanView,
    ProjectStatus,
    Saved,
    ShotsEdit,
    errors,
    swagger_file,
)
from movieagent.studio.projects import (
    Conflict,
    NotFound,
    PlanRejected,
    Project,
    ProjectInfo,
    ProjectStore,
    shipped_examples,
    shipped_profiles,
)
from movieagent.studio.runs import Runs, RunStatus
from movieagent.studio.uploads import UploadLimits

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
# The files of a movie folder the page may fetch, and their types; anything else is not found.
SERVED_FILES = re.compile(
    r"^(movie\.mp4|movie\.srt|plan\.json|storyboard/page-\d{3,4}\.png|clips/shot_\d{4}_[a-z0-9][a-z0-9_-]*\.mp4)$"
)
SERVED_TYPES = {".mp4": "video/mp4", ".srt": "application/x-subrip", ".json": "application/json", ".png": "image/png"}
FILE_TYPES = [*SERVED_TYPES.values(), "text/vtt"]
# Requests that change something must carry this header. A page on another site cannot add it without a
# CORS preflight, which this server never grants, so a visited website cannot drive the studio.
ACTION_HEADER = "x-movieagent-studio"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        (
            b"default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; base-uri 'none'; "
            b"form-action 'none'; frame-ancestors 'none'"
        ),
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def create_app(
    projects: Path,
    *,
    host: str = "127.0.0.1",
    limits: UploadLimits | None = None,
    settings_overrides: dict[str, Any] | None = None,
) -> FastAPI:
    """The studio app serving the projects under `projects`. `settings_overrides` go on top of every project's profile."""
    limits = limits or UploadLimits()
    store = ProjectStore(projects, limits, settings_overrides)
    runs = Runs()
    # FastAPI's own /docs and /redoc pages load their scripts from a CDN: the docs page here serves them itself.
    app = FastAPI(title="movieagent studio", description=DESCRIPTION, version=__version__, docs_url=None, redoc_url=None)
    # The Host header is checked so that a DNS-rebinding page cannot reach a studio bound to loopback.
    wildcard = host in ("0.0.0.0", "::", "")
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["*"] if wildcard else [*LOOPBACK_HOSTS, host])
    # Added last, so it is the outermost: every answer gets its headers, the host check's refusals included.
    app.add_middleware(_Guard, max_body=limits.request_bytes())
    _add_error_answers(app)
    static_files = {path.name: path for path in STATIC.iterdir() if path.suffix in STATIC_TYPES}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in static_files:
            raise NotFound(f"no static file {name!r}")
        return FileResponse(static_files[name], media_type=STATIC_TYPES[static_files[name].suffix])

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", media_type="text/html; charset=utf-8")

    @app.get("/docs/{name}", include_in_schema=False)
    def docs_file(name: str) -> Response:
        if name not in SWAGGER_FILES:
            raise NotFound(f"no docs file {name!r}")
        return Response(swagger_file(name).read_bytes(), media_type=SWAGGER_FILES[name])

    @app.get("/api/meta")
    def meta() -> Meta:
        """Profiles, examples, the camera words a shot takes, and the upload limits."""
        return Meta(
            profiles=shipped_profiles(),
            examples=[ExampleChoice(id=example.id, title=example.title) for example in shipped_examples()],
            choices=Choices(
                size=[choice.value for choice in ShotSize],
                angle=[choice.value for choice in CameraAngle],
                movement=[choice.value for choice in CameraMovement],
                transition=[choice.value for choice in Transition],
            ),
            limits=limits,
        )

    @app.get("/api/projects")
    def list_projects() -> list[ProjectInfo]:
        """Every project, newest first."""
        return store.list()

    @app.post("/api/projects", status_code=201, responses=errors(400, 403, 413))
    def create_project(
        profile: Annotated[str, Form()] = "preview-fast",
        name: Annotated[str, Form()] = "",
        example: Annotated[str, Form()] = "",
        script: Annotated[UploadFile | None, File()] = None,
        bank: Annotated[UploadFile | None, File()] = None,
    ) -> Created:
        """A new project from a shipped `example`, or from an uploaded `script` and a zipped `bank`; planning starts at once."""
        project = store.create(
            name=name,
            profile=profile,
            example=example or None,
            script=(script.filename or "", script.file) if script and not example else None,
            bank_zip=bank.file if bank and not example else None,
        )
        run = runs.start(project, "plan", store.settings(project))
        return Created(project=project.info, run=run)

    @app.get("/api/projects/{name}/plan", responses=errors(404))
    def get_plan(name: str) -> PlanView:
        """The plan (plan.json) and its version, and a version per shot thumbnail."""
        project = store.get(name)
        plan, version = store.plan_data(project)
        clips = project.clips()
        thumbnails = {shot_id: format(clip.stat().st_mtime_ns, "x") for shot_id, clip in clips.items()}
        return PlanView.model_validate({"version": version, "plan": plan, "thumbnails": thumbnails})

    @app.put("/api/projects/{name}/plan", responses=errors(403, 404, 409, 422))
    def save_plan(name: str, edit: ShotsEdit) -> Saved:
        """Replaces the shots of the scenes given, if the plan is still at `version`; the whole plan must validate."""
        project = store.get(name)
        version = store.save_shots(project, [(scene.id, scene.shots) for scene in edit.scenes], edit.version)
        return Saved(version=version)

    @app.post("/api/projects/{name}/render", status_code=202, responses=errors(403, 404, 409))
    def render(name: str) -> RunStatus:
        """Starts rendering the movie from the plan; only the shots that changed are rendered again."""
        project = store.get(name)
        return runs.start(project, "render", store.settings(project))

    @app.get("/api/projects/{name}/status", responses=errors(404))
    def status(name: str) -> ProjectStatus:
        """The plan's and the movie's versions, and the live progress of the project's run (poll it)."""
        project = store.get(name)
        pages = [page.relative_to(project.workspace.root).as_posix() for page in project.workspace.storyboard_pages()]
        return ProjectStatus(
            plan_version=project.plan_version(), movie_version=project.movie_version(), storyboard_pages=pages, run=runs.status(project)
        )

    @app.get(
        "/api/projects/{name}/thumbs/{shot_id}.jpg",
        response_class=FileResponse,
        responses={200: {"content": {"image/jpeg": {}}, "description": "A frame of the shot's clip"}, **errors(404)},
    )
    def thumbnail(name: str, shot_id: str) -> FileResponse:
        project = store.get(name)
        if not re.match(ID_PATTERN, shot_id):
            raise NotFound(f"no shot {shot_id!r}")
        return FileResponse(_inside(project, project.thumbnail(shot_id)), media_type="image/jpeg")

    @app.get(
        "/api/projects/{name}/files/{path:path}",
        response_class=FileResponse,
        responses={200: {"content": {media: {} for media in FILE_TYPES}, "description": "The file"}, **errors(404)},
    )
    def movie_file(name: str, path: str, download: bool = False) -> Response:
        """movie.mp4, movie.srt, movie.vtt, plan.json, storyboard/page-NNN.png or clips/shot_NNNN_<id>.mp4; `download` asks the browser to save it."""
        project = store.get(name)
        if path == "movie.vtt":
            subtitles = _inside(project, project.workspace.subtitles)
            return Response(webvtt(read_cues(subtitles)), media_type="text/vtt; charset=utf-8")
        if not SERVED_FILES.match(path):
            raise NotFound(f"no file {path!r} in this project")
        served = _inside(project, project.workspace.root / path)
        disposition = "attachment" if download else "inline"
        return FileResponse(
            served, media_type=SERVED_TYPES[served.suffix], content_disposition_type=disposition, filename=served.name
        )

    return app


def serve(projects: Path, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Runs the studio until interrupted (Ctrl-C)."""
    import uvicorn

    # No access log: every open tab polls /status once a second.
    uvicorn.run(create_app(projects, host=host), host=host, port=port, log_level="info", access_log=False)


def _inside(project: Project, path: Path) -> Path:
    """`path` resolved, if it is a file inside the project's folder (links that lead out are refused)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(project.root.resolve()) or not resolved.is_file():
        raise NotFound("no such file in this project")
    return resolved


def _problems(errors: list[InputError]) -> list[dict[str, Any]]:
    def where(problem: InputError) -> str:
        if problem.path is None or problem.path.is_absolute():  # server folders mean nothing to the person at the page
            return ""
        return f"{problem.path}:{problem.line}" if problem.line is not None else str(problem.path)

    return [{"where": where(problem), "message": problem.message, "fix": problem.fix or ""} for problem in errors]


def _answer(status: int, message: str, problems: list[InputError] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "problems": _problems(problems or [])}, status_code=status)


def _add_error_answers(app: FastAPI) -> None:
    """Every refusal is JSON: {"error": one line, "problems": [{where, message, fix}, ...]}."""

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> JSONResponse:
        return _answer(404, str(error))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, error: Conflict) -> JSONResponse:
        return _answer(409, str(error))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, error: InputError) -> JSONResponse:
        return _answer(400, error.message, [error])

    @app.exception_handler(InputErrors)
    async def bad_inputs(request: Request, errors: InputErrors) -> JSONResponse:
        status = 422 if isinstance(errors, PlanRejected) else 400
        count = len(errors.problems)
        return _answer(status, errors.problems[0].message if count == 1 else f"{count} problems", errors.problems)


class _Guard:
    """Adds the security headers to every answer; refuses changes without the studio's header and oversized bodies."""

    def __init__(self, app: ASGIApp, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS, (b"cache-control", b"no-store")]
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            # Starlette's own error answer is sent outside this guard, without the headers: answer here instead,
            # then let the error go on to be logged.
            if not started:
                await _answer(500, "the studio failed on this request; see its log")(scope, receive, send_with_headers)
            raise

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        if scope["method"] in ("GET", "HEAD"):
            return None
        headers = dict(scope["headers"])
        if headers.get(ACTION_HEADER.encode()) != b"1":
            return _answer(403, f"changes are accepted only from the studio's own page (header {ACTION_HEADER})")
        length = headers.get(b"content-length")
        if length is None:
            return _answer(411, "send the request with a Content-Length")
        if not length.isdigit() or int(length) > self.max_body:
            return _answer(413, f"the upload is larger than the limit of {self.max_body // 1_000_000} MB")
        return None
