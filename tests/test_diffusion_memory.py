"""Running out of GPU memory with a real diffusers pipeline (a tiny Wan 2.1 I2V on the CPU): the memory ladder's
order, offload switched on the loaded pipeline without reloading, and nothing of the failed try (activations,
an old pipeline) left alive when the retry starts.

The error is planted inside the pipeline's call: a forward pre-hook on a transformer block raises
torch.OutOfMemoryError after allocating a tensor, as a real allocation failure would in the middle of a step.
"""

from __future__ import annotations

import gc
import logging
import weakref
from pathlib import Path

import pytest
import torch

from movieagent.backends import load_backend
from movieagent.backends.base import RenderPhase
from movieagent.config import BackendChoice
from movieagent.diffusion import backend as diffusion_backend
from movieagent.diffusion.loading import DiffusionOptions
from movieagent.diffusion.memory import lowered, weights_on_gpu
from movieagent.render.worker import render_job
from tests.media_probe import count_frames
from tests.test_video_diffusion import draw_keyframe, make_job
from tests.tiny_video_models import save_wan_i2v

pytestmark = pytest.mark.usefixtures("one_torch_thread")


PHASE = RenderPhase(family="video", backend=BackendChoice(kind="wan"))


@pytest.fixture(scope="module")
def tiny_wan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_wan_i2v(tmp_path_factory.mktemp("wan21-memory"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    draw_keyframe(tmp_path / "keyframes" / "a.png", "navy")
    return tmp_path


@pytest.fixture
def ladder_on_the_cpu(monkeypatch):
    """The GPU's ladder, taken on the CPU: offload onto and off the CPU is real diffusers work, just saving nothing."""

    def as_on_a_gpu(options: DiffusionOptions) -> DiffusionOptions | None:
        step = lowered(options.model_copy(update={"device": "cuda"}))
        return step.model_copy(update={"device": options.device}) if step is not None else None

    monkeypatch.setattr(diffusion_backend, "lowered", as_on_a_gpu)


class PlantedOutOfMemory:
    """Raises torch.OutOfMemoryError in the first transformer block `times` times, holding an activation when it does."""

    def __init__(self, pipeline, times: int):
        self.left = times
        self.activations: list[weakref.ref] = []
        self.handle = pipeline.transformer.blocks[0].register_forward_pre_hook(self)

    def __call__(self, module, inputs):
        if self.left > 0:
            self.left -= 1
            activation = torch.ones(256, 1024)  # a tensor the failed step was using, held by this frame
            self.activations.append(weakref.ref(activation))
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


def live_parameters() -> int:
    gc.collect()
    return sum(item.numel() for item in gc.get_objects() if isinstance(item, torch.nn.Parameter))


def wan(model: Path, **options):
    return load_backend("video", BackendChoice(kind="wan", model=str(model), device="cpu", steps=2, max_pixels=None, **options))


def test_the_ladder_offloads_whole_models_then_layers_then_draws_smaller() -> None:
    on_a_gpu = load_backend("video", BackendChoice(kind="wan", device="cuda")).options
    steps = []
    options: DiffusionOptions | None = on_a_gpu
    while (options := lowered(options)) is not None:
        steps.append((options.offload, options.resolution_scale))
    assert steps == [("model", 1.0), ("group", 1.0), ("group", 0.75), ("group", 0.5625), ("group", 0.5)]
    assert lowered(on_a_gpu.model_copy(update={"device": "cpu"})) is None, "a CPU has nothing cheaper"


def test_out_of_memory_switches_offload_on_the_loaded_pipeline_without_reloading(
    tiny_wan: Path, workdir: Path, ladder_on_the_cpu, monkeypatch, caplog
) -> None:
    backend = wan(tiny_wan, cache="first_block")
    loads = []
    load = backend.load
    monkeypatch.setattr(backend, "load", lambda: loads.append(1) or load())
    pipeline = backend.pipeline()
    switches = []
    for method in ("enable_model_cpu_offload", "enable_group_offload", "enable_sequential_cpu_offload"):
        real = getattr(pipeline, method)
        monkeypatch.setattr(pipeline, method, lambda *a, _real=real, _name=method, **k: switches.append(_name) or _real(*a, **k))
    planted = PlantedOutOfMemory(pipeline, times=2)

    job = make_job()
    with caplog.at_level(logging.WARNING, logger="movieagent"):
        result = render_job(backend, job, PHASE, workdir)

    assert count_frames(result.path) == job.num_frames
    assert switches == ["enable_model_cpu_offload", "enable_group_offload"], "model offload first, then layer by layer"
    assert len(loads) == 1 and backend.pipeline() is pipeline, "switched in place, never loaded again"
    assert all(activation() is None for activation in planted.activations), "the failed tries' tensors are freed"
    steps = [record.getMessage() for record in caplog.records if record.getMessage().startswith("next try")]
    assert len(steps) == 2 and all("GiB of weights on the GPU at once" in step for step in steps)
    assert "model offload" in steps[0] and "group offload" in steps[1]


def test_after_running_out_of_memory_the_failed_tries_tensors_are_gone_before_the_retry(
    tiny_wan: Path, workdir: Path, ladder_on_the_cpu, monkeypatch
) -> None:
    backend = wan(tiny_wan)
    planted = PlantedOutOfMemory(backend.pipeline(), times=1)
    alive_at_retry = []
    render = backend.render

    def render_and_look(job, output):
        alive_at_retry.extend(activation() is not None for activation in planted.activations)
        return render(job, output)

    monkeypatch.setattr(backend, "render", render_and_look)
    render_job(backend, make_job(), PHASE, workdir)
    assert alive_at_retry == [False], "when the retry starts, the tensor the failed step held is freed"


def test_a_pipeline_that_cannot_switch_is_freed_before_it_is_loaded_again(
    tiny_wan: Path, workdir: Path, ladder_on_the_cpu, monkeypatch
) -> None:
    before = live_parameters()
    # The caching hooks tie the transformer and its hook registry in a reference cycle: only the collector frees it.
    backend = wan(tiny_wan, cache="first_block")
    pipeline = backend.pipeline()
    tiny_model = live_parameters() - before
    assert tiny_model > 0
    old_transformer = weakref.ref(pipeline.transformer)
    PlantedOutOfMemory(pipeline, times=1)
    del pipeline

    def cannot_switch(pipeline, options):
        raise RuntimeError("this pipeline is device-mapped")

    monkeypatch.setattr(diffusion_backend, "place", cannot_switch)
    at_reload = []
    load = backend.load

    def reload():
        at_reload.append((old_transformer() is None, live_parameters() - before))
        return load()

    monkeypatch.setattr(backend, "load", reload)
    result = render_job(backend, make_job(), PHASE, workdir)

    assert count_frames(result.path) == 6
    assert at_reload == [(True, 0)], "the old model is gone, and no parameter of it is alive, when the new one loads"


def test_weights_on_the_gpu_shrink_down_the_ladder(tiny_wan: Path) -> None:
    pipeline = wan(tiny_wan).pipeline()
    models = [part for part in pipeline.components.values() if isinstance(part, torch.nn.Module)]
    every_byte = sum(p.numel() * p.element_size() for model in models for p in [*model.parameters(), *model.buffers()])
    assert weights_on_gpu(pipeline, "none") == every_byte
    assert weights_on_gpu(pipeline, "model") < every_byte
    assert 0 < weights_on_gpu(pipeline, "group") < weights_on_gpu(pipeline, "model")
