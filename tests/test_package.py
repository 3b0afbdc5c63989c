"""The package as users get it: the public API names, imported when first used."""

from __future__ import annotations

import subprocess
import sys

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
