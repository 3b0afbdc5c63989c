"""Loading a diffusers pipeline once, with the speed and memory options every model family takes.

Imported only by diffusion backends, so the preview mode never needs torch or diffusers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, Field

from movieagent.errors import InputError, InputErrors

CacheKind = Literal["first_block", "taylorseer", "faster", "mag"]


class DiffusionOptions(BaseModel):
    """Options of every diffusers backend; a backend's own `Options` subclasses this and sets its defaults."""

    model: str = Field(description="Hugging Face id (found in the HF cache) or a folder written by save_pretrained")
    revision: str | None = None
    dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    device: str = Field(default="cuda", description="cuda, cuda:N or cpu; a runner's worker sees one GPU as cuda")
    offload: Literal["none", "model", "sequential"] = Field(
        default="none", description="CPU offload: model (whole models move in turn) or sequential (layer by layer, slowest)"
    )
    vae_tiling: bool = False
    vae_slicing: bool = False
    attention_backend: str | None = Field(
        default=None, description="diffusers attention backend, e.g. flash, _native_cudnn, sage; None keeps the default"
    )
    cache: CacheKind | None = Field(default=None, description="A diffusers caching hook on the denoiser; None runs every step")
    cache_options: dict[str, Any] = Field(default_factory=dict, description="Arguments of that hook's config")
    steps: int = Field(default=30, ge=1)
    guidance_scale: float = Field(default=5.0, ge=0)
    resolution_scale: float = Field(
        default=1.0, gt=0, le=1, description="Generate smaller than the shot and upscale; lowered after running out of memory"
    )
    local_files_only: bool = Field(
        default_factory=lambda: os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"),
        description="Never reach the network for weights (on by default when HF_HUB_OFFLINE=1)",
    )


def torch_dtype(options: DiffusionOptions) -> torch.dtype:
    # bf16/fp16 only help on a GPU; on a CPU they are slow or unsupported, so CPU runs stay in fp32.
    return torch.float32 if options.device == "cpu" else getattr(torch, options.dtype)


def load_pipeline(
    pipeline_class: type, options: DiffusionOptions, *, prepare: Callable[[Any], None] | None = None, **components: Any
) -> Any:
    """`pipeline_class.from_pretrained(options.model)` with the options' dtype, then the speed and memory options applied.

    `components` replace or add pipeline parts (e.g. an image encoder kept in fp32). `prepare` adds to the loaded
    pipeline (e.g. IP-Adapter weights) before those options, which must see every part: offload hooks are only
    attached to the parts present when it is enabled.
    """
    try:
        pipeline = pipeline_class.from_pretrained(
            options.model,
            torch_dtype=torch_dtype(options),
            revision=options.revision,
            local_files_only=options.local_files_only,
            **components,
        )
    except (OSError, ValueError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(
            f"cannot load the {pipeline_class.__name__} weights '{options.model}': {first_line[:300]}",
            fix=fetch_command(options.model),
        ) from None
    if prepare is not None:
        prepare(pipeline)
    configure(pipeline, options)
    return pipeline


def configure(pipeline: Any, options: DiffusionOptions) -> None:
    """Applies VAE tiling/slicing, the attention backend, the caching hook, and offload or the device."""
    vae = getattr(pipeline, "vae", None)
    if vae is not None:
        if options.vae_tiling and hasattr(vae, "enable_tiling"):
            vae.enable_tiling()
        if options.vae_slicing and hasattr(vae, "enable_slicing"):
            vae.enable_slicing()
    denoiser = getattr(pipeline, "transformer", None) or getattr(pipeline, "unet", None)
    if options.attention_backend and denoiser is not None:
        denoiser.set_attention_backend(options.attention_backend)
    if options.cache and denoiser is not None:
        denoiser.enable_cache(_cache_config(options.cache, options.cache_options))
    if options.offload == "model":
        pipeline.enable_model_cpu_offload(device=options.device)
    elif options.offload == "sequential":
        pipeline.enable_sequential_cpu_offload(device=options.device)
    else:
        pipeline.to(options.device)
    pipeline.set_progress_bar_config(disable=True)


def _cache_config(kind: CacheKind, settings: dict[str, Any]) -> Any:
    import diffusers

    config_class = {
        "first_block": diffusers.FirstBlockCacheConfig,
        "taylorseer": diffusers.TaylorSeerCacheConfig,
        "faster": diffusers.FasterCacheConfig,
        "mag": diffusers.MagCacheConfig,
    }[kind]
    try:
        return config_class(**settings)
    except TypeError as error:
        raise InputError(f"cache '{kind}': {error}", fix=f"give the arguments of diffusers.{config_class.__name__}") from None


def lowered(options: DiffusionOptions) -> DiffusionOptions | None:
    """The next cheaper setting after running out of memory: model offload, then 3/4 of the resolution down to 1/2."""
    if options.device == "cpu":
        return None
    if options.offload == "none":
        return options.model_copy(update={"offload": "model"})
    if options.resolution_scale > 0.5:
        return options.model_copy(update={"resolution_scale": max(0.5, options.resolution_scale * 0.75)})
    return None


def generator(seed: int) -> torch.Generator:
    # A CPU generator draws the same noise on every device, so a seed means the same shot everywhere.
    return torch.Generator("cpu").manual_seed(seed % 2**63)


OFFLINE_HINT = "  (then copy the HF cache here; HF_HUB_OFFLINE=1 keeps runs offline)"


def fetch_command(model: str) -> str:
    if is_local_path(model):
        return f"put the model folder (written by save_pretrained, with model_index.json) at {model}"
    return f"fetch it on a machine with internet: hf download {model}{OFFLINE_HINT}"


def check_weights(models: list[tuple[str, str]]) -> None:
    """Checks each (what, model) is on disk, without loading it; raises InputErrors naming every one missing."""
    problems = [
        InputError(f"the {what} weights '{model}' are not on this machine", fix=fetch_command(model))
        for what, model in models
        if not _on_disk(model)
    ]
    if problems:
        raise InputErrors(problems)


def is_local_path(model: str) -> bool:
    """A folder (or a path meant as one), not a Hugging Face id."""
    return model.startswith(("/", ".", "~")) or Path(model).expanduser().exists()


def _on_disk(model: str) -> bool:
    if is_local_path(model):
        folder = Path(model).expanduser()
        return (folder / "model_index.json").exists() or (folder / "config.json").exists()
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot_download(model, local_files_only=True)
    except (LocalEntryNotFoundError, OSError, ValueError):
        return False
    return True
