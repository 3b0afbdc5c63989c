"""The memory ladder: what a diffusion backend tries next after running out of GPU memory, and what each step needs.

1. model offload: each model (text encoder, transformer, VAE) is on the GPU only while it runs, so the largest
   one must fit (Wan 2.1 14B's transformer: 30.5 GiB in bf16);
2. group offload at leaf level, streamed (sequential offload where diffusers has none): only the layer running and
   the next one are on the GPU, copied in while the one before computes, so a 14B model runs on a 24 GB card at
   the cost of the PCIe traffic; the CPU holds every weight (pinned), so it needs that much RAM;
3. smaller frames: 3/4 of the resolution, then down to 1/2 (scaled back up to the shot): activations shrink, weights do not.
Steps 1 and 2 switch the loaded pipeline in place (loading.place): nothing is read from disk again.
"""

from __future__ import annotations

from typing import Any

from movieagent.diffusion.loading import DiffusionOptions

GIB = 2**30
# Each resolution step draws this fraction of the sides (so about 56 % of the pixels), down to SMALLEST_SCALE.
RESOLUTION_STEP = 0.75
SMALLEST_SCALE = 0.5


def lowered(options: DiffusionOptions) -> DiffusionOptions | None:
    """The next step of the ladder after running out of memory with `options`; None on a CPU or at the last step."""
    if options.device == "cpu":
        return None
    if options.offload == "none":
        return options.model_copy(update={"offload": "model"})
    if options.offload == "model":
        return options.model_copy(update={"offload": "group"})
    if options.resolution_scale > SMALLEST_SCALE:
        return options.model_copy(update={"resolution_scale": max(SMALLEST_SCALE, options.resolution_scale * RESOLUTION_STEP)})
    return None


def weights_on_gpu(pipeline: Any, offload: str) -> int:
    """Bytes of weights the GPU holds at once under `offload`: all of them, the largest model, or two layers (streamed)."""
    import torch

    models = [part for part in pipeline.components.values() if isinstance(part, torch.nn.Module)]
    if not models:
        return 0
    if offload == "none":
        return sum(_bytes(model) for model in models)
    if offload == "model":
        return max(_bytes(model) for model in models)
    # Leaf level: one layer computing while the next is copied in. A tied weight (T5's shared embedding) counts once.
    seen: set[int] = set()
    leaves = []
    for layer in (layer for model in models for layer in model.modules()):
        own = [tensor for tensor in (*layer.parameters(recurse=False), *layer.buffers(recurse=False)) if id(tensor) not in seen]
        seen.update(id(tensor) for tensor in own)
        leaves.append(sum(tensor.numel() * tensor.element_size() for tensor in own))
    return sum(sorted(leaves, reverse=True)[:2])


def describe(step: DiffusionOptions, pipeline: Any | None) -> str:
    """One step of the ladder in words, with the GPU memory its weights need when the pipeline is at hand."""
    what = {
        "none": "no offload",
        "model": "model offload (each model on the GPU only while it runs)",
        "group": "group offload, leaf level, streamed (a layer at a time)",
        "sequential": "sequential offload (a layer at a time)",
    }[step.offload]
    if step.resolution_scale < 1:
        what += f", frames drawn at {step.resolution_scale:.2f} of the resolution"
    if pipeline is None:
        return what
    weights = weights_on_gpu(pipeline, step.offload)
    return f"{what}: about {weights / GIB:.2f} GiB of weights on the GPU at once, plus the activations"


def _bytes(module: Any) -> int:
    return sum(tensor.numel() * tensor.element_size() for tensor in (*module.parameters(), *module.buffers()))
