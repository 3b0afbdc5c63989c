"""Command line: each command parses its arguments and calls the Python API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from movieagent import __version__
from movieagent.config import BackendChoice, Settings, load_settings
from movieagent.errors import MovieAgentError
from movieagent.ingest import check_inputs
from movieagent.pipeline import MovieResult, make_movie
from movieagent.schema import Plan

app = typer.Typer(
    help="Turn a film script and a character bank into a finished movie.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

ScriptArg = Annotated[Path, typer.Argument(help="Fountain screenplay (.fountain), prose synopsis (.md/.txt) or MovieAgent script_synopsis.json")]
CharactersOpt = Annotated[Path, typer.Option("--characters", "-b", help="Character bank folder (one folder per character)")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML settings profile, or a shipped one by name: default, preview-fast, preview-hd")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder; re-running into it redoes only what changed")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars")]
LlmOpt = Annotated[
    Optional[str],
    typer.Option("--llm", help="Planning crew: rules (no model), openai (any OpenAI-compatible server, configs/llm-openai.yaml), transformers (a local model, configs/llm-local.yaml)"),
]
ReviewOpt = Annotated[
    bool,
    typer.Option("--review", help="Pause after planning so you can edit OUT/plan.json, then run the same command with --resume"),
]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue after --review with your edited OUT/plan.json")]


def _settings(config: Path | None, quiet: bool, llm: str | None = None) -> Settings:
    settings = load_settings(config, **({"progress": False} if quiet else {}))
    if llm and llm != settings.planning.crew.kind:
        # Another crew than the profile's: its own defaults, none of the profile crew's options.
        planning = settings.planning.model_copy(update={"crew": BackendChoice(kind=llm)})
        settings = settings.model_copy(update={"planning": planning})
    return settings


def _say_review_is_waiting(result: MovieResult) -> None:
    message = f"Plan ready for review: edit {result.plan}, then run the same command with --resume"
    Console().print(Text(message), highlight=False, soft_wrap=True)


def _fail(error: MovieAgentError) -> None:
    # Text objects keep brackets in file names from being read as rich markup.
    console.print(Text("error: ", style="bold red") + Text(str(error)), highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command(
    epilog="Example:  movieagent make examples/long/borrowed-sugar.fountain --characters character_bank/borrowed-sugar -o out/demo"
)
def make(
    script: ScriptArg,
    characters: CharactersOpt,
    out: OutOpt = Path("out/movie"),
    config: ConfigOpt = None,
    plan: Annotated[Optional[Path], typer.Option(help="Render this (edited) plan.json instead of planning again")] = None,
    stop_after: Annotated[Optional[str], typer.Option(help="Stop after a stage: plan, speech, render, assemble")] = None,
    llm: LlmOpt = None,
    review: ReviewOpt = False,
    resume: ResumeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Plan, voice, render and assemble the movie: OUT/movie.mp4, movie.srt, plan.json, storyboard.png."""
    try:
        if stop_after not in (None, "plan", "speech", "render", "assemble"):
            raise MovieAgentError(f"--stop-after must be one of plan, speech, render, assemble (got {stop_after!r})")
        settings = _settings(config, quiet, llm)
        result = make_movie(
            script, characters, out, settings, plan_file=plan, stop_after=stop_after, review=review, resume=resume  # type: ignore[arg-type]
        )
    except MovieAgentError as error:
        _fail(error)
        return
    if result.awaiting_review:
        _say_review_is_waiting(result)
        return
    table = Table(show_header=False, box=None)
    for label, value in (
        ("movie", result.movie),
        ("subtitles", result.subtitles),
        ("plan", result.plan),
        ("storyboard", result.storyboard),
        ("duration", f"{result.duration_s:.1f} s, {result.shots} shots ({result.clips_rendered} rendered, {result.clips_cached} reused)"),
        ("loudness", f"{result.audio.integrated_lufs:.1f} LUFS, true peak {result.audio.true_peak_dbtp:.1f} dBTP" if result.audio else None),
    ):
        if value is not None:
            table.add_row(label, str(value))
    Console().print(table)


@app.command(name="plan", epilog="Example:  movieagent plan examples/short/the-lighthouse-keeper.fountain --characters character_bank/lighthouse -o out/short")
def plan_command(
    script: ScriptArg,
    characters: CharactersOpt,
    out: OutOpt = Path("out/movie"),
    config: ConfigOpt = None,
    llm: LlmOpt = None,
    review: ReviewOpt = False,
    resume: ResumeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Plan only: write OUT/plan.json (edit it, then `make --plan OUT/plan.json`)."""
    try:
        settings = _settings(config, quiet, llm)
        result = make_movie(script, characters, out, settings, stop_after="plan", review=review, resume=resume)
    except MovieAgentError as error:
        _fail(error)
        return
    if result.awaiting_review:
        _say_review_is_waiting(result)
        return
    plan = Plan.model_validate_json(result.plan.read_text(encoding="utf-8"))
    Console().print(f"{result.plan}: {len(plan.scenes)} scenes, {len(plan.shots())} shots, {plan.duration_s():.1f} s planned")


@app.command(epilog="Example:  movieagent validate my-script.fountain --characters my-bank/")
def validate(
    script: ScriptArg,
    characters: CharactersOpt,
    config: ConfigOpt = None,
) -> None:
    """Check a script and a character bank together; report every problem at once."""
    try:
        settings = load_settings(config)
        loaded, bank = check_inputs(
            script, characters, max_bytes=settings.planning.max_script_bytes, max_scenes=settings.planning.max_scenes
        )
    except MovieAgentError as error:
        _fail(error)
        return
    Console().print(
        f"ok: {len(loaded.scenes)} scenes, {len(loaded.dialogue())} lines, "
        f"{len(bank.characters)} characters, {len(bank.locations)} locations"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of plan.json."""
    typer.echo(json.dumps(Plan.model_json_schema(), indent=2))


# batch (issue 4) ----------------------------------------------------------------------------------


# eval (issue 5) -----------------------------------------------------------------------------------


# studio (issue 6) ---------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit")] = False) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()
