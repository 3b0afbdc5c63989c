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
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="The planning crew's model: a name the server knows (openai crew), or a model folder (transformers crew)"),
]
ReviewOpt = Annotated[
    bool,
    typer.Option("--review", help="Pause after planning so you can edit OUT/plan.json, then run the same command with --resume"),
]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue after --review with your edited OUT/plan.json")]


def _settings(config: Path | None, quiet: bool, llm: str | None = None, model: str | None = None) -> Settings:
    settings = load_settings(config, **({"progress": False} if quiet else {}))
    if llm and llm != settings.planning.crew.kind:
        # Another crew than the profile's: its own defaults, none of the profile crew's options.
        planning = settings.planning.model_copy(update={"crew": BackendChoice(kind=llm)})
        settings = settings.model_copy(update={"planning": planning})
    if model:
        crew = BackendChoice(**{**settings.planning.crew.model_dump(), "model": model})
        settings = settings.model_copy(update={"planning": settings.planning.model_copy(update={"crew": crew})})
    return settings


def _who_planned(plan: Plan) -> str | None:
    """'7 questions answered by the model, 2 by the rules fallback (director: ...)', for an LLM crew with a fallback."""
    if not plan.answers:
        return None
    fallbacks = [answer for answer in plan.answers if answer.answered_by == "fallback"]
    text = f"{len(plan.answers) - len(fallbacks)} of {len(plan.answers)} questions answered by the model"
    if fallbacks:
        parts = "; ".join(f"{answer.role}{f' {answer.scene_id}' if answer.scene_id else ''}: {answer.reason}" for answer in fallbacks)
        text += f", {len(fallbacks)} by the rules fallback ({parts})"
    return text


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
    model: ModelOpt = None,
    review: ReviewOpt = False,
    resume: ResumeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Plan, voice, render and assemble the movie: OUT/movie.mp4, movie.srt, plan.json, storyboard.png."""
    try:
        if stop_after not in (None, "plan", "speech", "render", "assemble"):
            raise MovieAgentError(f"--stop-after must be one of plan, speech, render, assemble (got {stop_after!r})")
        settings = _settings(config, quiet, llm, model)
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
        ("planning", _who_planned(Plan.model_validate_json(result.plan.read_text(encoding="utf-8")))),
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
    model: ModelOpt = None,
    review: ReviewOpt = False,
    resume: ResumeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Plan only: write OUT/plan.json (edit it, then `make --plan OUT/plan.json`)."""
    try:
        settings = _settings(config, quiet, llm, model)
        result = make_movie(script, characters, out, settings, stop_after="plan", review=review, resume=resume)
    except MovieAgentError as error:
        _fail(error)
        return
    if result.awaiting_review:
        _say_review_is_waiting(result)
        return
    plan = Plan.model_validate_json(result.plan.read_text(encoding="utf-8"))
    Console().print(f"{result.plan}: {len(plan.scenes)} scenes, {len(plan.shots())} shots, {plan.duration_s():.1f} s planned")
    if who := _who_planned(plan):
        Console().print(Text(f"planning: {who}"), highlight=False, soft_wrap=True)


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


@app.command(epilog="Example:  movieagent batch jobs.yaml --summary out/batch.json")
def batch(
    jobs: Annotated[Path, typer.Argument(help="YAML listing the movies: script, characters, out, optional config and overrides")],
    summary: Annotated[Optional[Path], typer.Option(help="Where to write the JSON summary (default: JOBS.summary.json)")] = None,
) -> None:
    """Make several movies one after another; a failed one is reported and the rest still render. Exit 1 if any failed."""
    from movieagent.batch import MovieOutcome, run_batch

    def report(outcome: MovieOutcome) -> None:
        colour = "green" if outcome.status == "ok" else "red"
        line = Text(f"{outcome.name}: {outcome.status} ({outcome.seconds:.1f} s)", style=colour)
        console.print(line + Text(f"\n  {outcome.error}" if outcome.error else ""), highlight=False, soft_wrap=True)

    try:
        result, written = run_batch(jobs, summary=summary, on_movie=report)
    except MovieAgentError as error:
        _fail(error)
        return
    typer.echo(result.model_dump_json(indent=2))
    console.print(Text(f"{result.ok} ok, {result.failed} failed; summary: {written}"), highlight=False, soft_wrap=True)
    if result.failed:
        raise typer.Exit(code=1)


# eval (issue 5) -----------------------------------------------------------------------------------


@app.command(
    name="eval",
    epilog="Example:  movieagent eval out/short --script examples/short/the-lighthouse-keeper.fountain --characters character_bank/lighthouse",
)
def eval_command(
    outdir: Annotated[Path, typer.Argument(help="A movie folder written by `make`, or a MovieAgent results folder (Results/<movie>/<models>/)")],
    script: Annotated[Optional[Path], typer.Option("--script", "-s", help="The script: checks that every scene and line made it in")] = None,
    characters: Annotated[Optional[Path], typer.Option("--characters", "-b", help="Character bank: checks the shots' characters, gives the vision metrics their references")] = None,
    clip_model: Annotated[Optional[str], typer.Option(help="CLIP model (folder or Hugging Face id) for CLIP-T/CLIP-I; needs torch")] = None,
    dino_model: Annotated[Optional[str], typer.Option(help="DINOv2 model (folder or id) for DINO and the consistency scores")] = None,
    arcface_model: Annotated[Optional[str], typer.Option(help="insightface model pack folder for face scores")] = None,
    device: Annotated[str, typer.Option(help="Where the vision models run: cpu, cuda, cuda:1, mps")] = "cpu",
    judge_config: Annotated[Optional[Path], typer.Option(help="Settings profile whose planning crew judges the plan against --script (e.g. llm-openai)")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Settings profile the movie was made with: its subtitle rules and loudness targets")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Measure a finished movie: OUTDIR/metrics.json, OUTDIR/report.html, and a summary here."""
    from movieagent.eval import METRICS_FILE, REPORT_FILE, evaluate_movie, vision_options
    from movieagent.eval.table import summary_table

    try:
        vision = vision_options(clip_model=clip_model, dino_model=dino_model, arcface_model=arcface_model, device=device)
        judge = load_settings(judge_config).planning.crew if judge_config else None
        report = evaluate_movie(outdir, _settings(config, quiet), script=script, characters=characters, vision=vision, judge=judge)
    except MovieAgentError as error:
        _fail(error)
        return
    output = Console()
    output.print(summary_table(report))
    output.print(Text(f"wrote {report.folder / METRICS_FILE} and {report.folder / REPORT_FILE}"), highlight=False, soft_wrap=True)


# studio (issue 6) ---------------------------------------------------------------------------------


@app.command(epilog="Example:  movieagent studio --projects out/studio   (then open http://127.0.0.1:7860)")
def studio(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 7860,
    host: Annotated[str, typer.Option(help="Address to listen on; the default lets in only this machine")] = "127.0.0.1",
    projects: Annotated[Path, typer.Option(help="Folder of studio projects, one folder each")] = Path("out/studio"),
) -> None:
    """Serve the web studio: start a project, edit the plan shot by shot, render with live progress, watch."""
    try:
        from movieagent.studio import serve
    except ImportError as error:
        _fail(MovieAgentError(f"the studio needs {error.name}: pip install 'movieagent[studio]'"))
        return
    console.print(Text(f"movieagent studio on http://{host}:{port}  (projects in {projects})"), highlight=False)
    serve(projects, host=host, port=port)


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit")] = False) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()
