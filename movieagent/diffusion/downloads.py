"""`movieagent fetch`: exactly the files a profile's diffusion models need, from the Hugging Face Hub into the HF cache.

A pipeline repo gets model_index.json and, for each part it names (those not null), that folder's config and
tokenizer files and its weights in one format: the plain safetensors (one file or shards with their index), else the
plain .bin; never the fp16 or other variants beside them, nor the single-file checkpoints some repos keep at their
root (LTX-Video's root holds over 100 GB of them). An adapter repo (IP-Adapter) gets the exact files its backend
names. The list comes with sizes (HfApi.model_info with files_metadata) before anything downloads; then
huggingface_hub's snapshot_download fetches those files only (allow_patterns) into the HF cache (HF_HOME,
HF_HUB_CACHE), skipping files already there and continuing a dropped connection. Nothing is written outside that
cache. With HF_HUB_OFFLINE=1 a dry run lists what the cache already holds of each repo (the Hub is not asked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from movieagent.backends import load_backend
from movieagent.config import RenderSettings
from movieagent.diffusion.backend import DiffusionBackend
from movieagent.diffusion.loading import is_local_path
from movieagent.errors import InputError, MovieAgentError

# Weights under the names diffusers and transformers load by default (no variant): one file or numbered shards.
PLAIN_WEIGHTS = re.compile(r"^(diffusion_pytorch_model|model|pytorch_model)(-\d{5}-of-\d{5})?\.(?P<format>safetensors|bin)$")
PLAIN_INDEX = re.compile(r"^(diffusion_pytorch_model|model|pytorch_model)\.(?P<format>safetensors|bin)\.index\.json$")
# Everything else a part's folder needs: configs, tokenizer vocabularies and merges, sentencepiece models.
SMALL_FILES = (".json", ".txt", ".model", ".tiktoken")
# What makes a folder a model's (diffusers' filter_model_files).
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx", ".msgpack", ".pb")
GB = 1e9


@dataclass
class RepoFiles:
    """The files to fetch from one repo at one commit, with their sizes in bytes (None where the Hub gave none)."""

    repo: str
    revision: str | None  # as the profile gives it (None: main)
    commit: str = ""  # what it was when listed
    what: list[str] = field(default_factory=list)  # the models read from it, for the listing
    pipeline: bool = False  # a whole diffusers pipeline is loaded from it
    named: set[str] = field(default_factory=set)  # files a backend names (adapters)
    files: dict[str, int | None] = field(default_factory=dict)
    here: set[str] = field(default_factory=set)  # already in the HF cache
    offline: bool = False  # listed from the HF cache alone (HF_HUB_OFFLINE): files it lacks are unknown

    @property
    def size(self) -> int:
        return sum(size or 0 for size in self.files.values())

    @property
    def size_to_fetch(self) -> int:
        return sum(size or 0 for path, size in self.files.items() if path not in self.here)


def fetch_plan(settings: RenderSettings, api: Any) -> list[RepoFiles]:
    """The files of every Hub model the profile's render backends load (local folders need nothing), repo by repo."""
    from huggingface_hub import try_to_load_from_cache

    # 1. What each backend reads, one entry per repo and revision: whole pipelines, or the files it names (adapters).
    repos: dict[tuple[str, str | None], RepoFiles] = {}
    for family, choice in (("keyframe", settings.keyframe), ("video", settings.video)):
        if choice is None:
            continue
        backend = load_backend(family, choice)  # type: ignore[arg-type]
        if not isinstance(backend, DiffusionBackend):
            continue
        for what, model in backend.models():
            if not is_local_path(model):
                entry = repos.setdefault((model, backend.options.revision), RepoFiles(model, backend.options.revision))
                entry.what.append(what)
                entry.pipeline = True
        for files in backend.weight_files():
            if not files.is_folder:
                entry = repos.setdefault((files.repo, None), RepoFiles(files.repo, None))
                entry.what.append(files.what)
                entry.named.update(files.paths)

    # 2. Each repo's files with their sizes at one commit, and those wanted from it.
    for repo in repos.values():
        sizes, repo.commit, repo.offline = _listing(api, repo)
        wanted = set(repo.named)
        if repo.pipeline:
            if "model_index.json" not in sizes:
                raise InputError(
                    f"'{repo.repo}' is not a diffusers pipeline (it has no model_index.json)",
                    fix="give the id of its Diffusers version (often the same name ending in -Diffusers or -diffusers)",
                )
            wanted |= set(pipeline_files(_model_index(api, repo.repo, repo.commit), sizes))
        if (missing := sorted(wanted - set(sizes))) and not repo.offline:
            raise InputError(
                f"'{repo.repo}' has no {', '.join(missing)}", fix="check the model id, the revision and the file names in the profile"
            )
        repo.files = {path: sizes.get(path) for path in sorted(wanted)}
        repo.here = {path for path in wanted if isinstance(try_to_load_from_cache(repo.repo, path, revision=repo.commit), str)}
    return list(repos.values())


def pipeline_files(model_index: dict[str, Any], repo_files: Iterable[str]) -> list[str]:
    """The files `from_pretrained` reads, by diffusers' own rule (DiffusionPipeline.download), which its offline
    loading checks: model_index.json; each part with weights gets its configs and its plain weights, in safetensors
    when every such part has them, else in .bin; each part without weights (tokenizer, scheduler) all its files."""
    parts = [name for name, value in model_index.items() if not name.startswith("_") and _is_part(value)]
    by_folder: dict[str, list[str]] = {}
    for path in repo_files:
        by_folder.setdefault(str(PurePosixPath(path).parent), []).append(PurePosixPath(path).name)
    with_weights = [part for part in parts if any(name.endswith(WEIGHT_SUFFIXES) for name in by_folder.get(part, []))]
    in_safetensors = all(_plain_formats(by_folder[part]) & {"safetensors"} for part in with_weights)
    weight_format = "safetensors" if in_safetensors else "bin"
    chosen = ["model_index.json"]
    for part in parts:
        for name in by_folder.get(part, []):
            if part not in with_weights:
                keep = True
            elif weights := PLAIN_WEIGHTS.match(name) or PLAIN_INDEX.match(name):
                keep = weights["format"] == weight_format
            else:
                # Index files of variants (model.safetensors.index.fp16.json) are not configs.
                keep = name.endswith(SMALL_FILES) and ".index." not in name
            if keep:
                chosen.append(f"{part}/{name}")
    return chosen


def _plain_formats(names: list[str]) -> set[str]:
    return {match["format"] for name in names if (match := PLAIN_WEIGHTS.match(name))}


def describe(plan: list[RepoFiles], *, list_files: bool) -> list[str]:
    """The plan in lines: the total first, then each repo (and, with `list_files`, each file and its size)."""
    total = sum(repo.size for repo in plan)
    to_fetch = sum(repo.size_to_fetch for repo in plan)
    count = sum(len(repo.files) for repo in plan)
    lines = [
        f"{count} files in {len(plan)} repositories, {total / GB:.1f} GB; {to_fetch / GB:.1f} GB to download "
        f"({(total - to_fetch) / GB:.1f} GB already in the Hugging Face cache)"
    ]
    for repo in plan:
        offline = "; offline: only what the HF cache holds is listed" if repo.offline else ""
        lines.append(f"{repo.repo} ({', '.join(dict.fromkeys(repo.what))}): {len(repo.files)} files, {repo.size / GB:.1f} GB{offline}")
        if list_files:
            for path, size in repo.files.items():
                shown = f"{size / GB:8.3f} GB" if size is not None else "    size ?"
                lines.append(f"  {shown}  {path}{'  (here)' if path in repo.here else ''}")
    return lines


def download(plan: list[RepoFiles], api: Any) -> list[str]:
    """Fetches every file of the plan into the HF cache; returns each repo's snapshot folder.

    Files already there are skipped; a connection dropped mid-file is continued from where it stopped; a run that
    fails keeps every file it finished, so running it again fetches only the rest.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    folders = []
    for repo in plan:
        if repo.offline:
            raise MovieAgentError("HF_HUB_OFFLINE is set: fetching needs the Hub; unset it where the network is allowed")
        try:
            # By the revision the profile names, not the commit: the cache then maps that name (main) to the commit,
            # which is how from_pretrained finds the files offline.
            folders.append(
                snapshot_download(repo.repo, revision=repo.revision, allow_patterns=list(repo.files), endpoint=api.endpoint, token=api.token)
            )
        except (HfHubHTTPError, OSError) as error:
            raise MovieAgentError(
                f"fetching '{repo.repo}' stopped: {' '.join(str(error).split())[:400]}; run the same command again "
                "(the files already fetched are kept)"
            ) from None
    return folders


def _is_part(value: Any) -> bool:
    # model_index.json names a part as [library, class]; [null, null] marks an optional part the repo leaves out.
    return isinstance(value, list) and len(value) == 2 and all(item is not None for item in value)


def _listing(api: Any, repo: RepoFiles) -> tuple[dict[str, int | None], str, bool]:
    """Every file of the repo at its revision with its size, the commit that revision is, and whether the list is
    the HF cache's alone (offline)."""
    from huggingface_hub.errors import GatedRepoError, OfflineModeIsEnabled, RepositoryNotFoundError, RevisionNotFoundError

    try:
        info = api.model_info(repo.repo, revision=repo.revision, files_metadata=True)
    except GatedRepoError:
        raise InputError(
            f"'{repo.repo}' is gated: its files need an accepted licence",
            fix=f"accept it at https://huggingface.co/{repo.repo}, then log in here with `hf auth login` (or set HF_TOKEN)",
        ) from None
    except (RepositoryNotFoundError, RevisionNotFoundError):
        raise InputError(
            f"the Hugging Face Hub has no model '{repo.repo}'" + (f" at revision '{repo.revision}'" if repo.revision else ""),
            fix="check the model id and revision in the profile (a private repo also needs `hf auth login`)",
        ) from None
    except OfflineModeIsEnabled:
        return (*_cached_listing(repo), True)
    except Exception as error:  # the client's network errors (httpx, requests) share no base class
        raise MovieAgentError(
            f"cannot list the files of '{repo.repo}' on the Hugging Face Hub: {' '.join(str(error).split())[:300]} "
            "(with HF_HUB_OFFLINE=1, --dry-run lists what the HF cache holds)"
        ) from None
    return {sibling.rfilename: sibling.size for sibling in info.siblings or []}, info.sha, False


def _cached_listing(repo: RepoFiles) -> tuple[dict[str, int | None], str]:
    """The files the HF cache holds of the repo at its revision, with their sizes, and the commit."""
    from huggingface_hub import scan_cache_dir

    wanted = repo.revision or "main"
    for cached in scan_cache_dir().repos:
        if cached.repo_id == repo.repo and cached.repo_type == "model":
            for revision in cached.revisions:
                if wanted in revision.refs or revision.commit_hash == wanted:
                    files = {file.file_path.relative_to(revision.snapshot_path).as_posix(): file.size_on_disk for file in revision.files}
                    return files, revision.commit_hash
    raise MovieAgentError(f"HF_HUB_OFFLINE is set and the HF cache holds nothing of '{repo.repo}': list it where the network is allowed")


def _model_index(api: Any, repo: str, commit: str) -> dict[str, Any]:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        # A few hundred bytes, kept in the HF cache like any other file of the repo.
        path = hf_hub_download(repo, "model_index.json", revision=commit, endpoint=api.endpoint, token=api.token)
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (HfHubHTTPError, OSError, ValueError) as error:
        raise MovieAgentError(f"cannot read model_index.json of '{repo}': {' '.join(str(error).split())[:300]}") from None
