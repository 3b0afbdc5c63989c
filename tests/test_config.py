from pathlib import Path

import pytest
from pydantic import BaseModel

from movieagent.backends import BACKENDS, available, backend_class, load_backend
from movieagent.config import BackendChoice, load_settings
from movieagent.errors import InputError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_every_shipped_profile_loads():
    for profile in sorted(CONFIGS.glob("*.yaml")):
        settings = load_settings(profile)
        assert settings.video.width % 2 == 0, profile


def test_environment_overrides_profile_and_overrides_win(monkeypatch, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("video:\n  fps: 12\n  width: 320\n")
    monkeypatch.setenv("MOVIEAGENT_VIDEO__FPS", "30")
    settings = load_settings(profile)
    assert (settings.video.fps, settings.video.width) == (30, 320)
    assert load_settings(profile, video={"fps": 10}).video.fps == 10


def test_bad_yaml_names_file_and_line(tmp_path):
    profile = tmp_path / "broken.yaml"
    profile.write_text("video:\n  fps: 24\n  width: [1,\n")
    with pytest.raises(InputError) as caught:
        load_settings(profile)
    assert caught.value.path == profile and caught.value.line is not None
    assert "broken.yaml" in str(caught.value)


def test_unknown_or_invalid_setting_is_an_input_error(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("video:\n  frames_per_second: 24\n")
    with pytest.raises(InputError, match="frames_per_second"):
        load_settings(profile)
    profile.write_text("video:\n  fps: -3\n")
    with pytest.raises(InputError, match="video.fps"):
        load_settings(profile)


def test_missing_profile_says_so_and_lists_shipped_ones(tmp_path):
    with pytest.raises(InputError, match="not found") as caught:
        load_settings(tmp_path / "nope.yaml")
    assert "preview-hd" in str(caught.value)


def test_shipped_profiles_load_by_name():
    assert load_settings(Path("preview-hd")).video.width == 1280


def test_backends_are_found_in_the_table_and_validate_their_options():
    assert "local" in available("runner")
    runner = load_backend("runner", BackendChoice(kind="local", workers=3))
    assert runner.options.workers == 3
    with pytest.raises(InputError, match="use one of: .*local"):
        load_backend("runner", BackendChoice(kind="kubernetes"))
    with pytest.raises(InputError, match="workers"):
        load_backend("runner", BackendChoice(kind="local", workers=0))


def test_every_row_of_the_backend_table_names_a_module_with_a_backend_and_its_options():
    for family, kinds in BACKENDS.items():
        for kind, module in kinds.items():
            backend = backend_class(family, kind)
            assert backend.__module__ == module, (family, kind)
            assert issubclass(backend.Options, BaseModel), (family, kind)
