"""movieagent: a film script and a character bank in, a finished movie out.

    from movieagent import load_settings, make_movie
    result = make_movie("script.fountain", "character_bank/mine", "out/mine", load_settings())

Each stage is also a function of its own, in pipeline order: check_inputs, plan_movie, cast_film, speak_lines,
build_timeline, build_jobs, render_phase, build_subtitles, mix_audio, assemble_movie.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# The public API, name -> the module that defines it. A name is imported when first used, so that
# `import movieagent` (and so `movieagent --help`) does not load the whole pipeline with its scipy and langgraph.
_PUBLIC = {
    "InputError": "movieagent.errors",
    "InputErrors": "movieagent.errors",
    "MovieAgentError": "movieagent.errors",
    "RenderError": "movieagent.errors",
    "Settings": "movieagent.config",
    "load_settings": "movieagent.config",
    "check_inputs": "movieagent.ingest",
    "load_bank": "movieagent.ingest",
    "load_script": "movieagent.ingest",
    "MovieResult": "movieagent.pipeline",
    "make_movie": "movieagent.pipeline",
    "make_plan": "movieagent.pipeline",
    "plan_movie": "movieagent.planning",
    "cast_film": "movieagent.speech.casting",
    "speak_lines": "movieagent.speech.stage",
    "build_timeline": "movieagent.timeline",
    "build_jobs": "movieagent.render.jobs",
    "render_phase": "movieagent.render.phases",
    "build_subtitles": "movieagent.subtitles",
    "mix_audio": "movieagent.mix",
    "assemble_movie": "movieagent.assemble",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'movieagent' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
