from pathlib import Path

import pytest

from movieagent.config import SpeechSettings
from movieagent.schema import CastMember, Line, LocationSheet, Plan, Scene, Shot, SpokenLine
from movieagent.timeline import build_timeline

SPEECH = SpeechSettings(gap_between_lines_s=0.3, lead_in_s=0.4, tail_s=0.5)


def make_plan() -> Plan:
    lines = [Line(id=f"line-{n}", speaker_id="ann", text=f"Line number {n}.") for n in range(1, 4)]
    shots = [
        Shot(id="s1-establishing", scene_id="s1", duration_s=3.0),
        Shot(id="s1-talk", scene_id="s1", duration_s=2.0, lines=lines[:2]),
        Shot(id="s1-reply", scene_id="s1", duration_s=6.0, lines=lines[2:]),
    ]
    return Plan(
        title="t",
        source=Path("t.fountain"),
        cast=[CastMember(id="ann", name="Ann")],
        locations=[LocationSheet(id="room", name="Room", description="a room")],
        scenes=[Scene(id="s1", index=1, heading="INT. ROOM - DAY", location_id="room", shots=shots)],
    )


def spoken(durations: dict[str, float]) -> list[SpokenLine]:
    return [
        SpokenLine(line_id=line_id, speaker_id="ann", text="x", audio=Path(f"{line_id}.wav"), duration_s=seconds)
        for line_id, seconds in durations.items()
    ]


def test_shots_stretch_to_speech_and_keep_planned_length_otherwise():
    timeline = build_timeline(make_plan(), spoken({"line-1": 1.5, "line-2": 2.0, "line-3": 1.0}), SPEECH, fps=24)
    establishing, talk, reply = timeline.shots
    assert establishing.num_frames == 72  # 3.0 s planned, no speech
    # 0.4 lead-in + 1.5 + 0.3 gap + 2.0 + 0.5 tail = 4.7 s > 2.0 s planned
    assert talk.num_frames == 113 and talk.duration_s >= 4.7
    assert reply.num_frames == 144  # planned 6 s is longer than 0.4 + 1.0 + 0.5
    assert [shot.index for shot in timeline.shots] == [1, 2, 3]


def test_lines_follow_each_other_inside_their_shot_without_overlap():
    timeline = build_timeline(make_plan(), spoken({"line-1": 1.5, "line-2": 2.0, "line-3": 1.0}), SPEECH, fps=24)
    lines = timeline.lines()
    assert [line.line_id for line in lines] == ["line-1", "line-2", "line-3"]
    talk = timeline.shots[1]
    assert lines[0].start_s == pytest.approx(talk.start_s + 0.4, abs=1e-3)
    assert lines[1].start_s == pytest.approx(lines[0].end_s + 0.3, abs=1e-3)
    for shot in timeline.shots:
        for line in shot.lines:
            assert shot.start_s <= line.start_s < line.end_s <= shot.start_s + shot.duration_s


def test_movie_length_is_exactly_the_sum_of_whole_frames():
    timeline = build_timeline(make_plan(), spoken({"line-1": 1.234, "line-2": 0.777, "line-3": 2.5}), SPEECH, fps=25)
    frames = sum(shot.num_frames for shot in timeline.shots)
    assert timeline.duration_s() == pytest.approx(frames / 25)
    for previous, following in zip(timeline.shots, timeline.shots[1:]):
        assert following.start_s == pytest.approx(previous.start_s + previous.num_frames / 25)


def test_a_line_without_speech_is_an_error():
    with pytest.raises(ValueError, match="line-3"):
        build_timeline(make_plan(), spoken({"line-1": 1.0, "line-2": 1.0}), SPEECH, fps=24)
