"""movieagent: a film script and a character bank in, a finished movie out.

    from movieagent import make_movie, load_settings
    result = make_movie("script.fountain", "character_bank/mine", "out/mine", load_settings())
"""

__version__ = "0.1.0"

from movieagent.config import Settings, load_settings  # noqa: E402
from movieagent.errors import InputError, InputErrors, MovieAgentError, RenderError  # noqa: E402
from movieagent.pipeline import MovieResult, make_movie, make_plan  # noqa: E402

__all__ = [
    "InputError",
    "InputErrors",
    "MovieAgentError",
    "MovieResult",
    "RenderError",
    "Settings",
    "__version__",
    "load_settings",
    "make_movie",
    "make_plan",
]
