"""Loading a diffusers pipeline once, with the speed and memory options every model family takes.

Imported only by diffusion backends, so the preview mode never needs torch or diffusers.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, Field, model_validator

from movieagent.errors import InputError, InputErrors

CacheKind = Literal["first_block", "taylorseer", "faster", "mag"]


class DiffusionOptions(BaseModel):
    """Options of every diffusers backend; a backend's own `Options` subclasses this and sets its defaults."""

    model: str = Field(description="Hugging Face id (found in the HF cache) or a folder written by save_pretrained")
    revision: str | None = None
    dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    device: str = Field(default="cuda", description="cuda, cuda:N or cpu; a runner's worker sees one GPU as cuda")
    offload: Literal["none", "model", "group", "sequential"] = Field(
        default="none",
        description="CPU offload: model (whole models move in turn), group (layer by layer, streamed ahead of use) "
        "or sequential (layer by layer, slowest); see diffusion/memory.py",
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

    @model_validator(mode="after")
    def _speed_options_work_here(self) -> DiffusionOptions:
        # Checked when the backend is built (the preflight), not when the model loads minutes later.
        if self.cache is not None:
            cache_config(self.cache, self.cache_options)
        if self.attention_backend is not None:
            check_attention_backend(self.attention_backend)
        return self


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
    """Applies VAE tiling/slicing, the attention backend and the caching hook (on every denoiser), then places the pipeline."""
    vae = getattr(pipeline, "vae", None)
    if vae is not None:
        if options.vae_tiling and hasattr(vae, "enable_tiling"):
            vae.enable_tiling()
        if options.vae_slicing and hasattr(vae, "enable_slicing"):
            vae.enable_slicing()
    for denoiser in denoisers(pipeline):
        if options.attention_backend:
            denoiser.set_attention_backend(options.attention_backend)
        if options.cache:
            # One config per denoiser: a hook keeps its state in it, and two experts must not share one.
            denoiser.enable_cache(cache_config(options.cache, options.cache_options))
    place(pipeline, options)
    pipeline.set_progress_bar_config(disable=True)


def denoisers(pipeline: Any) -> list[Any]:
    """The models that run every step: the transformer, Wan 2.2's second expert (`transformer_2`), or the UNet."""
    return [model for name in ("transformer", "transformer_2", "unet") if (model := getattr(pipeline, name, None)) is not None]


@contextlib.contextmanager
def cache_context(pipeline: Any) -> Iterator[None]:
    """The cache context a caching hook needs, for pipelines whose call opens none (FluxKontextPipeline).

    The hooks keep their state per context; one context is right for a pipeline that calls its transformer once
    a step (no separate unconditional pass). Without any, the hooks stop with "No cache context is set".
    """
    transformer = pipeline.transformer
    if not getattr(transformer, "is_cache_enabled", False):
        yield
        return
    with transformer.cache_context("cond"):
        yield


def place(pipeline: Any, options: DiffusionOptions) -> None:
    """Puts the pipeline on the device, or offloads it; also switches a loaded pipeline from no offload or model offload.

    Switching needs no reload: accelerate's hooks come off and the weights go back to the CPU first.
    """
    device = torch.device(options.device)
    pipeline.remove_all_hooks()
    if options.offload == "model":
        pipeline.enable_model_cpu_offload(device=device)
    elif options.offload == "group" and hasattr(pipeline, "enable_group_offload"):
        pipeline.to("cpu")
        # Leaf level: only the layer running (and, streamed, the next one) is on the GPU; streams overlap the copies.
        pipeline.enable_group_offload(
            onload_device=device, offload_device=torch.device("cpu"), offload_type="leaf_level", use_stream=device.type == "cuda"
        )
    elif options.offload in ("group", "sequential"):
        # diffusers before group offload: accelerate's layer-by-layer offload, as small and slower.
        pipeline.enable_sequential_cpu_offload(device=device)
    else:
        pipeline.to(device)


# Each caching hook's config class, and the diffusers release that added it (pyproject allows older ones).
CACHE_CONFIGS: dict[str, tuple[str, str]] = {
    "first_block": ("FirstBlockCacheConfig", "0.35"),
    "taylorseer": ("TaylorSeerCacheConfig", "0.36"),
    "faster": ("FasterCacheConfig", "0.33"),
    "mag": ("MagCacheConfig", "0.37"),
}


def cache_config(kind: CacheKind, settings: dict[str, Any]) -> Any:
    """The diffusers config of a caching hook; an InputError when this diffusers lacks the hook or its arguments are wrong."""
    import diffusers
    import diffusers.hooks

    class_name, release = CACHE_CONFIGS[kind]
    config_class = getattr(diffusers.hooks, class_name, None)
    if config_class is None:
        raise InputError(
            f"cache '{kind}' needs diffusers {release} or newer (this is diffusers {diffusers.__version__}, which has no {class_name})",
            fix=f"pip install -U 'diffusers>={release}', or choose another cache: "
            + ", ".join(name for name, (other, _) in CACHE_CONFIGS.items() if hasattr(diffusers.hooks, other)),
        )
    try:
        return config_class(**settings)
    except TypeError as error:
        raise InputError(f"cache '{kind}': {error}", fix=f"give the arguments of diffusers.{class_name}") from None


def check_attention_backend(name: str) -> None:
    """An InputError, before any model loads, when diffusers has no such attention backend or its package is missing."""
    from diffusers.models.attention_dispatch import AttentionBackendName

    known = [backend.value for backend in AttentionBackendName]
    if name not in known:
        raise InputError(f"attention_backend '{name}' is not one of diffusers' attention backends", fix=f"use one of: {', '.join(known)}")
    package = _attention_package(name)
    if package is not None and importlib.util.find_spec(package[0]) is None:
        raise InputError(f"attention_backend '{name}' needs the package {package[1]}, which is not installed", fix=package[2])


_NATIVE = "or use attention_backend: _native_cudnn or _native_flash (PyTorch's own kernels, nothing to install)"


def _attention_package(name: str) -> tuple[str, str, str] | None:
    """(module diffusers imports, what to install, how) for a backend that needs a package; None for PyTorch's own."""
    if name.endswith("_hub"):
        return "kernels", "kernels", f"pip install kernels (it fetches the kernel from the Hugging Face Hub once), {_NATIVE}"
    if name.startswith("_flash") and name.endswith("3"):
        return "flash_attn_interface", "FlashAttention 3", f"build it from source (hopper/ in Dao-AILab/flash-attention), {_NATIVE}"
    if name.startswith("flash"):
        fix = (
            "pip install flash-attn --no-build-isolation (it compiles against your CUDA toolkit; prebuilt wheels are on "
            f"github.com/Dao-AILab/flash-attention/releases), or flash_hub with pip install kernels, {_NATIVE}"
        )
        return "flash_attn", "flash-attn", fix
    if name.lstrip("_").startswith("sage"):
        return "sageattention", "sageattention", f"pip install sageattention, {_NATIVE}"
    if name == "xformers":
        return "xformers", "xformers", f"pip install xformers (the build for your torch), {_NATIVE}"
    return None


def generator(seed: int) -> torch.Generator:
    # A CPU generator draws the same noise on every device, so a seed means the same shot everywhere.
    return torch.Generator("cpu").manual_seed(seed % 2**63)


OFFLINE_HINT = "  (then copy the HF cache here; HF_HUB_OFFLINE=1 keeps runs offline)"
# What the preflight tells a user missing weights of a profile: the command that fetches exactly its files.
PROFILE_FETCH = (
    "on a machine with internet run `movieagent fetch -c PROFILE` with the profile you ran (only the files it needs; "
    "--dry-run lists them with their sizes)" + OFFLINE_HINT
)


def fetch_command(model: str) -> str:
    """How to get one model (e.g. an eval model) onto this machine."""
    if is_local_path(model):
        return f"put the model folder (written by save_pretrained, with model_index.json) at {model}"
    return f"fetch it on a machine with internet: hf download {model}{OFFLINE_HINT}"


def check_weights(models: list[tuple[str, str]]) -> None:
    """Checks each (what, model) of a profile is on disk, without loading it; raises InputErrors naming every one missing."""
    problems = [
        InputError(
            f"the {what} weights '{model}' are not on this machine", fix=fetch_command(model) if is_local_path(model) else PROFILE_FETCH
        )
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
    from diffusers import DiffusionPipeline

    # diffusers' own check, as from_pretrained makes it offline: every file its loading needs is in the HF cache
    # (a download of only those files, as `movieagent fetch` makes, passes; a half-finished one does not).
    try:
        DiffusionPipeline.download(model, local_files_only=True)
    except (OSError, ValueError):
        return False
    return True
