"""Voice words read from free text: a character's description, or a MovieAgent caption.

voice_words("widower of seventy-eight, bushy white eyebrows") -> Voice(gender="male", age="old")

Only what the text says plainly is taken (gender, age, accent, a deep or high voice, a fast or slow talker);
the rest stays unset for casting to choose. Hand-written rules rather than a model: the words are few and
a model would need weights.
"""

from __future__ import annotations

import re

from movieagent.ingest.gender_words import FEMALE_NOUNS, FEMALE_PRONOUNS, MALE_NOUNS, MALE_PRONOUNS
from movieagent.schema import Voice, age_group

_FEMALE = FEMALE_NOUNS | FEMALE_PRONOUNS
_MALE = MALE_NOUNS | MALE_PRONOUNS
_NOT_MEN = ("human", "german", "roman", "shaman", "ottoman", "woman")  # words ending in 'man' that say no man
_AGE_WORDS = {
    "child": "child kid baby toddler infant schoolgirl schoolboy",
    "teen": "teen teenager teenage adolescent",
    "young": "young youthful",
    "middle-aged": "middle-aged",
    "old": "old elderly aged retired grey-haired gray-haired white-haired wrinkled ancient widower widow grandmother grandfather grandma grandpa",
}
# 'boy' and 'girl' say child unless the text says otherwise ('a boy of nine'; not 'the boy next door, 30').
_CHILD_NOUNS = ("boy", "girl")
_ACCENTS = (
    "american british english scottish irish welsh australian canadian indian southern texan french german spanish "
    "italian russian"
)
_LOW_VOICE = re.compile(r"\b(deep|low|gravelly|booming|husky|bass)[- ](voiced|voice)\b|\bbaritone\b|\bbass\b")
_HIGH_VOICE = re.compile(r"\b(high|squeaky|shrill|piping)[- ](pitched|voiced|voice)\b|\bsquea?ky\b|\bsoprano\b")
_FAST = re.compile(r"\b(fast|quick|rapid)[- ](talking|talker|spoken|speaking)\b|\bmotormouth\b|\bchatterbox\b")
_SLOW = re.compile(r"\b(slow)[- ](talking|talker|spoken|speaking)\b|\bdrawl(s|ing)?\b|\bmeasured speech\b")

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORD = rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?|{'|'.join(_UNITS)})"
_DECADES = {"twenties": 25, "thirties": 35, "forties": 45, "fifties": 55, "sixties": 65, "seventies": 75, "eighties": 85, "nineties": 95}
# 'a widower of seventy-eight', 'boy of nine': a person, then 'of' and the age ('mother of 3' is not one).
_PERSON = "woman|man|boy|girl|lady|gentleman|widow|widower|child|kid|person|fellow|guy|landlady|landlord"
_AGE_PATTERNS = (
    re.compile(r"\b(\d{1,3})[- ]?(?:year|yr)s?[- ]old\b"),
    re.compile(rf"\b(?:aged?|(?:{_PERSON}) of)\s+(\d{{1,3}})\b"),
    re.compile(r"\((\d{1,3})\s*[,)]"),
    re.compile(r"^\s*(\d{1,3})\s*[,;]"),
    re.compile(rf"\b(?:aged?|(?:{_PERSON}) of)\s+({_NUMBER_WORD})\b"),
    re.compile(rf"\b({_NUMBER_WORD})[- ]year[- ]old\b"),
)
_DECADE_PATTERN = re.compile(rf"\b(?:early|mid|late)?[- ]?(?:(\d)0s|({'|'.join(_DECADES)}))\b")


def voice_words(text: str) -> Voice:
    """The voice words a description or caption gives; fields it says nothing about stay None."""
    lowered = " " + text.lower().replace("’", "'") + " "
    words = re.findall(r"[a-z]+(?:-[a-z]+)*", lowered)
    return Voice(
        gender=_gender(words),
        age=_age(lowered, words),
        accent=next((word for word in words if word in _ACCENTS.split()), None),
        pitch="low" if _LOW_VOICE.search(lowered) else "high" if _HIGH_VOICE.search(lowered) else None,
        speed="fast" if _FAST.search(lowered) else "slow" if _SLOW.search(lowered) else None,
    )


def with_words_from(voice: Voice, text: str) -> Voice:
    """`voice` with the fields it leaves unset filled in from `text` (what a person wrote always wins)."""
    guessed = voice_words(text)
    given = {name for name in ("gender", "age", "accent", "pitch", "speed") if getattr(voice, name) is not None}
    if voice.words_per_minute is not None:
        given.add("speed")  # the earlier banks' way of saying it
    filled = {name: getattr(guessed, name) for name in ("gender", "age", "accent", "pitch", "speed") if name not in given}
    return voice.model_copy(update={name: value for name, value in filled.items() if value is not None})


def _gender(words: list[str]) -> str | None:
    female = sum(word in _FEMALE or word.endswith("woman") for word in words)
    male = sum(word in _MALE or (word.endswith("man") and not word.endswith("woman") and word not in _NOT_MEN) for word in words)
    if female == male:
        return None
    return "female" if female > male else "male"


def _age(text: str, words: list[str]) -> str | None:
    for pattern in _AGE_PATTERNS:
        if match := pattern.search(text):
            years = _number(match.group(1))
            if years is not None and 0 < years <= 120:
                return age_group(years)
    if match := _DECADE_PATTERN.search(text):
        return age_group(int(match.group(1)) * 10 + 5 if match.group(1) else _DECADES[match.group(2)])
    for group, group_words in _AGE_WORDS.items():
        if any(word in group_words.split() for word in words):
            return group
    return "child" if any(word in _CHILD_NOUNS for word in words) else None


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    parts = re.split(r"[- ]", text)
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_UNITS.index(parts[1]) if len(parts) > 1 else 0)
    return _UNITS.index(parts[0]) if parts[0] in _UNITS else None
