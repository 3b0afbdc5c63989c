"""movieagent: a film script and a character bank in, a finished movie out.

    from movieagent import load_settings, make_movie
    result = make_movie("script.fountain", "character_bank/mine", "out/mine", load_settings())

Each stage is also a function of its own, in pipeline order: check_inputs, plan_movie, speak_lines,
build_timeline, build_jobs, render_phase, build_subtitles, mix_audio, assemble_movie.
"""

__version__ = "0.1.0"

from movieagent.assemble import assemble_movie  # noqa: E402
from movieagent.config import Settings, load_settings  # noqa: E402
from movieagent.errors import InputError, InputErrors, MovieAgentError, RenderError  # noqa: E402
from movieagent.ingest import check_inputs, load_bank, load_script  # noqa: E402
from movieagent.mix import mix_audio  # noqa: E402
from movieagent.pipeline import MovieResult, make_movie, make_plan  # noqa: E402
from movieagent.planning import plan_movie  # noqa: E402
from movieagent.render.jobs import build_jobs  # noqa: E402
from movieagent.render.phases import render_phase  # noqa: E402
from movieagent.speech.stage import speak_lines  # noqa: E402
from movieagent.subtitles import build_subtitles  # noqa: E402
from movieagent.timeline import build_timeline  # noqa: E402

__all__ = [
    "InputError",
    "InputErrors",
    "MovieAgentError",
    "MovieResult",
    "RenderError",
    "Settings",
    "__version__",
    "assemble_movie",
    "build_jobs",
    "build_subtitles",
    "build_timeline",
    "check_inputs",
    "load_bank",
    "load_script",
    "load_settings",
    "make_movie",
    "make_plan",
    "mix_audio",
    "plan_movie",
    "render_phase",
    "speak_lines",
]
