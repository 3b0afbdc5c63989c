"""The measurements on signals made to have known answers: speech times, loudness range, cuts, subtitle rules, order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import signal
from scipy.io import wavfile

from movieagent.config import SubtitleSettings
from movieagent.eval.coverage import measure_coverage
from movieagent.eval.cues import Cue, webvtt
from movieagent.eval.editing import detect_cuts, measure_editing
from movieagent.eval.soundtrack import SPEECH_FRAME_S, decode_soundtrack
from movieagent.eval.speech_activity import detect_speech
from movieagent.eval.subtitle_style import measure_subtitle_style
from movieagent.loudness import loudness_range_lu, short_term_loudness
from movieagent.schema import (
    CastMember,
    Line,
    LocationSheet,
    Plan,
    Scene,
    Script,
    ScriptDialogue,
    ScriptScene,
    Shot,
    ShotTiming,
    Timeline,
    Transition,
)

RATE = 48000


def write_wav(path: Path, samples: np.ndarray) -> Path:
    wavfile.write(path, RATE, np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16))
    return path


def test_speech_is_found_over_a_music_bed_and_ducking(tmp_path):
    rng = np.random.default_rng(7)
    seconds = np.arange(10 * RATE) / RATE
    bed = 0.1 * np.sin(2 * np.pi * 110 * seconds) + 0.05 * np.sin(2 * np.pi * 330 * seconds)
    voice = signal.sosfilt(signal.butter(4, [800, 3000], "bandpass", fs=RATE, output="sos"), rng.standard_normal(len(seconds)))
    speaking = np.zeros(len(seconds))
    for start, end in ((2.0, 2.9), (3.0, 3.5), (5.0, 6.2)):  # a 100 ms pause between words in the first line
        speaking[round(start * RATE) : round(end * RATE)] = 1
    ducked = np.where(speaking > 0, 0.25, 1.0)  # the bed is 12 dB down under the speech, as our mixer does
    path = write_wav(tmp_path / "scene.wav", bed * ducked + 0.2 * voice * speaking)

    speech = detect_speech(decode_soundtrack(path).speech_band_db, SPEECH_FRAME_S)

    assert [(segment.start_s, segment.end_s) for segment in speech.segments] == [
        (pytest.approx(2.0, abs=0.03), pytest.approx(3.5, abs=0.03)),
        (pytest.approx(5.0, abs=0.03), pytest.approx(6.2, abs=0.03)),
    ]


def test_silence_and_a_steady_tone_have_no_speech(tmp_path):
    seconds = np.arange(4 * RATE) / RATE
    for samples in (np.zeros(len(seconds)), 0.3 * np.sin(2 * np.pi * 2000 * seconds)):
        path = write_wav(tmp_path / "steady.wav", samples)
        assert detect_speech(decode_soundtrack(path).speech_band_db, SPEECH_FRAME_S).segments == []


def test_loudness_range_of_ebu_test_case_one_is_ten_lu(tmp_path):
    # EBU Tech 3341/3342 test signal 1: a 1 kHz sine, 20 s at -20 dBFS then 20 s at -30 dBFS; LRA 10 ± 1 LU.
    seconds = np.arange(40 * RATE) / RATE
    tone = 0.1 * np.sin(2 * np.pi * 1000 * seconds)
    tone[20 * RATE :] *= 10 ** (-10 / 20)
    soundtrack = decode_soundtrack(write_wav(tmp_path / "levels.wav", tone))

    short_term = short_term_loudness(soundtrack.loudness_energy, soundtrack.rate)

    assert loudness_range_lu(short_term) == pytest.approx(10.0, abs=0.2)
    assert short_term[50] == pytest.approx(short_term[150], abs=0.05)  # steady while the level is
    assert loudness_range_lu(np.full(100, -np.inf)) is None  # all under the absolute gate


def test_a_cut_stands_out_from_camera_moves_and_fades():
    differences = np.full(120, 0.02)  # a pan: every frame changes a little
    differences[90:102] = 0.05  # a fade: a dozen frames change more, evenly
    differences[40] = 0.2
    differences[[0, 70]] = [0.0, 0.03]  # the first frame, and a bump too small to be a cut
    assert detect_cuts(differences) == [40]


def test_editing_counts_cuts_missed_and_unexpected_but_not_fades():
    shots = [shot(f"shot-{number}", duration_s=2.0) for number in range(1, 5)]
    shots[2].transition_in = Transition.fade  # shot 2 -> 3 is a fade: no hard cut expected there
    timeline = Timeline(fps=12, shots=[ShotTiming(shot_id=item.id, index=number, start_s=2.0 * (number - 1), duration_s=2.0, num_frames=24) for number, item in enumerate(shots, start=1)])

    editing = measure_editing([25, 49, 60], timeline, plan_of(shots))

    assert (editing.planned_cuts, editing.soft_boundaries, editing.matched) == (2, 1, 1)
    assert [cut.frame for cut in editing.missed] == [72] and [cut.frame for cut in editing.unexpected] == [60]
    assert (editing.precision, editing.recall) == (0.5, 0.5)


def test_subtitle_style_names_each_rule_broken():
    limits = SubtitleSettings()
    cues = [
        Cue(index=1, start_s=0.0, end_s=2.0, text="Fine."),
        Cue(index=2, start_s=2.03, end_s=2.5, text="Far too many words for half a second"),
        Cue(index=3, start_s=2.4, end_s=10.0, text="one\ntwo\nthree"),
    ]

    style = measure_subtitle_style(cues, limits)

    broken = {(violation.index, violation.rule) for violation in style.violations}
    assert broken == {
        (2, "reading speed (characters/s)"),
        (2, "shortest time on screen (s)"),
        (2, "gap after the cue before (ms)"),
        (3, "lines"),
        (3, "longest time on screen (s)"),
        (3, "overlaps the cue before (ms)"),
    }
    assert (style.overlaps, style.most_lines_in_a_cue, style.smallest_gap_ms) == (1, 3, -100.0)


def test_webvtt_keeps_markup_characters_as_text():
    text = webvtt([Cue(index=1, start_s=3661.5, end_s=3662.25, text="Tom & Jerry <3\n\n--> go")])
    assert text == "WEBVTT\n\n1\n01:01:01.500 --> 01:01:02.250\nTom &amp; Jerry &lt;3\n--&gt; go\n\n"


def test_lines_out_of_order_are_in_the_plan_but_not_in_order():
    script = Script(
        title="t",
        source=Path("t.fountain"),
        format="fountain",
        scenes=[
            ScriptScene(
                index=1,
                heading="INT. ROOM - DAY",
                location="ROOM",
                elements=[ScriptDialogue(cue="ANN", text=text) for text in ("First, this.", "Then that!", "And at last… the end.")],
            )
        ],
    )
    swapped = shot("shot-1", lines=["Then that!", "first , THIS", "And at last... the end."])

    coverage = measure_coverage(plan_of([swapped]), script=script, subtitle_texts=["First, this.", "Then", "that!"])

    assert (coverage.lines, coverage.lines_in_plan, coverage.lines_in_order, coverage.lines_in_subtitles) == (3, 3, 2, 2)
    # Missing somewhere: the second line from its place in the plan, the third from the subtitles.
    assert [(line.text, line.in_order, line.in_subtitles) for line in coverage.missing] == [
        ("Then that!", False, True),
        ("And at last… the end.", True, False),
    ]
    assert coverage.scenes_in_plan == 0  # the plan's heading is not the script's


def shot(shot_id: str, *, duration_s: float = 2.0, lines: list[str] = ()) -> Shot:
    spoken = [Line(id=f"{shot_id}-line-{number}", speaker_id="ann", text=text) for number, text in enumerate(lines, start=1)]
    return Shot(id=shot_id, scene_id="scene-1", duration_s=duration_s, lines=spoken)


def plan_of(shots: list[Shot]) -> Plan:
    return Plan(
        title="t",
        source=Path("t.fountain"),
        cast=[CastMember(id="ann", name="Ann")],
        locations=[LocationSheet(id="room", name="Room", description="a room")],
        scenes=[Scene(id="scene-1", index=1, heading="INT. KITCHEN - DAY", location_id="room", shots=shots)],
    )
