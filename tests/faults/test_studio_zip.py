"""Issue 13, cause 6: the studio's zip extraction answers every odd entry name with a 400 and a message, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from movieagent.studio.app import ACTION_HEADER, create_app
from tests.faults.conftest import SCRIPT

ACTION = {ACTION_HEADER: "1"}
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 40), "#3366cc").save(buffer, "PNG")
    return buffer.getvalue()


def bank_zip(*extra: tuple[str, bytes]) -> bytes:
    """A good two-character bank with the `extra` entries added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name in ("ann", "bob"):
            bundle.writestr(f"{name}/character.yaml", f"name: {name.title()}\n")
            bundle.writestr(f"{name}/portrait.png", png())
        for name, data in extra:
            bundle.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def studio(tmp_path):
    projects = tmp_path / "projects"
    projects.mkdir()
    with TestClient(create_app(projects), base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client, projects


def upload(client: TestClient, bank: bytes):
    files = {"script": ("film.fountain", SCRIPT.encode()), "bank": ("bank.zip", bank)}
    return client.post("/api/projects", data={"profile": "preview-fast"}, files=files, headers=ACTION)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("ann//character.yaml", b"name: Eve\n")], "'ann/character.yaml' and 'ann//character.yaml' name the same file"),
        ([("ann/./portrait.png", png())], "name the same file"),
        ([("zed.yaml", b"a: 1\n"), ("zed.yaml/notes.txt", b"x")], "make one name both a file and a folder"),
        ([("zed.yaml/notes.txt", b"x"), ("zed.yaml", b"a: 1\n")], "make one name both a file and a folder"),
        ([("ann/" + "x" * 4000 + ".txt", b"x")], "has a name too long"),
        ([("ann/caption\n.txt", b"x")], "has a control character"),
        ([("ann/\x1b[31mred.txt", b"x")], "has a control character"),
    ],
)
def test_odd_entry_names_are_refused_with_a_message(studio, entries, message):
    client, projects = studio

    answer = upload(client, bank_zip(*entries))

    assert answer.status_code == 400, answer.text
    assert message in answer.json()["problems"][0]["message"]
    assert all(header in answer.headers for header in SECURITY_HEADERS)
    assert not any(projects.iterdir()), "neither a project nor its staging folder is left"


def test_the_good_bank_alone_is_accepted(studio):
    client, projects = studio
    answer = upload(client, bank_zip())
    assert answer.status_code == 201, answer.text


def test_an_unexpected_failure_answers_500_with_the_security_headers(studio, monkeypatch):
    client, _ = studio
    monkeypatch.setattr("movieagent.studio.projects.ProjectStore.list", lambda self: 1 / 0)

    answer = client.get("/api/projects")

    assert answer.status_code == 500
    assert "Traceback" not in answer.text and "ZeroDivisionError" not in answer.text
    assert all(header in answer.headers for header in SECURITY_HEADERS)


def test_a_refused_host_is_answered_with_the_security_headers(studio):
    client, _ = studio
    answer = client.get("/api/projects", headers={"Host": "rebinding.example"})
    assert answer.status_code == 400
    assert all(header in answer.headers for header in SECURITY_HEADERS)
