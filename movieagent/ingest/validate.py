"""Script and bank checked together: every speaking character must be in the bank (or be cast as an extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from movieagent.errors import InputError, InputErrors, InputWarning
from movieagent.ingest.bank import CHARACTER_FILE, scan_bank
from movieagent.ingest.extras import with_extras
from movieagent.ingest.script import load_script
from movieagent.schema import CharacterBank, Script, slugify

Unknown = Literal["error", "extra"]


def validate(script: Script, bank: CharacterBank) -> list[InputError]:
    """One problem per distinct name the bank does not know (at its first line); [] when all are known."""
    named = [(dialogue.cue, dialogue.line) for dialogue in script.dialogue()]
    named += [(name, None) for name in script.characters]
    problems = []
    reported: set[str] = set()
    for name, line in named:
        key = name.casefold()
        if key in reported or bank.find_character(name) is not None:
            continue
        reported.add(key)
        fix = _fix(name, bank) + ("" if problems else f"; or draft every missing one: {_bank_init_command(script, bank)}")
        problems.append(InputError(f"character '{name}' is not in the character bank", path=script.source, line=line, fix=fix))
    return problems


def input_warnings(script: Script, bank: CharacterBank) -> list[InputWarning]:
    """What works but is maybe not meant: each character of the script without a picture, naming its folder."""
    named = [*script.characters, *(dialogue.cue for dialogue in script.dialogue())]
    used = {found.id for name in named if (found := bank.find_character(name)) is not None}
    return [
        InputWarning(
            f"'{character.name}' has no picture: the preview draws a silhouette in its colour with its name, "
            "and diffusion backends draw it from its description alone",
            path=character.folder,
            fix="add a picture of them to this folder (a PNG with a transparent background becomes a cut-out)",
        )
        for character in bank.characters
        if character.id in used and not character.images and not character.extra
    ]


def check_inputs(
    script_path: Path, bank_path: Path, *, max_bytes: int = 5_000_000, max_scenes: int = 2000, unknown: Unknown = "error"
) -> tuple[Script, CharacterBank]:
    """Load the script and the bank and check them together, raising one InputErrors with every problem.

    `unknown="extra"` casts an extra (a bank character with `extra=True`) for every cue the bank does not have.
    """
    problems: list[InputError] = []
    script = bank = None
    try:
        script = load_script(script_path, max_bytes=max_bytes, max_scenes=max_scenes)
    except InputError as error:
        problems.append(error)
    try:
        bank, bank_problems = scan_bank(bank_path)
        problems += bank_problems
    except InputErrors as errors:
        problems += errors.problems
    if script is not None and bank is not None and _every_character_loaded(bank, problems):
        if unknown == "extra":
            bank = with_extras(script, bank)
        problems += validate(script, bank)
    if problems:
        raise InputErrors(problems)
    assert script is not None and bank is not None
    return script, bank


def _every_character_loaded(bank: CharacterBank, problems: list[InputError]) -> bool:
    """True when the bank's problems all lie inside characters that did load (e.g. a broken picture).

    Otherwise a character that failed to load would also show up as an unknown cue in the script.
    """
    loaded = [character.folder for character in bank.characters if character.folder is not None]
    return all(
        problem.path is not None and any(problem.path.is_relative_to(folder) for folder in loaded) for problem in problems
    )


def _bank_init_command(script: Script, bank: CharacterBank) -> str:
    return f"movieagent bank init {script.source} {bank.root}, or cast extras with casting.unknown: extra"


def _fix(name: str, bank: CharacterBank) -> str:
    known = ", ".join(character.name for character in bank.characters) or "none yet"
    return (
        f"known characters: {known}. Add {bank.root / slugify(name) / CHARACTER_FILE} with 'name: {name}', "
        f"or add '{name}' to the aliases of the character it means"
    )
