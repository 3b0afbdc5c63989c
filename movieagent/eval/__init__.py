"""Evaluation of a finished movie: `evaluate_movie(folder)` -> EvalReport, written as metrics.json and report.html.

Works on this project's output folders and on showlab/MovieAgent's results folders. The metrics that need
model weights (movieagent.eval.vision, torch) and the LLM judge (movieagent.eval.judge) run only when asked for.
"""

from movieagent.eval.evaluate import METRICS_FILE, REPORT_FILE, evaluate_movie, vision_options
from movieagent.eval.folder import MovieFolder, read_movie_folder
from movieagent.eval.report import EvalReport, ShotRow, SummaryRow

__all__ = [
    "METRICS_FILE",
    "REPORT_FILE",
    "EvalReport",
    "MovieFolder",
    "ShotRow",
    "SummaryRow",
    "evaluate_movie",
    "read_movie_folder",
    "vision_options",
]
