"""A whole movie through the diffusion profile (configs/gpu-wan.yaml) on tiny random models of the real pipelines.

The profile's model ids are swapped for tiny SDXL + IP-Adapter and Wan 2.2 I2V folders built here; everything
else (phases, preflight, caches, runner, retiming, assembly) is the code a GPU box runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent import load_settings, make_movie
from movieagent.errors import InputErrors
from movieagent.media import probe
from tests.media_probe import count_frames
from tests.tiny_keyframe_models import build_ip_adapter, build_sdxl
from tests.tiny_video_models import save_wan_i2v

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "character_bank" / "lighthouse"
SCRIPT = """Title: Two Lines

INT. LIGHTHOUSE LAMP ROOM - NIGHT

MARA polishes the brass.

TOBY
Two hundred and twelve steps.

MARA
Thirteen. You missed the one that creaks.
"""


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


@pytest.fixture(scope="module")
def tiny_gpu_profile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    models = tmp_path_factory.mktemp("tiny-gpu-models")
    sdxl = build_sdxl(models / "sdxl")
    return {
        "video": {"width": 96, "height": 64, "fps": 8, "preset": "ultrafast"},
        "render": {
            "keyframe": {"model": str(sdxl), "ip_adapter": str(build_ip_adapter(models / "ip-adapter", sdxl)), "device": "cpu", "steps": 2, "pixels": 128 * 96},
            "video": {
                "model": str(save_wan_i2v(models / "wan22", image_encoder=False, two_experts=True)),
                "device": "cpu",
                "steps": 2,
                "max_pixels": 96 * 64,
            },
            "continuity": True,
            "runner": {"kind": "local", "gpus": None, "workers": 1},
        },
        "progress": False,
    }


def test_gpu_wan_profile_makes_a_movie_from_keyframes_and_remakes_nothing(tiny_gpu_profile: dict, tmp_path: Path) -> None:
    script = tmp_path / "two-lines.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    settings = load_settings("gpu-wan", **tiny_gpu_profile)

    result = make_movie(script, BANK, tmp_path / "out", settings)

    # Every shot has its keyframe at the movie's size, and the clip starts from it.
    keyframes = sorted((result.outdir / "keyframes").glob("shot_*.png"))
    clips = sorted((result.outdir / "clips").glob("shot_*.mp4"))
    assert len(keyframes) == len(clips) == result.shots >= 2
    for keyframe in keyframes:
        with Image.open(keyframe) as image:
            assert image.size == (96, 64)
            assert np.asarray(image.convert("L")).std() > 1, f"{keyframe.name} is flat"
    # The movie: exactly the timeline's frames at the profile's size and rate, with its audio and subtitles.
    info = probe(result.movie)
    assert (info.width, info.height, info.fps) == (96, 64, 8)
    assert count_frames(result.movie) == sum(timing.num_frames for timing in _timeline(result.outdir).shots)
    assert info.audio_codec == "aac" and result.subtitles.read_text(encoding="utf-8").count("-->") >= 2
    assert result.keyframes_rendered == result.clips_rendered == result.shots

    again = make_movie(script, BANK, tmp_path / "out", settings)
    assert (again.keyframes_rendered, again.clips_rendered) == (0, 0)


def test_missing_weights_stop_the_run_before_planning(tiny_gpu_profile: dict, tmp_path: Path) -> None:
    script = tmp_path / "two-lines.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    settings = load_settings("gpu-wan", **{**tiny_gpu_profile, "render": {"video": {"model": str(tmp_path / "no-wan-here")}}})

    with pytest.raises(InputErrors, match="no-wan-here"):
        make_movie(script, BANK, tmp_path / "out", settings)
    assert not (tmp_path / "out" / "plan.json").exists()


def _timeline(outdir: Path):
    from movieagent.schema import Timeline

    return Timeline.model_validate_json((outdir / "timeline.json").read_text(encoding="utf-8"))
