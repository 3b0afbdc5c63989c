"""Every backend by family and kind, in one explicit table, and the one function that builds them from settings.

A family lives beside the stage it serves (crews in planning/crews/, voices in speech/, the preview renderer in
preview/, the diffusers model files in diffusion/, job runners in render/). Each backend module defines
`Backend`: a class whose nested pydantic model `Options` holds the settings beside `kind`, and whose
constructor takes one `Options` instance (cheap: models load on first use). Adding a backend is one file plus
one row below. Modules are named as strings and imported only when chosen, so the preview needs no torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal

from movieagent.errors import InputError

if TYPE_CHECKING:  # the command line reads the table for its choices, without pydantic's import time
    from movieagent.config import BackendChoice

Family = Literal["crew", "keyframe", "video", "speech", "runner"]

BACKENDS: dict[Family, dict[str, str]] = {
    "crew": {
        "rules": "movieagent.planning.crews.rules",
        "openai": "movieagent.planning.crews.openai",
        "transformers": "movieagent.planning.crews.transformers",
    },
    "speech": {
        "espeak": "movieagent.speech.espeak",
        "piper": "movieagent.speech.piper",
        "openai": "movieagent.speech.openai",
        "kokoro": "movieagent.speech.kokoro",
        "chatterbox": "movieagent.speech.chatterbox",
    },
    "keyframe": {
        "preview": "movieagent.preview.keyframe",
        "sdxl": "movieagent.diffusion.keyframe_sdxl",
        "flux_kontext": "movieagent.diffusion.keyframe_flux_kontext",
    },
    "video": {
        "preview": "movieagent.preview.video",
        "wan": "movieagent.diffusion.video_wan",
        "wan_vace": "movieagent.diffusion.video_wan_vace",
        "ltx": "movieagent.diffusion.video_ltx",
        "cogvideox": "movieagent.diffusion.video_cogvideox",
    },
    "runner": {
        "local": "movieagent.render.runner_local",
        "ray": "movieagent.render.runner_ray",
    },
}


def available(family: Family) -> list[str]:
    """The kinds of a family, in the table's order."""
    return list(BACKENDS[family])


def backend_class(family: Family, kind: str) -> Any:
    """The `Backend` class of one kind; an InputError listing the kinds when there is no such kind."""
    if family not in BACKENDS:
        raise ValueError(f"unknown backend family {family!r}")
    module = BACKENDS[family].get(kind)
    if module is None:
        raise InputError(f"unknown {family} backend '{kind}'", fix=f"use one of: {', '.join(available(family))}")
    return importlib.import_module(module).Backend


def load_backend(family: Family, choice: BackendChoice, *, defaults: dict[str, Any] | None = None) -> Any:
    """Builds the backend named by `choice.kind`, validating its options first.

    `defaults` are options the caller knows (e.g. folders in the output folder); a backend gets those
    its Options declare, unless the config sets them.
    """
    from pydantic import ValidationError

    backend = backend_class(family, choice.kind)
    try:
        known = {name: value for name, value in (defaults or {}).items() if name in backend.Options.model_fields}
        options = backend.Options.model_validate({**known, **choice.options()})
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(
            f"{family} backend '{choice.kind}': option '{'.'.join(map(str, first['loc']))}': {first['msg']}",
            fix=f"check the options of {BACKENDS[family][choice.kind]}",
        ) from None
    return backend(options)
