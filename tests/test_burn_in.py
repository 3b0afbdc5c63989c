"""A tiny film made twice, with soft subtitles only and with subtitles burnt into the picture."""

from __future__ import annotations

import numpy as np
from PIL import Image

from movieagent import load_settings, make_movie
from movieagent.media import probe
from movieagent.schema import Timeline
from tests.media_probe import frame_at

SCRIPT = """INT. KITCHEN - DAY

ANN
Good morning, this is a subtitle test.
"""


def test_burnt_subtitles_change_the_bottom_of_the_frame_only(tmp_path):
    bank = tmp_path / "bank" / "ann"
    bank.mkdir(parents=True)
    (bank / "character.yaml").write_text("name: Ann\n")
    Image.new("RGBA", (60, 120), (40, 160, 90, 255)).save(bank / "ann.png")
    script = tmp_path / "film.fountain"
    script.write_text(SCRIPT)

    frames = {}
    for burn in (False, True):
        settings = load_settings(progress=False, video={"width": 320, "height": 180, "fps": 12, "burn_subtitles": burn})
        result = make_movie(script, bank.parent, tmp_path / f"out-{burn}", settings)
        timeline = Timeline.model_validate_json((result.outdir / "timeline.json").read_text())
        line = timeline.lines()[0]
        frames[burn] = frame_at(result.movie, (line.start_s + line.end_s) / 2, 320, 180).astype(int)
        assert probe(result.movie).subtitle_codecs == ["mov_text"]

    difference = np.abs(frames[True] - frames[False]).mean(axis=2)
    assert difference[120:].mean() > 4 * max(difference[:90].mean(), 0.5), "text belongs in the lower part of the frame"
