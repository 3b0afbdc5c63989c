"""The language a script is written in: its title page's `Language:` key, else the writing system of its lines.

The writing system settles Japanese (kana), Korean (hangul), Chinese (Han without kana), Russian (Cyrillic),
Greek, Arabic, Hebrew, Thai and Hindi (Devanagari). Latin letters cannot tell English from French, so a
script in another Latin-alphabet language says so on its title page (`Language: fr`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from movieagent.errors import InputError
from movieagent.schema import Script, ScriptAction, ScriptDialogue

DEFAULT_LANGUAGE = "en"
TITLE_PAGE_KEYS = ("Language", "Lang")
# A BCP 47 tag as people write it: 'ja', 'pt-BR', 'zh-Hant'.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_LANGUAGE_NAMES = {
    "english": "en", "japanese": "ja", "日本語": "ja", "chinese": "zh", "中文": "zh", "mandarin": "zh",
    "korean": "ko", "한국어": "ko", "russian": "ru", "русский": "ru", "french": "fr", "german": "de",
    "spanish": "es", "italian": "it", "portuguese": "pt", "dutch": "nl", "polish": "pl", "greek": "el",
    "arabic": "ar", "hebrew": "he", "thai": "th", "hindi": "hi", "ukrainian": "uk",
}  # fmt: skip
# The first word of a letter's Unicode name -> the language its writing system most likely means.
_SCRIPT_LANGUAGE = {
    "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "CJK": "zh", "CYRILLIC": "ru", "GREEK": "el",
    "ARABIC": "ar", "HEBREW": "he", "THAI": "th", "DEVANAGARI": "hi", "LATIN": DEFAULT_LANGUAGE,
}  # fmt: skip
# Japanese mixes kana and Han characters; this share of kana among them is Japanese, not Chinese.
_KANA_SHARE_FOR_JAPANESE = 0.05


def script_language(script: Script) -> str:
    """A BCP 47 language tag for the script ('en', 'ja', 'zh'...)."""
    for key in TITLE_PAGE_KEYS:
        if value := script.title_page.get(key, "").strip():
            return _tag(value, script)
    spoken = " ".join(element.text for element in _texts(script, ScriptDialogue))
    return writing_system_language(spoken or " ".join(element.text for element in _texts(script, ScriptAction)))


def writing_system_language(text: str) -> str:
    """The language the letters of `text` are most likely written in; English for Latin letters or none."""
    systems: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            systems[_SCRIPT_LANGUAGE.get(unicodedata.name(char, "").split(" ")[0], "")] += 1
    kana = sum(1 for char in text if unicodedata.name(char, "").startswith(("HIRAGANA", "KATAKANA")))
    if kana and kana >= _KANA_SHARE_FOR_JAPANESE * (systems["ja"] + systems["zh"]):
        # Kana and kanji are one Japanese text.
        systems["ja"] += systems.pop("zh", 0)
    systems.pop("", None)
    return systems.most_common(1)[0][0] if systems else DEFAULT_LANGUAGE


def _texts(script: Script, kind: type[ScriptAction] | type[ScriptDialogue]) -> list[ScriptAction | ScriptDialogue]:
    return [element for scene in script.scenes for element in scene.elements if isinstance(element, kind)]


def _tag(value: str, script: Script) -> str:
    if _LANGUAGE_TAG.match(value):
        primary, *rest = value.split("-")
        return "-".join([primary.lower(), *rest])
    if (named := _LANGUAGE_NAMES.get(value.casefold())) is not None:
        return named
    raise InputError(
        f"title page 'Language: {value}' is not a language code",
        path=script.source,
        fix="write a BCP 47 code such as en, ja, zh, ko, ru, fr, de or pt-BR",
    )
