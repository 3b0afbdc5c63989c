"""Settings: built once at the edge (CLI or API) from defaults, a YAML profile and MOVIEAGENT_* env vars.

Backends are chosen by `kind`; the options beside `kind` belong to that backend and are
validated by its own `Options` model when it is loaded (see the table in movieagent/backends/__init__.py).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from movieagent.errors import InputError
from movieagent.files import MAX_YAML_BYTES, Document, parse, problems, raise_all, read_text, validate


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackendChoice(BaseModel):
    """`kind` names a backend of the family (a row of movieagent.backends.BACKENDS); other keys are its options."""

    model_config = ConfigDict(extra="allow")
    kind: str

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


# libx264's presets, fastest first.
X264Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]


class VideoSettings(Section):
    # Even sizes: H.264 in yuv420p stores colour at half the resolution.
    width: int = Field(default=854, ge=64, le=7680, multiple_of=2)
    height: int = Field(default=480, ge=64, le=4320, multiple_of=2)
    fps: int = Field(default=24, ge=1, le=120)
    crf: int = Field(default=20, ge=0, le=51, description="x264 quality: lower is better and bigger")
    preset: X264Preset = "veryfast"
    burn_subtitles: bool = False


class PlanningSettings(Section):
    crew: BackendChoice = BackendChoice(kind="rules")
    words_per_minute: int = Field(default=160, ge=60, le=400, description="Speaking rate used to time shots before speech exists")
    # A shot lasts at most 120 s (schema.Shot).
    establishing_shot_s: float = Field(default=2.5, gt=0, le=120)
    min_shot_s: float = Field(default=2.0, gt=0, le=120)
    max_shot_s: float = Field(default=12.0, gt=0, le=120)
    max_parallel_tasks: int = Field(
        default=16, ge=1, le=256, description="Per-scene tasks (screenwriter, storyboard artist) run at once: LLM calls in flight"
    )
    role_cards: Path | None = Field(default=None, description="A folder of role cards replacing the installed agents/")
    fallback: Literal["rules", "none"] = Field(
        default="rules",
        description="A question an LLM crew's model cannot answer (after its repairs, or out of time) is answered by the rules "
        "crew instead, and the plan says so; none: planning fails",
    )
    max_review_rounds: int = Field(
        default=2, ge=1, le=20, description="Director reviews of the plan; scenes with notes are redone in between"
    )
    human_review: bool = Field(
        default=False, description="Pause after the director approves, so a person can edit plan.json, then resume"
    )
    max_scenes: int = Field(default=2000, ge=1, le=1_000_000, description="Scripts with more scenes are refused up front")
    max_script_bytes: int = Field(default=5_000_000, ge=1, le=1_000_000_000)
    # A plan over these is refused before planning (the script's dialogue) and before rendering (planning/limits.py).
    max_shots: int = Field(default=2500, ge=1, le=1_000_000, description="Plans with more shots are refused")
    max_movie_s: float = Field(default=4 * 3600, gt=0, le=1_000_000, description="Longer movies are refused, in seconds")

    @model_validator(mode="after")
    def _shortest_below_longest(self) -> PlanningSettings:
        if self.min_shot_s > self.max_shot_s:
            raise ValueError(f"min_shot_s ({self.min_shot_s}) is over max_shot_s ({self.max_shot_s})")
        return self


class RenderSettings(Section):
    # With a keyframe backend, every keyframe is drawn first (one model loaded), then every clip animates its keyframe.
    keyframe: BackendChoice | None = None
    video: BackendChoice = BackendChoice(kind="preview")
    continuity: bool = Field(
        default=False,
        description="With keyframes: a shot that the next one continues (same scene, size and angle, the same characters "
        "about where they stood, joined by a cut) ends on the next shot's keyframe, for backends that can end on an image",
    )
    runner: BackendChoice = BackendChoice(kind="local", workers=2)


class SpeechSettings(Section):
    backend: BackendChoice = BackendChoice(kind="espeak")
    gap_between_lines_s: float = Field(default=0.3, ge=0, le=10)
    lead_in_s: float = Field(default=0.4, ge=0, le=10, description="Silence before the first line of a shot")
    tail_s: float = Field(default=0.5, ge=0, le=10, description="Silence after the last line of a shot")


class AudioSettings(Section):
    music: Path | None = Field(default=None, description="Music bed file; None generates a quiet ambience")
    music_gain_db: float = Field(default=-18.0, ge=-60, le=12)
    duck_db: float = Field(default=-12.0, ge=-60, le=0, description="Extra music gain under speech")
    target_lufs: float = Field(default=-16.0, ge=-40, le=-5)
    true_peak_dbtp: float = Field(default=-1.0, ge=-20, le=0)
    sample_rate: Literal[16000, 22050, 24000, 32000, 44100, 48000] = Field(default=48000, description="Rates AAC encodes")


class BurnInStyle(Section):
    """How subtitles look when burnt into the picture (video.burn_subtitles): a libass style."""

    # Written into movie.ass's style line, where a comma or a brace would end the field.
    font: str = Field(
        default="DejaVu Sans", min_length=1, max_length=100, pattern=r"^[^,{}\\\x00-\x1f]+$", description="A font family fontconfig knows"
    )
    size: float = Field(default=0.055, ge=0.02, le=0.2, description="Text height as a share of the picture's height")
    outline: float = Field(default=0.06, ge=0, le=0.5, description="Outline width as a share of the text height")
    position: Literal["bottom", "top"] = "bottom"
    margin: float = Field(default=0.035, ge=0, le=0.4, description="Space to the picture's edge as a share of its height")


class LanguageSubtitleRules(Section):
    """A language's own subtitle limits; those left out are the general ones."""

    max_chars_per_line: int | None = Field(default=None, ge=10, le=200)
    max_chars_per_second: float | None = Field(default=None, ge=1, le=100)


class SubtitleSettings(Section):
    max_chars_per_line: int = Field(default=42, ge=10, le=200)
    max_lines: int = Field(default=2, ge=1, le=10)
    min_duration_s: float = Field(default=5 / 6, gt=0, le=60)
    max_duration_s: float = Field(default=7.0, gt=0, le=60)
    max_chars_per_second: float = Field(default=20.0, ge=1, le=100)
    burn_in: BurnInStyle = BurnInStyle()
    # Languages written without spaces pack more into each character (after broadcasters' style guides:
    # Japanese about 4 characters a second, Chinese 9, Korean 12, 16 characters a line).
    languages: dict[str, LanguageSubtitleRules] = Field(
        default={
            "ja": LanguageSubtitleRules(max_chars_per_line=16, max_chars_per_second=4),
            "zh": LanguageSubtitleRules(max_chars_per_line=16, max_chars_per_second=9),
            "ko": LanguageSubtitleRules(max_chars_per_line=16, max_chars_per_second=12),
        },
        description="Rules by language tag ('ja', 'zh-hant'; a tag's primary language when it has none of its own)",
    )

    @model_validator(mode="after")
    def _shortest_below_longest(self) -> SubtitleSettings:
        if self.min_duration_s > self.max_duration_s:
            raise ValueError(f"min_duration_s ({self.min_duration_s}) is over max_duration_s ({self.max_duration_s})")
        return self


class CastingSettings(Section):
    unknown: Literal["error", "extra"] = Field(
        default="error",
        description="A cue the character bank does not have: 'error' stops before any work; 'extra' casts an extra "
        "(a neutral figure, a voice unlike the cast's), listed in the log and in the plan",
    )


ENV_PREFIX = "MOVIEAGENT_"
ENV_DELIMITER = "__"
SETTINGS_HINT = "in the profile or the MOVIEAGENT_* variable (configs/default.yaml lists every setting)"


class Settings(Section):
    video: VideoSettings = VideoSettings()
    planning: PlanningSettings = PlanningSettings()
    render: RenderSettings = RenderSettings()
    speech: SpeechSettings = SpeechSettings()
    audio: AudioSettings = AudioSettings()
    subtitles: SubtitleSettings = SubtitleSettings()
    casting: CastingSettings = CastingSettings()
    progress: bool = True


def load_settings(profile: Path | None = None, *, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults <- YAML profile <- MOVIEAGENT_* environment <- explicit overrides (e.g. from CLI flags).

    The environment and the overrides change single values of the profile (or of the defaults):
    MOVIEAGENT_RENDER__RUNNER__WORKERS=4 keeps the runner's kind. A backend of another `kind` replaces the
    one below it whole. Every problem is reported at once, each naming the profile (at its line) or the
    variable it is in; a MOVIEAGENT_* variable that is no setting but looks like one (a typo) is a problem too.
    """
    # 1. The profile on its own, so that its mistakes are reported at their lines in it.
    base = validate(_read_profile(Path(profile)), Settings, hint=SETTINGS_HINT) if profile is not None else Settings()

    # 2. The environment and the overrides, value by value over it.
    from_environment, variables = _read_environment(os.environ if environ is None else environ)
    try:
        return Settings(**deep_merge(deep_merge(base.model_dump(), from_environment), overrides))
    except ValidationError as error:
        # Each problem names the variable that set its value (or a section around it); an override has no file.
        found = []
        for issue, problem in zip(error.errors(), problems(error, None, Settings, hint=SETTINGS_HINT)):
            location = tuple(issue["loc"])
            source = next((variables[location[:length]] for length in range(len(location), 0, -1) if location[:length] in variables), None)
            found.append(InputError(problem.message, path=source, fix=problem.fix))
        raise_all(found)


def _read_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """MOVIEAGENT_SECTION__KEY=value variables as nested settings values, and the variable of each value.

    Written here rather than taken from pydantic-settings, whose source validates the environment on its own
    (so a single backend option misses the backend's `kind`), skips mistyped names without a word, and names
    only the section of a value that is not JSON.
    """
    values: dict[str, Any] = {}
    variables: dict[tuple[str, ...], str] = {}
    found: list[InputError] = []
    known = _variable_names(Settings)
    for name, raw in sorted(environ.items()):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        location = tuple(name[len(ENV_PREFIX) :].lower().split(ENV_DELIMITER))
        target = _setting_at(Settings, location)
        if target is None:
            # Other programs' MOVIEAGENT_* variables are left alone; a near miss of a setting is a typo.
            unprefixed = name[len(ENV_PREFIX) :].upper()
            section = location[0].split("_")[0]  # MOVIEAGENT_VIDEO_FPS: one underscore where two belong
            if section in Settings.model_fields or difflib.get_close_matches(unprefixed, known, n=1, cutoff=0.85):
                close = difflib.get_close_matches(unprefixed, known, n=1, cutoff=0.6)
                hint = f"did you mean {ENV_PREFIX}{close[0]}? " if close else ""
                found.append(InputError(f"{name} is not a setting", fix=f"{hint}configs/default.yaml lists every setting"))
            continue
        value: Any = raw
        if target == "json":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as error:
                found.append(
                    InputError(
                        f"{name} is not valid JSON ({error.msg}, column {error.colno})",
                        fix=f"give a whole section as JSON, e.g. {name}='{{\"key\": value}}', or set single keys with {name}{ENV_DELIMITER}KEY",
                    )
                )
                continue
        section = values
        for key in location[:-1]:
            section = section.setdefault(key, {})
            if not isinstance(section, dict):
                break
        else:
            section[location[-1]] = value
            variables[location] = name
    if found:
        raise_all(found)
    return values, variables


def _setting_at(model: type[BaseModel], location: tuple[str, ...]) -> str | None:
    """What the settings hold at `location`: 'json' (a section or a backend), 'value', or None (no such setting)."""
    key, rest = location[0], location[1:]
    field = model.model_fields.get(key)
    if field is None or not key:
        return None
    inner = _model_of(field.annotation)
    if not rest:
        return "json" if inner is not None else "value"
    if inner is BackendChoice:
        return "value" if len(rest) == 1 and rest[0] else None  # a backend's option, checked by the backend when it loads
    return _setting_at(inner, rest) if inner is not None else None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (BackendChoice | None -> BackendChoice), or None for a plain value."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _variable_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every settings variable's name after MOVIEAGENT_: VIDEO, VIDEO__FPS, ..."""
    names = []
    for key, field in model.model_fields.items():
        name = f"{prefix}{key.upper()}"
        names.append(name)
        inner = _model_of(field.annotation)
        if inner is not None and inner is not BackendChoice:
            names += _variable_names(inner, name + ENV_DELIMITER)
    return names


def with_speech(settings: Settings, kind: str | None) -> Settings:
    """The settings with another speech backend (`--speech`): its own defaults, none of the profile backend's options."""
    if not kind or kind == settings.speech.backend.kind:
        return settings
    return settings.model_copy(update={"speech": settings.speech.model_copy(update={"backend": BackendChoice(kind=kind)})})


def find_profile(name_or_path: Path) -> Path:
    """A profile file, or the name of one shipped in configs/ ('preview-hd' -> configs/preview-hd.yaml)."""
    path = Path(name_or_path)
    if path.exists() or path.parent != Path("."):
        return path
    from movieagent.resources import resource_dir

    shipped = resource_dir("configs") / path.with_suffix(".yaml").name
    return shipped if shipped.exists() else path


def _read_profile(path: Path) -> Document:
    from movieagent.resources import shipped_profiles

    path = find_profile(path)
    shipped = ", ".join(shipped_profiles())
    missing_fix = f"pass a YAML file to -c, or a shipped profile: {shipped}"
    document = parse(read_text(path, what="config profile", max_bytes=MAX_YAML_BYTES, missing_fix=missing_fix), path)
    if not isinstance(document.data, dict | None):
        raise InputError("config profile must be a mapping of sections", path=path, line=1, fix="start from configs/default.yaml")
    return document


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `base`, section by section: {'video': {'fps': 30}} changes one setting of the video section."""
    merged = dict(base)
    for key, value in extra.items():
        below = merged.get(key)
        # Another backend (another `kind`) replaces the one below whole: its options are not the other's.
        if isinstance(value, dict) and isinstance(below, dict) and value.get("kind", below.get("kind")) == below.get("kind"):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged
