"""Scripts in other languages: full-width Fountain, the script's language, its subtitle rules, fonts and speech."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pysubs2
import pytest
from PIL import Image, ImageDraw

from movieagent import assemble, load_settings, make_movie
from movieagent.config import SubtitleSettings
from movieagent.errors import InputError, RenderError
from movieagent.ingest import load_script
from movieagent.ingest.language import writing_system_language
from movieagent.preview import fonts
from movieagent.schema import ClipResult, LineTiming, ShotTiming, Timeline, Voice
from movieagent.subtitles import build_subtitles, subtitle_rules
from movieagent.workspace import Workspace
from tests.media_probe import frame_at

FULL_WIDTH = """Title：映画
Author：匿名

フェードイン：

INT。 病院-夜

ジョン（20）が入院。

ジョン（V.O.）
（失われた）
この場所は何ですか？

看護師
静かに。

彼女は窓を開ける
そして外を見る。
"""
# The same script written with Fountain's ASCII marks and a forced cue.
ASCII = """Title: 映画
Author: 匿名

フェードイン：

INT. 病院-夜

ジョン（20）が入院。

@ジョン (V.O.)
(失われた)
この場所は何ですか？

@看護師
静かに。

彼女は窓を開ける
そして外を見る。
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- Fountain with full-width marks


def test_full_width_fountain_parses_like_its_ascii_form(tmp_path):
    full_width = load_script(write(tmp_path, "full.fountain", FULL_WIDTH))
    ascii_form = load_script(write(tmp_path, "ascii.fountain", ASCII))

    assert full_width.title_page == ascii_form.title_page == {"Title": "映画", "Author": "匿名"}
    assert full_width.model_dump(exclude={"source"}) == ascii_form.model_dump(exclude={"source"})
    scene = full_width.scenes[0]
    assert (scene.location, scene.interior, scene.time_of_day, scene.line) == ("病院", True, "夜", 6)
    john, nurse = full_width.dialogue()
    assert (john.cue, john.extensions, john.parenthetical, john.text, john.line) == ("ジョン", ["V.O."], "失われた", "この場所は何ですか？", 10)
    assert (nurse.cue, nurse.text, nurse.line) == ("看護師", "静かに。", 14)
    # Dialogue keeps its own full-width punctuation; a two-line action paragraph is not read as a cue.
    actions = [element.text for element in scene.elements if element.kind == "action"]
    assert actions[-1] == "彼女は窓を開ける\nそして外を見る。"
    # 'フェードイン：' is a transition: it opens the first scene instead of being a scene of its own.
    assert len(full_width.scenes) == 1 and full_width.language == ascii_form.language == "ja"


def test_the_japanese_corpus_script_gets_its_dialogue(fountain_corpus):
    script = load_script(fountain_corpus / "afterwriting-japanese.fountain")

    assert (script.title, script.language) == ("映画", "ja")
    assert [(d.cue, d.parenthetical, d.text) for d in script.dialogue()] == [("ジョン", "失われた", "この場所は何ですか？")]
    scene = script.scenes[0]
    assert (scene.location, scene.interior, scene.time_of_day) == ("病院", True, "日")


def test_russian_headings_open_scenes(fountain_corpus):
    script = load_script(fountain_corpus / "afterwriting-cyrillic.fountain")
    assert [(s.location, s.interior, s.time_of_day) for s in script.scenes] == [
        ("КВАРТИРА МАШИ – СТОЛОВАЯ", True, "ДЕНЬ"),
        ("КВАРТИРА МАШИ – КУХНЯ", True, "ДЕНЬ"),
    ]
    assert script.language == "ru"


# --------------------------------------------------------------------------- the script's language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("この場所は何ですか？", "ja"),
        ("我们已经走了三天了。", "zh"),
        ("여기가 어디예요?", "ko"),
        ("Где мы?", "ru"),
        ("Where are we? 東京", "en"),
        ("", "en"),
    ],
)
def test_the_writing_system_names_the_language(text, language):
    assert writing_system_language(text) == language


def test_the_title_page_names_the_language_or_is_refused(tmp_path):
    french = load_script(write(tmp_path, "fr.fountain", "Title: Bonjour\nLanguage: fr-CA\n\nINT. CAFÉ - JOUR\n\nANNE\nOù sommes-nous ?\n"))
    assert french.language == "fr-CA"
    with pytest.raises(InputError, match="not a language code") as error:
        load_script(write(tmp_path, "bad.fountain", "Title: X\nLanguage: the one they speak\n\nINT. A - DAY\n\nANNE\nHi.\n"))
    assert error.value.path.name == "bad.fountain" and "BCP 47" in error.value.fix


# --------------------------------------------------------------------------- subtitle rules per language


def timeline_of(texts: list[str], seconds_each: float = 2.0, gap_s: float = 6.0) -> Timeline:
    lines = [
        LineTiming(line_id=f"line-{i}", speaker_id="ann", text=text, audio=Path(f"{i}.wav"), start_s=1 + i * (seconds_each + gap_s), end_s=1 + i * (seconds_each + gap_s) + seconds_each)
        for i, text in enumerate(texts)
    ]
    end = 2 + len(texts) * (seconds_each + gap_s)
    return Timeline(fps=24, shots=[ShotTiming(shot_id="one", index=1, start_s=0, duration_s=end, num_frames=end * 24, lines=lines)])


JAPANESE = [
    "そして、何も起こりません。次の一時間、ジョンは沈黙の中で動かずに立っています。",
    "この場所は何ですか？",
    "東京駅で Hello world と言いました。",
]


def test_japanese_lines_hold_sixteen_characters_broken_between_phrases():
    cues = build_subtitles(timeline_of(JAPANESE), SubtitleSettings(), "ja")
    lines = [line for cue in cues for line in cue.lines]

    assert max(len(line) for line in lines) <= 16 and len(cues) > len(JAPANESE)
    assert "".join(re.sub(r"\s", "", "".join(cue.lines)) for cue in cues) == re.sub(r"\s", "", "".join(JAPANESE))
    # Breaks fall between BudouX phrases: never inside '沈黙の' or '立っています。', never before a closing '。'.
    assert not any(line.startswith(("。", "、", "っ", "す")) for line in lines)
    # Latin words inside Japanese stay whole and keep their space, on one line or across two.
    assert any("Hello world" in " ".join(cue.lines) for cue in cues) and {"Hello", "world"} <= set(" ".join(lines).split())


def test_japanese_cues_stay_up_long_enough_to_read_four_characters_a_second():
    cue = build_subtitles(timeline_of(["この場所は何ですか？"], seconds_each=1.0), SubtitleSettings(), "ja")[0]
    assert cue.end_ms - cue.start_ms >= 1000 * len("この場所は何ですか？") / 4
    english = build_subtitles(timeline_of(["What is this place?"], seconds_each=1.0), SubtitleSettings(), "en")[0]
    assert english.end_ms - english.start_ms < 1000 * len("What is this place?") / 4


def test_spaced_languages_never_break_inside_a_word():
    text = "Мы шли три дня, и никто не сказал ни слова о карте. Думаю, мы заблудились ещё у реки, Маргарита."
    settings = SubtitleSettings(max_chars_per_line=16)
    words = set(text.split())
    for cue in build_subtitles(timeline_of([text], seconds_each=8.0), settings, "ru"):
        for line in cue.lines:
            assert set(line.split()) <= words, line


def test_a_language_tag_falls_back_to_its_primary_language():
    assert subtitle_rules(SubtitleSettings(), "zh-Hant").max_chars_per_line == 16
    assert subtitle_rules(SubtitleSettings(), "en-GB") == SubtitleSettings()


# --------------------------------------------------------------------------- fonts


def ink(text: str, typeface: fonts.Font) -> np.ndarray:
    image = Image.new("L", (200, 60), 0)
    ImageDraw.Draw(image).text((4, 4), text, font=typeface, fill=255)
    return np.asarray(image) > 127


def test_cjk_text_gets_a_font_with_its_letters():
    if fonts.cjk_font_file() is None:
        pytest.skip(f"no CJK font installed ({fonts.CJK_INSTALL_HINT})")
    # Empty boxes for missing letters all look alike; real letters do not.
    first, second = ink("場", fonts.font(40, text="場所")), ink("所", fonts.font(40, text="場所"))
    assert first.sum() > 50 and (first != second).sum() > 100
    assert fonts.font(40, text="Hello").getname()[0] != fonts.font(40, text="場所").getname()[0]


def test_without_a_cjk_font_the_log_says_what_to_install(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "cjk_font_file", lambda: None)
    fonts._warn_no_cjk_font.cache_clear()
    fonts.font(20, text="映画")
    assert "movieagent[cjk]" in caplog.text


# --------------------------------------------------------------------------- a Japanese film, end to end


def japanese_film(tmp_path: Path) -> tuple[Path, Path]:
    bank = tmp_path / "bank" / "john"
    bank.mkdir(parents=True)
    (bank / "character.yaml").write_text("name: ジョン\n", encoding="utf-8")
    Image.new("RGBA", (60, 120), (40, 160, 90, 255)).save(bank / "john.png")
    return write(tmp_path, "film.fountain", "Title：映画\n\nINT。 病院-日\n\nジョン\n（失われた）\nこのばしょはなんですか？\n"), bank.parent


def test_a_japanese_film_speaks_japanese_and_burns_in_real_letters(tmp_path, monkeypatch):
    if fonts.cjk_font_file() is None:
        pytest.skip(f"no CJK font installed ({fonts.CJK_INSTALL_HINT})")
    script, bank = japanese_film(tmp_path)
    settings = load_settings(progress=False, video={"width": 320, "height": 180, "fps": 12, "burn_subtitles": True})
    result = make_movie(script, bank, tmp_path / "out", settings)

    plan = (result.outdir / "plan.json").read_text(encoding="utf-8")
    assert '"language": "ja"' in plan
    cues = pysubs2.load(str(result.subtitles), encoding="utf-8", format_="srt")
    assert [cue.plaintext for cue in cues] == ["このばしょはなんですか？"]
    line = Timeline.model_validate_json((result.outdir / "timeline.json").read_text()).lines()[0]
    # A Japanese voice reads twelve kana in well under the 5 s an English voice spelling them out takes.
    assert 0.5 < line.end_s - line.start_s < 3.0

    # The same film assembled without the font shows empty boxes: the burnt-in letters differ from them.
    monkeypatch.setattr(assemble, "cjk_font_file", lambda: None)
    clips = [ClipResult(shot_id=p.stem.split("_", 2)[2], path=p, num_frames=1, cached=True) for p in sorted((result.outdir / "clips").glob("shot_*.mp4"))]
    elsewhere = Workspace(tmp_path / "boxes")
    elsewhere.root.mkdir()
    shutil.copy(result.outdir / elsewhere.burnt_subtitles.name, elsewhere.burnt_subtitles)
    boxes = assemble.assemble_movie(clips, Workspace(result.outdir).mix, result.subtitles, settings.video, elsewhere, title="x", language="ja")
    middle = (line.start_s + line.end_s) / 2
    letters, empty = (frame_at(movie, middle, 320, 180).astype(int) for movie in (result.movie, boxes))
    assert np.abs(letters - empty)[130:].mean() > 1.0


def test_a_language_the_speech_backend_lacks_is_named(tmp_path):
    script, bank = japanese_film(tmp_path)
    script.write_text(script.read_text(encoding="utf-8").replace("Title：映画", "Title：映画\nLanguage: tlh"), encoding="utf-8")
    with pytest.raises(RenderError, match="no voice for language 'tlh' \\(the script's language"):
        make_movie(script, bank, tmp_path / "out", load_settings(progress=False), stop_after="speech")
    assert Voice().language is None  # a bank voice without a language speaks the script's
