"""Reading our YAML files (profiles, role cards, banks, batch jobs): a syntax error becomes an InputError at its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from movieagent.errors import InputError


def parse_yaml(text: str, path: Path, *, what: str, fix: str = "fix the YAML syntax at that line") -> tuple[Any, yaml.Node | None]:
    """One YAML document's data and its node tree (whose marks give each key's line); None, None when empty.

    `what` starts the message of a syntax error, e.g. "jobs file is not valid YAML".
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(
            f"{what}: {getattr(error, 'problem', None) or error}",
            path=path,
            line=mark.line + 1 if mark else None,
            fix=fix,
        ) from None
    finally:
        loader.dispose()
