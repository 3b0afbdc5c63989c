"""The studio as an API: a typed OpenAPI schema, docs that work offline under the strict CSP, and the README's curl session."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from movieagent.media import probe
from movieagent.studio import create_app
from tests.conftest import served_studio
from tests.media_probe import count_frames

ROOT = Path(__file__).resolve().parents[1]
SMALL_MOVIE = {"video": {"width": 320, "height": 180, "fps": 12}}


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(tmp_path / "projects"), base_url="http://127.0.0.1") as client:
        yield client


def test_every_route_has_typed_requests_and_answers(client):
    schema = client.get("/openapi.json").json()
    models = schema["components"]["schemas"]
    assert {"Meta", "Created", "PlanView", "Plan", "ShotsEdit", "Saved", "ProjectStatus", "RunStatus", "ErrorAnswer"} <= set(models)
    operations = [(path, method, operation) for path, methods in schema["paths"].items() for method, operation in methods.items()]
    assert len(operations) == 9, [(path, method) for path, method, _ in operations]
    for path, method, operation in operations:
        success = next(answer for code, answer in operation["responses"].items() if code.startswith("2"))
        content = success["content"]
        if "/thumbs/" in path or "/files/" in path:
            assert {"image/jpeg", "video/mp4"} & set(content), (path, method)  # files, by their media types
        else:
            assert content["application/json"]["schema"], (path, method)  # a model, not an untyped `{}`
        if path != "/api/meta" and path != "/api/projects":
            assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorAnswer")
    save = schema["paths"]["/api/projects/{name}/plan"]["put"]
    assert save["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ShotsEdit")
    create = schema["paths"]["/api/projects"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]


def test_docs_are_served_from_here_under_the_strict_policy(client):
    page = client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe" not in policy
    assert re.findall(r'(?:src|href)="([^"]+)"', page.text) == [
        "/static/icon.svg",
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/static/docs.js",
    ]
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    assert client.get("/docs/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/favicon.png").status_code == 404  # an allow-list, not a folder
    assert client.get("/redoc").status_code == 404  # FastAPI's own pages load from a CDN


def test_docs_page_renders_every_route_offline(browser, tmp_path):
    with served_studio(tmp_path / "projects") as url:
        page = browser.new_page()
        problems: list[str] = []
        requested: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{url}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = {page.locator(".opblock-summary-path").nth(index).get_attribute("data-path") for index in range(page.locator(".opblock-summary-path").count())}
        page.close()
    assert "/api/projects/{name}/render" in paths and len(paths) == 7
    assert problems == []  # a Content-Security-Policy violation is reported on the console
    assert requested and all(address.startswith(url) or address.startswith("data:") for address in requested), requested


def readme_session() -> str:
    """The curl session of the README's studio API section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The studio's REST API") :]
    return re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the README's session uses curl and jq")
def test_the_readme_curl_session_makes_and_fetches_a_movie(tmp_path):
    with served_studio(tmp_path / "projects", SMALL_MOVIE) as url:
        session = readme_session().replace("http://127.0.0.1:7860", url)
        assert "movieagent studio" in session  # the server line is a comment there: the test serves the app itself
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", session], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    movie = tmp_path / "movie.mp4"
    info = probe(movie)
    assert (info.video_codec, info.width, info.height, info.audio_codec) == ("h264", 320, 180, "aac")
    assert count_frames(movie) == round(info.duration_s * 12)
