"""Script and bank checked together: every speaking character must be in the bank."""

from __future__ import annotations

from pathlib import Path

from movieagent.errors import InputError, InputErrors
from movieagent.ingest.bank import CHARACTER_FILE, scan_bank
from movieagent.ingest.script import load_script
from movieagent.schema import CharacterBank, Script, slugify


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
        problems.append(
            InputError(f"character '{name}' is not in the character bank", path=script.source, line=line, fix=_fix(name, bank))
        )
    return problems


def check_inputs(
    script_path: Path, bank_path: Path, *, max_bytes: int = 5_000_000, max_scenes: int = 2000
) -> tuple[Script, CharacterBank]:
    """Load the script and the bank and check them together, raising one InputErrors with every problem."""
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


def _fix(name: str, bank: CharacterBank) -> str:
    known = ", ".join(character.name for character in bank.characters) or "none yet"
    return (
        f"known characters: {known}. Add {bank.root / slugify(name) / CHARACTER_FILE} with 'name: {name}', "
        f"or add '{name}' to the aliases of the character it means"
    )
