"""`movieagent bank init`: a character bank drafted from a script, for a person to finish with pictures.

init_bank(script_path, root) does it all; draft_bank(script, existing) reads the script: one character per speaking role the bank does not know yet
(its cue variants as aliases, its description and age from where the action introduces it, its gender where an
English script says it: ingest.gender_words), one location per place in the scene headings. write_bank(draft, root)
writes each as character.yaml / location.yaml in a folder of its own and never replaces a file.

An introduction is the screenwriters' convention: a character's name in capitals the first time the action
shows them, with what they look like after it, in brackets or between commas:

    ARTHUR PENHALLOW (78, round glasses, mustard cardigan) shuffles in.
    CYBER BOB, 40, a white man, a mild, goofy, fairly daft pawn of a soul, strolls through the park.
    ジョン（20）が入院。

The capitals around the cue's words make the full name ('EDWARD' is introduced as 'EDWARD BLOOM, 40's and
handsome,'), unless they are another role's cue ('YOUNG EDWARD').
"""

from __future__ import annotations

import contextlib
import os
import re
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import Field

from movieagent.ingest.bank import (
    CHARACTER_FILE,
    IMAGE_SUFFIXES,
    LOCATION_FILE,
    LOCATIONS_FOLDER,
    CharacterFile,
    LocationFile,
    scan_bank,
)
from movieagent.ingest.gender_words import action_genders, gender_in_name
from movieagent.ingest.script import load_script
from movieagent.ingest.voice_words import voice_words
from movieagent.schema import CharacterBank, Gender, Model, Script, ScriptAction, slugify

# A description is a visual descriptor reused in every prompt: a sentence, not a paragraph.
MAX_DESCRIPTION_CHARS = 240
# Capitals that may stand around a cue in an introduction: 'DR. JULIUS BENNETT', "O'NEIL", 'MARY-JANE'; not
# the small words of camera directions in capitals ('PUSH IN ON WILL AND SANDRA').
_SMALL_WORDS = "A|AN|THE|AND|OR|OF|ON|IN|AT|TO|INTO|ONTO|WITH|AS|FOR|BY|FROM|OUT|UP|OVER|PAST|TOWARD|TOWARDS"
_CAPITAL_WORD = rf"(?!(?:{_SMALL_WORDS})(?![\w'’.\-]))[A-Z][A-Z'’.\-]*"
# A part of the sentence after the name that says what they do, not what they are: the description ends there.
_DOING = re.compile(r"^(?:is|was|are|were|has|have|had|does|did|will|would|can|could)\b", re.IGNORECASE)
_BRACKETS = re.compile(r"\s*[(（]([^()（）]{1,160})[)）]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s|\n\n")
_AGE = re.compile(r"(?i)(?<![\w.])(?:aged?\s+|also\s+)?(\d{1,3})(?:'?s)?(?![\w.])")
# What a file or folder name may not hold on any common system.
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]|\.\.')
_OLDEST_AGE = 120


class CharacterDraft(Model):
    folder: str
    name: str
    aliases: list[str] = []
    description: str = ""
    age: int | None = Field(default=None, ge=0, le=_OLDEST_AGE)
    gender: Gender | None = Field(default=None, description="What the script says: the role's name, its description or the pronouns after it")
    introduced_at: int | None = Field(default=None, description="Script line of the introduction the description comes from")


class LocationDraft(Model):
    folder: str
    name: str
    aliases: list[str] = []
    description: str = ""


class BankDraft(Model):
    characters: list[CharacterDraft] = []
    locations: list[LocationDraft] = []


class BankInitReport(Model):
    written: list[Path] = []
    kept: list[Path] = Field(default=[], description="Files that were there already, left as they were")
    need_pictures: list[Path] = Field(default=[], description="Folders written without a picture")


def init_bank(
    script_path: Path,
    root: Path,
    *,
    max_bytes: int = 5_000_000,
    max_scenes: int = 2000,
    describe: Callable[[Script, BankDraft], BankDraft] | None = None,
) -> tuple[BankDraft, BankInitReport]:
    """Drafts a bank for the script into `root` (made if missing), adding only what a bank already there lacks.

    `describe` rewrites the draft's descriptions before they are written (movieagent.planning.bank_descriptions).
    """
    # 1. Check inputs: the script loads; the bank is a folder or not there yet (its broken files stay as they are).
    script = load_script(Path(script_path), max_bytes=max_bytes, max_scenes=max_scenes)
    root = Path(root)
    existing = scan_bank(root)[0] if root.exists() else None

    # 2. Draft what is missing, described by a language model when asked.
    draft = draft_bank(script, existing)
    if describe is not None and (draft.characters or draft.locations):
        draft = describe(script, draft)

    # 3. Write it, never replacing a file.
    return draft, write_bank(draft, root, source=script.source)


def draft_bank(script: Script, existing: CharacterBank | None = None) -> BankDraft:
    """Characters and locations for every role and place of `script` that `existing` does not have yet."""
    # 1. Every speaking role (and every declared one) with the cue variants the script writes it as.
    variants: dict[str, list[str]] = {}
    for cue in [*script.characters, *(dialogue.cue for dialogue in script.dialogue())]:
        spellings = variants.setdefault(_role_key(cue), [])
        if cue not in spellings:
            spellings.append(cue)
    actions = [element for scene in script.scenes for element in scene.elements if isinstance(element, ScriptAction)]

    # 2. Introductions (full name, description, line) of the roles the bank lacks.
    introductions = {
        key: _introduction(spellings, set(variants) - {key}, actions)
        for key, spellings in variants.items()
        if existing is None or not any(existing.find_character(cue) for cue in spellings)
    }

    # 3. Genders an English script's action says around each role's names ('his wife Josephine', 'Edward ... he');
    #    the word lists are English, so other languages get none.
    english = script.language.lower().split("-")[0] == "en"
    apposed: dict[str, Gender] = {}
    spoken_of: dict[str, Gender] = {}
    if english:
        names = {key: [*spellings, introductions.get(key, ("",))[0]] for key, spellings in variants.items()}
        apposed, spoken_of = action_genders((action.text for action in actions), names)

    # 4. Characters: named from their introduction where there is one.
    characters: list[CharacterDraft] = []
    folders: set[str] = {LOCATIONS_FOLDER}
    for key, (full_name, description, line) in introductions.items():
        spellings = variants[key]
        name = _safe_name(_display(full_name or spellings[0]))
        aliases = [cue for cue in [*spellings, full_name] if cue and cue.casefold() != name.casefold()]
        # The name's words first ('LITTLE GIRL'), then the description's ('a white man', 'his wife X'), then pronouns.
        gender = gender_in_name([name, *aliases]) or voice_words(description).gender or apposed.get(key) or spoken_of.get(key)
        characters.append(
            CharacterDraft(
                folder=_folder(name, folders),
                name=name,
                aliases=[_safe_name(alias) for alias in dict.fromkeys(aliases)],
                description=description,
                age=_age(description),
                gender=gender if english else None,
                introduced_at=line,
            )
        )

    # 5. Locations: one per place, described as the heading does (what it looks like is for the person to add).
    locations: dict[str, LocationDraft] = {}
    for scene in script.scenes:
        place = scene.location.strip()
        if not place or _role_key(place) in locations or (existing is not None and existing.find_location(place)):
            continue
        name = _safe_name(_display(place))
        inside = {True: " (interior)", False: " (exterior)", None: ""}[scene.interior]
        aliases = [place] if _role_key(place) != _role_key(name) else []
        locations[_role_key(place)] = LocationDraft(folder=_folder(name, folders), name=name, aliases=aliases, description=name + inside)
    return BankDraft(characters=characters, locations=list(locations.values()))


def write_bank(draft: BankDraft, root: Path, *, source: Path) -> BankInitReport:
    """One folder per character and per location under `root`, each with its YAML; a file already there is kept."""
    report = BankInitReport()
    header = f"# Drafted by `movieagent bank init` from {source.name}: check it, then add a picture beside this file.\n"
    for character in draft.characters:
        voice = {"gender": character.gender, "age": character.age}
        voice = {field: value for field, value in voice.items() if value is not None} or None
        entry = CharacterFile(name=character.name, aliases=character.aliases, description=character.description, voice=voice)
        _write_new(root / character.folder / CHARACTER_FILE, header + _yaml(entry), report)
    for location in draft.locations:
        entry = LocationFile(name=location.name, aliases=location.aliases, description=location.description)
        _write_new(root / LOCATIONS_FOLDER / location.folder / LOCATION_FILE, header + _yaml(entry), report)
    return report


# --------------------------------------------------------------------------- reading the script


def _introduction(spellings: list[str], other_roles: set[str], actions: list[ScriptAction]) -> tuple[str, str, int | None]:
    """(full name, description, line) from the first action that introduces the role; ('', '', None) if none does."""
    for spelling in spellings:
        cased = spelling != spelling.lower()
        if cased:
            words = r"\s+".join(re.escape(word) for word in spelling.upper().split())
            pattern = re.compile(rf"(?<![\w'’])((?:{_CAPITAL_WORD}\s+){{0,3}}{words}(?:\s+{_CAPITAL_WORD}){{0,2}})(?![\w'’])")
        else:
            pattern = re.compile(rf"({re.escape(spelling)})(?=\s*[(（])")
        for action in actions:
            for match in pattern.finditer(action.text):
                full_name = " ".join(match[1].split()).strip(".")
                if _role_key(full_name) in other_roles:
                    continue  # 'YOUNG EDWARD' introduces another role, not EDWARD
                description = _described(action.text[match.end() :])
                if description or full_name != spelling:
                    return (full_name if full_name != spelling else ""), description, action.line
    return "", "", None


def _described(after_name: str) -> str:
    """What follows a name in its introduction: '(78, round glasses)', and/or ', 40, a white man,' up to the
    sentence's verb (the part not closed by a comma), stopping at another name in capitals."""
    parts = []
    if brackets := _BRACKETS.match(after_name):
        parts.append(brackets[1].strip())
        after_name = after_name[brackets.end() :]
    if after_name.startswith(","):
        sentence = _SENTENCE_END.split(after_name[1:], maxsplit=1)[0]
        for segment in sentence.split(",")[:-1]:  # the last segment is the rest of the sentence: what they do
            if (re.search(r"\b[A-Z]{2,}\b", segment) and not _AGE.fullmatch(segment.strip())) or _DOING.match(segment.strip()):
                break
            parts.append(" ".join(segment.split()))
    return ", ".join(part for part in parts if part)[:MAX_DESCRIPTION_CHARS]


def _age(description: str) -> int | None:
    """The first number in an introduction ('78', "40's", 'AGE 3', 'also 10') when it can be an age."""
    match = _AGE.search(description)
    return int(match[1]) if match and int(match[1]) <= _OLDEST_AGE else None


# --------------------------------------------------------------------------- names and files


def _role_key(name: str) -> str:
    """Cue variants of one role compare equal: 'MRS. BLOOM', 'Mrs Bloom'."""
    return " ".join(re.sub(r"[^\w'’]+", " ", name.casefold()).replace("’", "'").split())


def _display(name: str) -> str:
    """Script capitals made readable ('EDWARD BLOOM' -> 'Edward Bloom'); names in scripts without capitals stay."""
    return string.capwords(name.lower()) if name.isupper() else " ".join(name.split())


def _safe_name(name: str) -> str:
    """A name the bank accepts ('..', '/' and '\\' are refused there: names become file names)."""
    return " ".join(re.sub(r"[/\\]", " ", name).replace("..", ".").split())


def _folder(name: str, taken: set[str]) -> str:
    """A folder name for `name`: its slug, or in scripts without Latin letters the name itself, made unique."""
    slug = slugify(name)
    base = slug if slug != "unnamed" else _UNSAFE_IN_FILE_NAMES.sub("-", name).strip(". ") or "unnamed"
    folder, number = base, 2
    while folder in taken:
        folder, number = f"{base}-{number}", number + 1
    taken.add(folder)
    return folder


def _yaml(entry: CharacterFile | LocationFile) -> str:
    return yaml.safe_dump(entry.model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False, width=120)


def _write_new(path: Path, text: str, report: BankInitReport) -> None:
    """Writes `path` whole, only if it does not exist: linking a finished temporary file refuses to replace one
    (os.replace would, even a file made a moment ago by someone else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.link(temporary, path)
        report.written.append(path)
    except FileExistsError:
        report.kept.append(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    if not any(entry.suffix.lower() in IMAGE_SUFFIXES for entry in path.parent.iterdir()):
        report.need_pictures.append(path.parent)
