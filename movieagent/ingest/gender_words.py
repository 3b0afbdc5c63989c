"""A character's gender where an English script writes it: in the role's name, or in the action around the name.

gender_in_name(["A MAN'S VOICE"]) -> "male";  gender_in_name(["MRS. QUILL"]) -> "female";  gender_in_name(["KARL"]) -> None
action_genders(actions, roles): 'his wife Josephine' -> josephine female by noun; 'EDWARD sits. He waits.',
said often enough -> edward male by pronouns.

Hand-written rules: no well-kept library reads gender from a screenplay's cues and action (the name-list
guessers guess from given names, which is not what the script says); these take only what is written.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from movieagent.schema import Gender

# Nouns and titles that say a person's gender; descriptions (ingest.voice_words) read them too.
FEMALE_NOUNS = frozenset(
    "woman women girl girls lady ladies gal mother mom mum mommy mama ma mam madam ma'am grandmother grandma granny "
    "grandmama stepmother wife bride girlfriend daughter granddaughter stepdaughter sister sis aunt auntie niece "
    "queen princess duchess countess empress actress hostess stewardess waitress landlady widow heroine nun mrs ms "
    "miss female feminine cowgirl schoolgirl sorceress witch goddess".split()
)
MALE_NOUNS = frozenset(
    "man men boy boys guy lad gentleman gentlemen father dad daddy papa pa grandfather grandpa stepfather husband "
    "groom bridegroom boyfriend son grandson stepson brother bro uncle nephew king prince duke emperor actor "
    "steward waiter landlord widower hero monk mr mister sir male masculine cowboy schoolboy bellboy paperboy "
    "policeman fireman postman mailman salesman businessman chairman doorman cameraman fisherman gunman henchman "
    "foreman milkman sorcerer wizard".split()
)
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
# The action decides a role only by a clear majority of its mentions; pronouns, which often mean someone else,
# need this many mentions too.
CLEAR_MAJORITY = 0.8
MIN_PRONOUN_MENTIONS = 3

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# A full stop after these ends no sentence: 'Mr. Bloom turns. He ...' is one sentence, then the next.
_SENTENCE_END = re.compile(r"(?i)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bSr)[.!?]+[\"”’')]*(?=\s|$)")
_PRONOUN = re.compile(r"(?i)(?<![\w'’])(he|his|himself|she|her|hers|herself)(?![\w])")
# 'him', and 'her' before punctuation or one of these words, is an object: in 'JOSEPHINE holds him back' it is
# someone else. Only pronouns that can be the named one are counted (he, his, himself; she, her head, herself).
_AFTER_OBJECT = re.compile(
    r"\s*(?:[^\w\s]|$|(?:a|an|the|to|and|or|but|back|up|down|off|out|in|on|with|from|as|at|for|into|onto|over|again|"
    r"away|that|this|these|those|some|by|about|around|through|close|tight|before|after|if|what|how|why|when|where)\b)",
    re.IGNORECASE,
)


def gender_in_name(names: Sequence[str]) -> Gender | None:
    """The gender the role's own names say ('LITTLE GIRL', "A MAN'S VOICE", 'MRS. QUILL'); None when they say
    none or disagree. In each name the head noun decides: the last gendered word before any 'of'
    ("GIRL'S FATHER" and 'FATHER OF THE BRIDE' are men)."""
    said = {gender for name in names if (gender := _name_gender(name))}
    return said.pop() if len(said) == 1 else None


def _name_gender(name: str) -> Gender | None:
    words = [word.removesuffix("'s") for word in _WORD.findall(name.lower().replace("’", "'"))]
    head = words[: words.index("of")] if "of" in words[1:] else words
    for word in reversed(head or words):
        if word in FEMALE_NOUNS or (word.endswith("woman") and word != "woman"):
            return "female"
        if word in MALE_NOUNS:
            return "male"
    return None


def action_genders(actions: Iterable[str], roles: Mapping[str, Sequence[str]]) -> tuple[dict[str, Gender], dict[str, Gender]]:
    """Each role's gender as the action says it: (by the noun right before its name, by the pronouns after it).

    `roles` maps a role to its spellings; each is looked for in capitals and as written ('EDWARD', 'Edward').
    A noun right before a name is one said of it: 'his wife Josephine', "Beamen's daughter JENNY".
    A mention's pronouns are those after it in its sentence and the next, up to any other role's name; its vote
    is the gender most of them have. Pronouns decide a role with MIN_PRONOUN_MENTIONS such votes, CLEAR_MAJORITY
    one way; nouns with CLEAR_MAJORITY one way.
    """
    # 1. One pattern for every role's spellings, longest first: 'YOUNG EDWARD' is not a mention of 'EDWARD'.
    owner: dict[str, str] = {}
    for role, spellings in roles.items():
        for spelling in spellings:
            for form in (spelling, spelling.upper(), string.capwords(spelling.lower())):
                if form.strip():
                    owner.setdefault(" ".join(form.split()), role)
    if not owner:
        return {}, {}
    forms = sorted(owner, key=len, reverse=True)
    names = re.compile(r"(?<![\w'’])(" + "|".join(re.escape(form).replace(r"\ ", r"\s+") for form in forms) + r")(?!\w)")

    # 2. Votes: the noun before each mention; the pronouns after it, until its window closes.
    nouns: dict[str, Counter[str]] = {}
    pronouns: dict[str, Counter[str]] = {}
    for text in actions:
        role, ends_left, said = "", 0, Counter[str]()
        for kind, value, apposed in [*_events(text, names, owner), ("name", "", "")]:
            if kind == "name" or (kind == "end" and ends_left == 1):
                if role and said["male"] != said["female"]:
                    pronouns.setdefault(role, Counter())[said.most_common(1)[0][0]] += 1
                role, ends_left, said = value, 2, Counter()
                if apposed:
                    nouns.setdefault(role, Counter())[apposed] += 1
            elif kind == "end":
                ends_left -= 1
            elif role:
                said["male" if value in MALE_PRONOUNS else "female"] += 1

    # 3. Only a clear majority decides.
    return _decided(nouns, 1), _decided(pronouns, MIN_PRONOUN_MENTIONS)


def _decided(votes: Mapping[str, Counter[str]], least: int) -> dict[str, Gender]:
    decided: dict[str, Gender] = {}
    for role, counted in votes.items():
        (gender, count), total = counted.most_common(1)[0], sum(counted.values())
        if total >= least and count >= CLEAR_MAJORITY * total:
            decided[role] = "male" if gender == "male" else "female"
    return decided


def _events(text: str, names: re.Pattern[str], owner: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """In the order of the text: ('name', role, the gender of a noun right before it or ''), ('pronoun', word, '')
    and ('end', '', '') where a sentence ends. Words inside a name ('HIS WIFE', 'MR. BLOOM') are the name's."""
    matches = list(names.finditer(text))
    spans = [(match.start(), "name", owner[" ".join(match[1].split())], _apposed(text, match)) for match in matches]
    inside = {index for match in matches for index in range(match.start(), match.end())}
    others = [(match.start(), "end", "", "") for match in _SENTENCE_END.finditer(text)]
    others += [
        (match.start(), "pronoun", match[1].lower(), "")
        for match in _PRONOUN.finditer(text)
        if match[1].lower() != "her" or not _AFTER_OBJECT.match(text, match.end())
    ]
    events = sorted(spans + [event for event in others if event[0] not in inside])
    return [(kind, value, apposed) for _, kind, value, apposed in events]


def _apposed(text: str, name: re.Match[str]) -> str:
    """'female' for 'his wife Josephine', 'male' for 'his father EDWARD BLOOM'; '' otherwise, and where the name
    is a possessive ('hands the girl Edward's hat': the girl is not Edward)."""
    before = re.search(r"([\w'’]+)\s+$", text[max(0, name.start() - 40) : name.start()])
    if not before or re.match(r"['’]s\b", text[name.end() :]):
        return ""
    word = before[1].lower()
    return "female" if word in FEMALE_NOUNS else "male" if word in MALE_NOUNS else ""
