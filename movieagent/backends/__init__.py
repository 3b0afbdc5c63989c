"""Backend lookup by config: family + kind -> the `Backend` class in backends/<family>_<kind>.py."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from pydantic import ValidationError

from movieagent.config import BackendChoice
from movieagent.errors import InputError

FAMILIES = ("crew", "keyframe", "video", "speech", "runner")


def available(family: str) -> list[str]:
    """Kinds installed for a family, from the module names in this package."""
    prefix = f"{family}_"
    return sorted(info.name[len(prefix):] for info in pkgutil.iter_modules(__path__) if info.name.startswith(prefix))


def load_backend(family: str, choice: BackendChoice, *, defaults: dict[str, Any] | None = None) -> Any:
    """Builds the backend named by `choice.kind`, validating its options first.

    `defaults` are options the caller knows (e.g. folders in the output folder); a backend gets those
    its Options declare, unless the config sets them.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown backend family {family!r}")
    kinds = available(family)
    if choice.kind not in kinds:
        raise InputError(
            f"unknown {family} backend '{choice.kind}'",
            fix=f"use one of: {', '.join(kinds)}",
        )
    module = importlib.import_module(f"{__name__}.{family}_{choice.kind}")
    backend_class = module.Backend
    try:
        known = {name: value for name, value in (defaults or {}).items() if name in backend_class.Options.model_fields}
        options = backend_class.Options.model_validate({**known, **choice.options()})
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(
            f"{family} backend '{choice.kind}': option '{'.'.join(map(str, first['loc']))}': {first['msg']}",
            fix=f"check the options of backends/{family}_{choice.kind}.py",
        ) from None
    return backend_class(options)
