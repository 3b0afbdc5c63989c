"""Voice model files, as the diffusion backends find theirs: a local path, or files of a Hugging Face repo in the HF cache.

Nothing is downloaded at run time: a missing file is named by the preflight with the command that fetches only
the files that are missing, so a run behaves the same online and with HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

from pathlib import Path

OFFLINE_HINT = "  (then copy the HF cache here; HF_HUB_OFFLINE=1 keeps runs offline)"


def is_local_path(name: str) -> bool:
    """A file or folder on this machine (or meant as one), not a Hugging Face id or a voice name."""
    return name.startswith(("/", ".", "~")) or Path(name).expanduser().exists()


def cached_file(repo: str, filename: str, revision: str | None = None) -> Path | None:
    """A file of `repo` in the Hugging Face cache; None when it is not there. Never reaches the network."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, filename, revision=revision)
    return Path(found) if isinstance(found, str) else None


def cached_repo_files(repo: str, pattern: str) -> list[Path]:
    """Files matching `pattern` in any cached snapshot of `repo` (sorted by path in the repo, first snapshot wins)."""
    from huggingface_hub.constants import HF_HUB_CACHE

    snapshots = Path(HF_HUB_CACHE) / f"models--{repo.replace('/', '--')}" / "snapshots"
    found: dict[Path, Path] = {}
    for snapshot in sorted(snapshots.glob("*")) if snapshots.is_dir() else []:
        for path in sorted(snapshot.rglob(pattern)):
            found.setdefault(path.relative_to(snapshot), path)
    return [found[name] for name in sorted(found)]


def fetch_command(repo: str, files: list[str], revision: str | None = None) -> str:
    """The command that fetches exactly `files` of `repo` into the HF cache."""
    pinned = f" --revision {revision}" if revision else ""
    return f"fetch them on a machine with internet: hf download {repo} {' '.join(files)}{pinned}{OFFLINE_HINT}"
