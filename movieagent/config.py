"""Settings: built once at the edge (CLI or API) from defaults, a YAML profile and MOVIEAGENT_* env vars.

Backends are chosen by `kind`; the options beside `kind` belong to that backend and are
validated by its own `Options` model when it is loaded (see the table in movieagent/backends/__init__.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from movieagent.errors import InputError
from movieagent.yaml_files import parse_yaml


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackendChoice(BaseModel):
    """`kind` names a backend of the family (a row of movieagent.backends.BACKENDS); other keys are its options."""

    model_config = ConfigDict(extra="allow")
    kind: str

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class VideoSettings(Section):
    width: int = Field(default=854, ge=64, le=7680)
    height: int = Field(default=480, ge=64, le=4320)
    fps: int = Field(default=24, ge=1, le=120)
    crf: int = Field(default=20, ge=0, le=51, description="x264 quality: lower is better and bigger")
    preset: str = "veryfast"
    burn_subtitles: bool = False


class PlanningSettings(Section):
    crew: BackendChoice = BackendChoice(kind="rules")
    words_per_minute: int = Field(default=160, ge=60, le=400, description="Speaking rate used to time shots before speech exists")
    establishing_shot_s: float = Field(default=2.5, gt=0)
    min_shot_s: float = Field(default=2.0, gt=0)
    max_shot_s: float = Field(default=12.0, gt=0)
    max_parallel_tasks: int = Field(
        default=16, ge=1, description="Per-scene tasks (screenwriter, storyboard artist) run at once: LLM calls in flight"
    )
    role_cards: Path | None = Field(default=None, description="A folder of role cards replacing the installed agents/")
    fallback: Literal["rules", "none"] = Field(
        default="rules",
        description="A question an LLM crew's model cannot answer (after its repairs, or out of time) is answered by the rules "
        "crew instead, and the plan says so; none: planning fails",
    )
    max_review_rounds: int = Field(default=2, ge=1, description="Director reviews of the plan; scenes with notes are redone in between")
    human_review: bool = Field(
        default=False, description="Pause after the director approves, so a person can edit plan.json, then resume"
    )
    max_scenes: int = Field(default=2000, ge=1, description="Scripts with more scenes are refused up front")
    max_script_bytes: int = Field(default=5_000_000, ge=1)


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
    gap_between_lines_s: float = Field(default=0.3, ge=0)
    lead_in_s: float = Field(default=0.4, ge=0, description="Silence before the first line of a shot")
    tail_s: float = Field(default=0.5, ge=0, description="Silence after the last line of a shot")


class AudioSettings(Section):
    music: Path | None = Field(default=None, description="Music bed file; None generates a quiet ambience")
    music_gain_db: float = -18.0
    duck_db: float = Field(default=-12.0, le=0, description="Extra music gain under speech")
    target_lufs: float = Field(default=-16.0, ge=-40, le=-5)
    true_peak_dbtp: float = Field(default=-1.0, le=0)
    sample_rate: int = 48000


class SubtitleSettings(Section):
    max_chars_per_line: int = 42
    max_lines: int = 2
    min_duration_s: float = 5 / 6
    max_duration_s: float = 7.0
    max_chars_per_second: float = 20.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEAGENT_", env_nested_delimiter="__", extra="forbid")

    video: VideoSettings = VideoSettings()
    planning: PlanningSettings = PlanningSettings()
    render: RenderSettings = RenderSettings()
    speech: SpeechSettings = SpeechSettings()
    audio: AudioSettings = AudioSettings()
    subtitles: SubtitleSettings = SubtitleSettings()
    progress: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() passes the profile, the environment and the overrides already merged, in that order.
        return init_settings, env_settings


def load_settings(profile: Path | None = None, **overrides: Any) -> Settings:
    """Defaults <- YAML profile <- MOVIEAGENT_* environment <- explicit overrides (e.g. from CLI flags)."""
    values: dict[str, Any] = _read_profile(Path(profile)) if profile is not None else {}
    try:
        from_environment = Settings().model_dump(exclude_unset=True)
        settings = Settings(**_deep_merge(_deep_merge(values, from_environment), overrides))
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"setting '{location}': {first['msg']}",
            path=profile,
            fix="correct the value in the profile or the MOVIEAGENT_* variable (see configs/default.yaml)",
        ) from None
    return settings


def find_profile(name_or_path: Path) -> Path:
    """A profile file, or the name of one shipped in configs/ ('preview-hd' -> configs/preview-hd.yaml)."""
    path = Path(name_or_path)
    if path.exists() or path.parent != Path("."):
        return path
    from movieagent.resources import resource_dir

    shipped = resource_dir("configs") / path.with_suffix(".yaml").name
    return shipped if shipped.exists() else path


def _read_profile(path: Path) -> dict[str, Any]:
    path = find_profile(path)
    try:
        data, _ = parse_yaml(path.read_text(encoding="utf-8"), path, what="config profile is not valid YAML")
    except FileNotFoundError:
        from movieagent.resources import resource_dir

        shipped = ", ".join(sorted(profile.stem for profile in resource_dir("configs").glob("*.yaml")))
        raise InputError("config profile not found", path=path, fix=f"pass a YAML file to -c, or a shipped profile: {shipped}") from None
    except UnicodeDecodeError:
        raise InputError("config profile is not UTF-8 text", path=path, fix="save the profile as UTF-8") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("config profile must be a mapping of sections", path=path, fix="start from configs/default.yaml")
    return data


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
