"""What every diffusion render backend shares: the pipeline loaded on the first render and kept, the retry
with less memory after running out of it, and the check that every weight is on disk before GPU work starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from movieagent.diffusion.loading import PROFILE_FETCH, DiffusionOptions, check_weights, is_local_path, place
from movieagent.diffusion.memory import describe, lowered
from movieagent.errors import InputError, InputErrors

log = logging.getLogger("movieagent")


@dataclass(frozen=True)
class WeightFiles:
    """Files a backend reads from a Hugging Face repo or a local folder without loading it whole (adapters)."""

    what: str
    repo: str
    paths: tuple[str, ...]  # inside the repo, e.g. 'sdxl_models/ip-adapter_sdxl_vit-h.safetensors'

    def missing(self) -> list[str]:
        if self.is_folder:
            return [path for path in self.paths if not (Path(self.repo).expanduser() / path).is_file()]
        from huggingface_hub import try_to_load_from_cache

        return [path for path in self.paths if not isinstance(try_to_load_from_cache(self.repo, path), str)]

    @property
    def is_folder(self) -> bool:
        return is_local_path(self.repo)

    def fetch_command(self, paths: list[str] | None = None) -> str:
        """How to get `paths` (all of them by default) onto this machine."""
        wanted = paths or list(self.paths)
        if self.is_folder:
            return f"put {', '.join(wanted)} in {self.repo}"
        return f"{PROFILE_FETCH}; or just these files: hf download {self.repo} {' '.join(wanted)}"


class DiffusionBackend:
    """Base of a diffusers backend's `Backend`: subclasses set `Options` and define `load` and `models`.

    Implements the LowersMemory and ChecksWeights protocols of backends/base.py.
    """

    def __init__(self, options: DiffusionOptions):
        self.options = options
        self._pipeline: Any = None

    def load(self) -> Any:
        """Loads the pipeline for the current options (see diffusion/loading.py's load_pipeline)."""
        raise NotImplementedError

    def models(self) -> list[tuple[str, str]]:
        """(what, model id or folder) of every model `load` reads whole."""
        return [("model", self.options.model)]

    def weight_files(self) -> list[WeightFiles]:
        """Single files `load` reads from other repos (adapters); none by default."""
        return []

    def pipeline(self) -> Any:
        """The loaded pipeline, loading it on the first call."""
        if self._pipeline is None:
            self._pipeline = self.load()
        return self._pipeline

    def lower_memory(self) -> bool:
        """Takes the next step of the memory ladder (diffusion/memory.py), on the loaded pipeline where it can."""
        cheaper = lowered(self.options)
        if cheaper is None:
            return False
        offload_changes = cheaper.offload != self.options.offload
        self.options = cheaper
        if self._pipeline is not None and offload_changes:
            try:
                place(self._pipeline, cheaper)
            except (RuntimeError, ValueError, NotImplementedError) as error:
                # A pipeline diffusers cannot switch (e.g. device-mapped): dropped here, freed by the worker
                # (render.worker.release_memory) before the next render loads it again with the new setting.
                # Logged as text: a log handler keeping the error would keep its frames, and they hold the pipeline.
                log.warning("cannot switch the loaded pipeline to %s offload (%s): loading it again", cheaper.offload, str(error))
                self._pipeline = None
        log.warning("next try: %s", describe(cheaper, self._pipeline))
        return True

    def preflight(self) -> None:
        problems: list[InputError] = []
        try:
            check_weights(self.models())
        except InputErrors as missing:
            problems.extend(missing.problems)
        for files in self.weight_files():
            if missing := files.missing():
                problems.append(
                    InputError(
                        f"the {files.what} weights are not on this machine: {', '.join(missing)} in '{files.repo}'",
                        fix=files.fetch_command(missing),
                    )
                )
        if problems:
            raise InputErrors(problems)
