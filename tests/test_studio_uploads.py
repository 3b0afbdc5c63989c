"""The studio's untrusted inputs: zipped banks, scripts, plan edits and file URLs, refused with a clear message."""

from __future__ import annotations

import io
import json
import os
import stat
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from movieagent.errors import InputError, InputErrors
from movieagent.ingest import load_bank
from movieagent.studio import create_app
from movieagent.studio.uploads import UploadLimits, extract_bank, save_script
from tests.conftest import draw_portrait

ROOT = Path(__file__).resolve().parents[1]
SHORT_SCRIPT = ROOT / "examples/short/the-lighthouse-keeper.fountain"
LIGHTHOUSE_BANK = ROOT / "character_bank/lighthouse"
ACTION = {"X-MovieAgent-Studio": "1"}


def make_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for info, data in entries:
            bundle.writestr(info, data)
    return path


def png_bytes(size: tuple[int, int] = (32, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#3366cc").save(buffer, "PNG")
    return buffer.getvalue()


def unix_entry(name: str, file_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (file_type | 0o644) << 16
    return info


def refusal(archive: Path, tmp_path: Path, limits: UploadLimits | None = None) -> str:
    """The message of the refusal, after checking that nothing was left behind."""
    target = tmp_path / "extracted"
    with pytest.raises(InputErrors) as refused:
        extract_bank(archive, target, limits or UploadLimits())
    assert not target.exists(), "a refused zip leaves nothing behind"
    return str(refused.value)


# --------------------------------------------------------------------------- zipped banks


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../evil.png", "climbs out with '..'"),
        ("mara/../../evil.yaml", "climbs out with '..'"),
        ("/etc/cron.d/evil.yaml", "absolute path"),
        ("C:/evil.yaml", "drive letter"),
        ("mara\\..\\..\\evil.yaml", "backslash"),
    ],
)
def test_entries_that_escape_the_bank_folder_are_refused(tmp_path, name, expected):
    archive = make_zip(tmp_path / "bank.zip", [("mara/character.yaml", b"name: Mara\n"), (name, b"x")])
    message = refusal(archive, tmp_path)
    assert expected in message and repr(name) in message


def test_a_symlink_entry_is_refused(tmp_path):
    archive = make_zip(
        tmp_path / "bank.zip",
        [("mara/character.yaml", b"name: Mara\n"), (unix_entry("mara/best.png", stat.S_IFLNK), b"/etc/passwd")],
    )
    assert "symbolic link" in refusal(archive, tmp_path)


def test_a_device_entry_is_refused(tmp_path):
    archive = make_zip(tmp_path / "bank.zip", [(unix_entry("mara/character.yaml", stat.S_IFCHR), b"")])
    assert "device, pipe or socket" in refusal(archive, tmp_path)


def test_an_entry_over_the_size_limit_is_refused(tmp_path):
    archive = make_zip(tmp_path / "bank.zip", [("mara/character.yaml", b"name: Mara\n"), ("mara/notes.txt", os.urandom(5000))])
    assert "over the limit of 4000" in refusal(archive, tmp_path, UploadLimits(entry_bytes=4000))


def test_too_many_entries_are_refused(tmp_path):
    archive = make_zip(tmp_path / "bank.zip", [(f"mara/caption{number}.txt", b"a caption") for number in range(12)])
    assert "12 entries, over the limit of 10" in refusal(archive, tmp_path, UploadLimits(entries=10))


def test_too_many_bytes_in_all_are_refused(tmp_path):
    archive = make_zip(tmp_path / "bank.zip", [(f"mara/caption{number}.txt", os.urandom(3000)) for number in range(4)])
    assert "12000 bytes uncompressed, over the limit of 10000" in refusal(archive, tmp_path, UploadLimits(total_bytes=10_000))


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    # 8 MB of zeros deflate to about 8 KB: a ratio near 1000, far past any real picture or caption.
    archive = make_zip(tmp_path / "bank.zip", [("mara/character.yaml", b"name: Mara\n"), ("mara/best.png", bytes(8_000_000))])
    assert "refused as a zip bomb" in refusal(archive, tmp_path)


def test_an_image_that_is_not_what_its_suffix_says_is_refused(tmp_path):
    archive = make_zip(
        tmp_path / "bank.zip", [("mara/character.yaml", b"name: Mara\n"), ("mara/best.png", b"<html>not a picture</html>")]
    )
    assert "'mara/best.png' is not a PNG image" in refusal(archive, tmp_path)


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(tmp_path):
    archive = make_zip(tmp_path / "bank.zip", [("mara/character.yaml", b"name: Mara\n"), ("mara/best.png", png_bytes((40, 30)))])
    assert "40x30 pixels, over the limit of 1000" in refusal(archive, tmp_path, UploadLimits(image_pixels=1000))


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    archive = tmp_path / "bank.zip"
    archive.write_text("this is not a zip")
    assert "not a readable zip file" in refusal(archive, tmp_path)


def test_a_good_bank_zip_is_accepted_and_its_bank_loads(tmp_path):
    # Zipped the way people do it: the bank folder itself, with an OS's clutter beside the files.
    entries = [
        (f"lighthouse/{path.relative_to(LIGHTHOUSE_BANK)}", path.read_bytes())
        for path in sorted(LIGHTHOUSE_BANK.rglob("*"))
        if path.is_file()
    ]
    clutter = [
        ("__MACOSX/lighthouse/._mara.png", b"junk"),
        ("lighthouse/.DS_Store", b"junk"),
        ("lighthouse/run-me.sh", b"rm -rf /"),
    ]
    archive = make_zip(tmp_path / "bank.zip", entries + clutter)

    skipped = extract_bank(archive, tmp_path / "bank", UploadLimits())

    assert sorted(skipped) == sorted(name for name, _ in clutter)
    bank = load_bank(tmp_path / "bank")
    assert sorted(character.id for character in bank.characters) == ["mara-quell", "toby-fenn"]
    assert sorted(location.id for location in bank.locations) == ["lighthouse-lamp-room", "rocky-shore"]
    assert not list((tmp_path / "bank").rglob("*.sh"))


# --------------------------------------------------------------------------- scripts


def test_scripts_of_unknown_type_too_large_or_not_text_are_refused(tmp_path):
    limits = UploadLimits(script_bytes=100)
    with pytest.raises(InputError, match="unsupported script type '.exe'"):
        save_script("film.exe", io.BytesIO(b"INT. ROOM - DAY"), tmp_path, limits)
    with pytest.raises(InputError, match="larger than the limit of 100 bytes"):
        save_script("film.fountain", io.BytesIO(b"x" * 101), tmp_path, limits)
    with pytest.raises(InputError, match="not UTF-8"):
        save_script("film.fountain", io.BytesIO(b"\xff\xfe INT."), tmp_path, limits)
    saved = save_script("../../My Film!.fountain", io.BytesIO(b"INT. ROOM - DAY"), tmp_path, limits)
    assert saved == tmp_path / "my-film.fountain", "the stored name is the file's stem made safe, in the given folder"


# --------------------------------------------------------------------------- the app


@pytest.fixture
def studio(tmp_path):
    app = create_app(tmp_path / "projects", limits=UploadLimits(zip_bytes=200_000))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client, tmp_path / "projects"


def planned_example(client: TestClient) -> str:
    created = client.post("/api/projects", data={"example": "the-lighthouse-keeper", "profile": "preview-fast"}, headers=ACTION)
    assert created.status_code == 201, created.text
    name = created.json()["project"]["name"]
    wait_for_planning(client, name)
    return name


def wait_for_planning(client: TestClient, name: str) -> None:
    deadline = time.monotonic() + 30
    while (run := client.get(f"/api/projects/{name}/status").json()["run"])["state"] == "running":
        assert time.monotonic() < deadline, "planning a short script takes well under a second"
        time.sleep(0.05)
    assert run["state"] == "finished", run["error"]


def test_served_files_stay_inside_the_project(studio):
    client, projects = studio
    name = planned_example(client)
    assert client.get(f"/api/projects/{name}/files/plan.json").json()["title"] == "The Lighthouse Keeper"
    # A clip name the allow-list accepts, linked to a file outside the project.
    clips = projects / name / "out" / "clips"
    clips.mkdir()
    (clips / "shot_0001_scene-001-shot-01.mp4").symlink_to("/etc/passwd")
    (projects / "secret.txt").write_text("the secret contents")

    for path in [
        "../project.json",
        "..%2Fproject.json",
        "%2E%2E/%2E%2E/secret.txt",
        "clips/../../project.json",
        "clips/shot_0001_scene-001-shot-01.mp4",
        "/etc/passwd",
        "//etc/passwd",
        "clips",
        "clips/",
        "cache",
        "log.txt",
        "planning.sqlite",
    ]:
        answer = client.get(f"/api/projects/{name}/files/{path}")
        assert answer.status_code in (400, 404), path
        assert "secret contents" not in answer.text and "root:" not in answer.text
    for project in ["..", "..%2F..", "%2E%2E", name.upper(), f"{name}%2F..%2F.."]:
        assert client.get(f"/api/projects/{project}/files/plan.json").status_code in (400, 404), project
    assert client.get("/static/..%2F__init__.py").status_code == 404
    assert client.get(f"/api/projects/{name}/thumbs/..%2F..%2Fproject.json.jpg").status_code == 404


def test_a_malicious_zip_upload_is_refused_and_leaves_no_project(studio):
    client, projects = studio
    bank = io.BytesIO()
    with zipfile.ZipFile(bank, "w") as bundle:
        bundle.writestr("mara/character.yaml", "name: Mara\n")
        bundle.writestr("../../outside.png", png_bytes())
    answer = client.post(
        "/api/projects",
        data={"profile": "preview-fast"},
        files={"script": ("film.fountain", SHORT_SCRIPT.read_bytes()), "bank": ("bank.zip", bank.getvalue())},
        headers=ACTION,
    )
    assert answer.status_code == 400
    problem = answer.json()["problems"][0]
    assert "'../../outside.png' climbs out with '..'" in problem["message"] and problem["fix"]
    assert not any(projects.iterdir()), "neither a project nor its staging folder is left"
    assert not (projects.parent / "outside.png").exists()


def test_a_good_upload_makes_a_project_and_bank_problems_name_their_file(studio, tmp_path):
    client, _ = studio
    script = ("film.fountain", b"INT. KITCHEN - DAY\n\nADA\nHello there.\n\nBOB\nHi.\n")
    good = make_zip(tmp_path / "good.zip", [("ada/character.yaml", b"name: Ada\n"), ("ada/best.png", png_bytes())])
    created = client.post(
        "/api/projects",
        data={"name": "My Film"},
        files={"script": script, "bank": ("bank.zip", good.read_bytes())},
        headers=ACTION,
    )
    # The script names BOB, whom the bank lacks: the whole upload is refused, naming the script's line.
    assert created.status_code == 400
    problem = created.json()["problems"][0]
    assert "'BOB' is not in the character bank" in problem["message"] and problem["where"] == "film.fountain:6"

    draw_portrait(tmp_path / "bob.png")
    good = make_zip(
        tmp_path / "good.zip",
        [
            ("ada/character.yaml", b"name: Ada\n"),
            ("ada/best.png", png_bytes()),
            ("bob/character.yaml", b"name: Bob\n"),
            ("bob/bob.png", (tmp_path / "bob.png").read_bytes()),
        ],
    )
    created = client.post(
        "/api/projects",
        data={"name": "My Film!"},
        files={"script": script, "bank": ("bank.zip", good.read_bytes())},
        headers=ACTION,
    )
    assert created.status_code == 201, created.text
    assert created.json()["project"]["name"] == "my-film"
    wait_for_planning(client, "my-film")


def test_uploads_over_the_request_limit_and_changes_from_other_sites_are_refused(studio):
    client, _ = studio
    too_big = client.post("/api/projects", files={"bank": ("bank.zip", bytes(3_500_000))}, headers=ACTION)
    assert too_big.status_code == 413 and "larger than the limit" in too_big.json()["error"]
    no_header = client.post("/api/projects", data={"example": "the-lighthouse-keeper"})
    assert no_header.status_code == 403
    other_host = client.get("/api/projects", headers={"Host": "evil.example"})
    assert other_host.status_code == 400
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"] and page.headers["x-content-type-options"] == "nosniff"


def test_plan_edits_are_validated_and_stale_versions_refused(studio):
    client, projects = studio
    name = planned_example(client)
    loaded = client.get(f"/api/projects/{name}/plan").json()
    scenes = [{"id": scene["id"], "shots": scene["shots"]} for scene in loaded["plan"]["scenes"]]

    scenes[0]["shots"][1]["duration_s"] = -2
    scenes[0]["shots"][1]["lines"] = [{"id": "line-x", "speaker_id": "nobody", "text": "Hello"}]
    rejected = client.put(f"/api/projects/{name}/plan", json={"version": loaded["version"], "scenes": scenes}, headers=ACTION)
    assert rejected.status_code == 422
    messages = [problem["message"] for problem in rejected.json()["problems"]]
    assert any(message.startswith("scenes[0].shots[1].duration_s: Input should be greater than 0") for message in messages)
    plan_before = (projects / name / "plan.json").read_bytes()

    scenes[0]["shots"][1]["duration_s"] = 4.5
    scenes[0]["shots"][1]["lines"] = []
    # A shot may not smuggle a file path in: locations and their pictures are kept as planned.
    scenes[0]["shots"][1]["reference_image"] = "/etc/passwd"
    rejected = client.put(f"/api/projects/{name}/plan", json={"version": loaded["version"], "scenes": scenes}, headers=ACTION)
    assert rejected.status_code == 422 and "unknown key" in rejected.json()["problems"][0]["message"]
    assert (projects / name / "plan.json").read_bytes() == plan_before, "a refused edit changes nothing"

    del scenes[0]["shots"][1]["reference_image"]
    saved = client.put(f"/api/projects/{name}/plan", json={"version": loaded["version"], "scenes": scenes}, headers=ACTION)
    assert saved.status_code == 200
    assert json.loads((projects / name / "plan.json").read_text())["scenes"][0]["shots"][1]["duration_s"] == 4.5
    stale = client.put(f"/api/projects/{name}/plan", json={"version": loaded["version"], "scenes": scenes}, headers=ACTION)
    assert stale.status_code == 409 and "another tab" in stale.json()["error"]
