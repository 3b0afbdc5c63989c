"""The package as users get it: the public API, imported when first used, and the wheel with its data and metadata."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import movieagent


def test_every_public_name_resolves_to_its_definition():
    for name in movieagent.__all__:
        value = getattr(movieagent, name)
        if name != "__version__":
            assert value.__name__ == name, name
    assert set(movieagent.__all__) <= set(dir(movieagent))


def test_import_movieagent_loads_no_stage_until_one_is_used():
    code = (
        "import sys, movieagent\n"
        "before = 'movieagent.pipeline' in sys.modules\n"
        "movieagent.make_movie\n"
        "print(before, 'movieagent.pipeline' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="make_moive"):
        movieagent.make_moive  # noqa: B018


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel as `python -m build` makes it (the same hatchling backend), built from this checkout."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(folder)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    (built,) = folder.glob("movieagent-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_carries_the_data_an_installed_movieagent_reads(wheel):
    names = set(wheel.namelist())
    for folder in ("configs", "prompts", "agents", "examples", "character_bank"):
        shipped = {path.relative_to(ROOT).as_posix() for path in (ROOT / folder).rglob("*") if path.is_file()}
        assert shipped and {f"movieagent/resources/{name}" for name in shipped} <= names, folder
    studio = {path.name for path in (ROOT / "movieagent/studio/static").iterdir()}
    assert {"index.html", "docs.html", "docs.js"} <= studio
    assert {f"movieagent/studio/static/{name}" for name in studio} <= names
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/", "tools/", "docs/"))]


def test_the_wheel_metadata_names_the_licence_entry_point_and_extras(wheel):
    dist_info = "movieagent-0.1.0.dist-info"
    metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert {f"{dist_info}/licenses/LICENSE", f"{dist_info}/licenses/THIRD_PARTY_NOTICES.md"} <= set(wheel.namelist())
    assert "movieagent = movieagent.cli:app" in wheel.read(f"{dist_info}/entry_points.txt").decode()
    extras = set(re.findall(r"^Provides-Extra: (\S+)$", metadata, re.MULTILINE))
    assert {"gpu", "ray", "studio", "faces", "lint", "release", "test"} <= extras
    core = [line for line in re.findall(r"^Requires-Dist: (.+)$", metadata, re.MULTILINE) if "extra ==" not in line]
    heavy = ("torch", "diffusers", "transformers", "ray", "playwright", "fastapi", "moviepy", "pydub")
    assert not [line for line in core if line.split(">")[0].split("=")[0].strip() in heavy], core
