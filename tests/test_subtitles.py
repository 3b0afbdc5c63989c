"""Subtitles: build the SRT from a realistic timeline, write it, parse it back with pysubs2, check every rule."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pysubs2
import pytest

from movieagent.config import SubtitleSettings
from movieagent.schema import LineTiming, ShotTiming, Timeline
from movieagent.subtitles import CUE_GAP_MS, build_subtitles, write_subtitles

LONG_LINE = (
    "We have been walking for three days now, and nobody has said a word about the map. "
    "I think we are lost; I think we have been lost since the river crossing, Marguerite. "
    "If you have a better idea, any idea at all, now would be an excellent moment to share it with the rest of us!"
)
# (text, start_s, end_s) of the real speech; spoken at a realistic 13-16 characters per second.
LINES = [
    ("Hi.", 0.50, 0.80),
    (LONG_LINE, 1.20, 20.40),
    ("Fine.", 20.50, 20.90),  # back to back: 0.1 s gaps on both sides
    ("Then follow me, quickly, before the light goes.", 21.00, 24.10),
    ("Ça va ? Très bien, merci — 東京へ行きます。", 24.20, 26.60),
    ("Antidisestablishmentarianism" * 3 + " indeed.", 27.50, 32.00),
    ("Where does this staircase lead to after midnight when nobody is watching", 32.40, 37.20),
    ("Stop it right now, I said stop, stop it now!", 37.50, 39.20),  # 26 characters per second: too fast to read
    ("No.\x07", 40.00, 40.30),  # a stray control character is not shown
]


def make_timeline(lines: list[tuple[str, float, float]], tmp_path: Path) -> Timeline:
    timings = [
        LineTiming(
            line_id=f"line-{index}", speaker_id="ada", text=text, audio=tmp_path / f"{index}.wav", start_s=start, end_s=end
        )
        for index, (text, start, end) in enumerate(lines)
    ]
    # Lines spread over two shots, as the pipeline makes them.
    return Timeline(
        fps=24,
        shots=[
            ShotTiming(shot_id="one", index=1, start_s=0, duration_s=21, num_frames=21 * 24, lines=timings[:3]),
            ShotTiming(shot_id="two", index=2, start_s=21, duration_s=21, num_frames=21 * 24, lines=timings[3:]),
        ],
    )


def written_and_parsed(timeline: Timeline, settings: SubtitleSettings, path: Path) -> pysubs2.SSAFile:
    write_subtitles(build_subtitles(timeline, settings), path)
    return pysubs2.load(str(path), encoding="utf-8", format_="srt")


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


SHOWN_TEXT = no_space("".join(text for text, _, _ in LINES)).replace("\x07", "")


def test_every_cue_follows_the_broadcast_rules(tmp_path: Path) -> None:
    settings = SubtitleSettings()
    cues = written_and_parsed(make_timeline(LINES, tmp_path), settings, tmp_path / "movie.srt")

    assert len(cues) > len(LINES)  # the long lines were split
    for cue, following in zip(cues, [*cues[1:], None]):
        start, end = cue.start, cue.end
        lines = cue.plaintext.split("\n")
        characters = len(cue.plaintext)
        assert 1 <= len(lines) <= 2 and all(0 < len(line) <= 42 for line in lines), cue.plaintext
        assert end - start <= 7000
        held_back = following is not None and end == following.start - CUE_GAP_MS
        assert end - start >= 1000 * 5 / 6 or held_back, f"too short and not held back: {cue}"
        assert characters / ((end - start) / 1000) <= 20 or held_back, f"too fast to read: {cue}"
        if following is not None:
            assert following.start - end >= CUE_GAP_MS


def cues_by_line(cues: pysubs2.SSAFile) -> list[list[pysubs2.SSAEvent]]:
    """The cues of each entry of LINES: those starting between its speech start and the next one's."""
    starts = [round(start_s * 1000) for _, start_s, _ in LINES] + [10**9]
    return [[cue for cue in cues if starts[index] <= cue.start < starts[index + 1]] for index in range(len(LINES))]


def test_cues_start_with_the_speech_and_end_no_later_than_reading_needs(tmp_path: Path) -> None:
    settings = SubtitleSettings()
    cues = written_and_parsed(make_timeline(LINES, tmp_path), settings, tmp_path / "movie.srt")

    for (text, start_s, end_s), line_cues in zip(LINES, cues_by_line(cues)):
        assert line_cues and line_cues[0].start == round(start_s * 1000), text
        last = line_cues[-1]
        reading_ms = 1000 * len(last.plaintext) / settings.max_chars_per_second
        allowed = max(end_s * 1000, last.start + 1000 * settings.min_duration_s, last.start + reading_ms)
        assert last.end <= allowed + 1, f"{last} outlasts both its speech and its reading time"
    # The fast line stays up into the silence after it until it can be read at 20 characters per second.
    fast = next(cue for cue in cues if cue.plaintext.startswith("Stop it"))
    assert fast.end == 37500 + math.ceil(1000 * len("Stop it right now, I said stop, stop it now!") / 20)
    # The last line is alone at the end: lengthened to the minimum duration, not more.
    assert cues[-1].end - cues[-1].start == math.ceil(1000 * 5 / 6)


def test_no_cue_outlasts_the_movie(tmp_path: Path) -> None:
    timeline = make_timeline([("A last word, said just before the end.", 40.0, 41.9)], tmp_path)
    cues = written_and_parsed(timeline, SubtitleSettings(), tmp_path / "movie.srt")
    assert cues[-1].end <= 1000 * timeline.duration_s()


def test_text_appears_complete_and_in_order(tmp_path: Path) -> None:
    cues = written_and_parsed(make_timeline(LINES, tmp_path), SubtitleSettings(), tmp_path / "movie.srt")

    assert no_space("".join(cue.plaintext for cue in cues)) == SHOWN_TEXT
    assert "Ça va ? Très bien, merci — 東京へ行きます。" in [cue.plaintext.replace("\n", " ") for cue in cues]
    assert (tmp_path / "movie.srt").read_bytes().decode("utf-8")  # UTF-8 on disk


def test_long_line_is_cut_at_sentences_and_clauses_with_time_shared_by_characters(tmp_path: Path) -> None:
    cues = written_and_parsed(make_timeline(LINES, tmp_path), SubtitleSettings(), tmp_path / "movie.srt")

    long_cues = [cue for cue in cues if 1200 <= cue.start < 20500]
    assert len(long_cues) >= 4
    assert all(re.search(r"[.,;!?]$", cue.plaintext) for cue in long_cues), [cue.plaintext for cue in long_cues]
    # Each cue starts when its first word is spoken, assuming a steady rate over the line's characters.
    offset = 0
    for cue in long_cues:
        expected = 1200 + (20400 - 1200) * offset / len(LONG_LINE)
        assert cue.start == pytest.approx(expected, abs=2)
        offset += len(cue.plaintext.replace("\n", " ")) + 1


def test_lines_are_balanced_and_long_words_are_cut(tmp_path: Path) -> None:
    cues = written_and_parsed(make_timeline(LINES, tmp_path), SubtitleSettings(), tmp_path / "movie.srt")
    texts = [cue.plaintext for cue in cues]

    staircase = next(text for text in texts if text.startswith("Where does"))
    top, bottom = staircase.split("\n")
    assert abs(len(top) - len(bottom)) <= 8
    assert "Then follow me, quickly,\nbefore the light goes." in texts  # balanced, and broken after a comma
    word_pieces = [line for text in texts for line in text.split("\n") if "Antidis" in line or "ment" in line]
    assert max(len(piece) for piece in word_pieces) == 42


def test_settings_are_honoured(tmp_path: Path) -> None:
    settings = SubtitleSettings(max_chars_per_line=24, max_lines=1, max_duration_s=3.0)
    cues = written_and_parsed(make_timeline(LINES, tmp_path), settings, tmp_path / "narrow.srt")

    assert all("\n" not in cue.plaintext and len(cue.plaintext) <= 24 for cue in cues)
    assert all(cue.end - cue.start <= 3000 for cue in cues)
    assert no_space("".join(cue.plaintext for cue in cues)) == SHOWN_TEXT


def test_a_timeline_without_lines_gives_an_empty_file(tmp_path: Path) -> None:
    cues = written_and_parsed(make_timeline([], tmp_path), SubtitleSettings(), tmp_path / "silent.srt")
    assert len(cues) == 0
    assert (tmp_path / "silent.srt").is_file()
