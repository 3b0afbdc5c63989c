"""The output folder: predictable file names, atomic writes.

OUTDIR/
  plan.json, movie.mp4, movie.srt, log.txt
  storyboard.html, storyboard/page-001.png …  the storyboard's index and its pages
  clips/shot_0001_<shot-id>.mp4     one per shot, numbered in plan order
  keyframes/shot_0001_<shot-id>.png the still each clip starts from, when a keyframe backend is set
  speech/<line-id>.wav              one per spoken line
  voices.json                       the cast: each speaking character's voice, as the speech backend cast it
  cache/                            cache keys of finished work; cache/llm/ the LLM crews' replies
  transcript.jsonl                  every LLM call: agent, scene, model, latency, tokens, cost
  planning.sqlite                   LangGraph checkpoints
  metrics.json, report.html, movie.vtt, eval/   written by `movieagent eval`
  movie.ass                         the subtitles as drawn into the picture, when they are burnt in
  .movieagent-output                the marker: movieagent made this folder and may overwrite and delete its files

A folder is used only when it is new, empty, carries the marker, or was made by a version before the marker
(see claim_workspace); anything else is refused before any work, unless the caller forces it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from movieagent.errors import InputError, WriteError

MARKER = ".movieagent-output"
MARKER_TEXT = (
    "movieagent made this folder: it may overwrite and delete the files it writes here.\n"
    "Delete this file to keep `movieagent make` from using the folder without --force.\n"
)
# Every name a version of movieagent writes at the top of its folder: a folder of only these, with movieagent's
# own log.txt, was made before the marker existed and is adopted.
OUR_NAMES = frozenset(
    {
        "plan.json", "movie.mp4", "movie.srt", "movie.ass", "movie.vtt", "storyboard.png", "log.txt", "timeline.json",
        "storyboard.html", "storyboard",
        "transcript.jsonl", "planning.sqlite", "planning.sqlite-wal", "planning.sqlite-shm", "planning.sqlite-journal",
        "metrics.json", "report.html", "clips", "keyframes", "speech", "audio", "cache", "eval", MARKER,
    }
)  # fmt: skip
# The first line of a log.txt movieagent wrote: "2026-12-07 10:00:00,123 INFO movieagent: ...".
_OUR_LOG_LINE = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ movieagent[.:]")
# atomic_path's temporary names (mkstemp adds 8 random characters): what a killed run leaves behind.
_PARTIAL_NAME = re.compile(r"^\..*\.[a-z0-9_]{8}\.partial(\.[A-Za-z0-9]+)?$")
# Write failures that say something about the place, not the program: reported with the file and a fix.
_WRITE_FIXES = {
    errno.ENOSPC: "free some space on that disk, or choose an output folder on another one (-o)",
    errno.EDQUOT: "free some space within your disk quota, or choose an output folder on another disk (-o)",
    errno.EFBIG: "the file is over a size limit of this system (ulimit -f) or file system",
    errno.EROFS: "choose an output folder on a disk that can be written (-o)",
    errno.EACCES: "choose an output folder you may write in (-o), or change its permissions",
    errno.EPERM: "choose an output folder you may write in (-o), or change its permissions",
    errno.EIO: "the disk reported an input/output error: check it, or choose an output folder on another one (-o)",
}


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def movie(self) -> Path:
        return self.root / "movie.mp4"

    @property
    def subtitles(self) -> Path:
        return self.root / "movie.srt"

    @property
    def burnt_subtitles(self) -> Path:
        return self.root / "movie.ass"

    @property
    def storyboard(self) -> Path:
        """The storyboard's index, which shows its pages."""
        return self.root / "storyboard.html"

    def storyboard_page(self, number: int) -> Path:
        return self.root / "storyboard" / f"page-{number:03d}.png"

    def storyboard_pages(self) -> list[Path]:
        """The pages there are, in order."""
        pages = (self.root / "storyboard").glob("page-*.png")
        return sorted((page for page in pages if page.stem[5:].isdigit()), key=lambda page: int(page.stem[5:]))

    @property
    def log(self) -> Path:
        return self.root / "log.txt"

    @property
    def mix(self) -> Path:
        return self.root / "audio" / "mix.m4a"

    @property
    def checkpoints(self) -> Path:
        return self.root / "planning.sqlite"

    @property
    def clips(self) -> Path:
        return self.root / "clips"

    @property
    def speech(self) -> Path:
        return self.root / "speech"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def llm_cache(self) -> Path:
        return self.cache / "llm"

    @property
    def transcript(self) -> Path:
        return self.root / "transcript.jsonl"

    def clip(self, index: int, shot_id: str) -> Path:
        # Zero-padded so that string order equals plan order for people browsing the folder.
        return self.clips / f"shot_{index:04d}_{shot_id}.mp4"

    @property
    def keyframes(self) -> Path:
        return self.root / "keyframes"

    def keyframe(self, index: int, shot_id: str) -> Path:
        return self.keyframes / f"shot_{index:04d}_{shot_id}.png"

    @property
    def voices(self) -> Path:
        return self.root / "voices.json"

    def line_audio(self, line_id: str) -> Path:
        return self.speech / f"{line_id}.wav"


@contextlib.contextmanager
def claim_workspace(outdir: Path | str, *, force: bool = False, bank: Path | None = None) -> Iterator[Workspace]:
    """The output folder, checked before any work and held for one run.

    Refused (InputError, nothing written) when its name has a control character, when it is a file, when it
    lies inside the character `bank` or holds it, or when it holds files movieagent did not
    make (see check_output_folder; `force` uses it anyway). Then it is made if needed and marked as
    movieagent's, locked against a second run at the same time, and swept of the temporary files a killed
    run left behind.
    """
    workspace = check_output_folder(outdir, force=force, bank=bank)
    # The lock goes with the open file: a run that is killed cannot leave it behind.
    with open(workspace.root / MARKER, "rb") as marker:
        try:
            fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                "another movieagent run is using this output folder", path=workspace.root, fix="wait for it to finish, or choose another folder (-o)"
            ) from None
        _remove_partial_files(workspace.root)
        yield workspace


def check_output_folder(outdir: Path | str, *, force: bool = False, bank: Path | None = None) -> Workspace:
    """The output folder made (or adopted) and marked, after the checks claim_workspace describes.

    A folder without the marker is adopted when it is empty, when `force` is set, or when it was made by a
    version of movieagent before the marker: only names movieagent writes (OUR_NAMES), and a log.txt whose
    first line is one of movieagent's log records.
    """
    # 1. The name and the place, before anything is written.
    text = str(outdir)
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise InputError(
            f"the output folder's name {text!r} has a control character (a newline, a tab)",
            fix="choose a folder name without control characters (-o)",
        )
    root = Path(outdir).resolve()
    if root.exists() and not root.is_dir():
        raise InputError("the output folder is a file, not a folder", path=root, fix="choose a new folder name (-o)")
    bank = Path(bank).resolve() if bank is not None else None
    if bank is not None and root.is_relative_to(bank):
        # The bank loader would read the movie's folders as characters on every later run.
        raise InputError(
            f"the output folder lies inside the character bank {bank}", path=root, fix="choose an output folder outside the bank (-o)"
        )
    if bank is not None and bank.is_relative_to(root):
        raise InputError(
            f"the output folder holds the character bank {bank}", path=root, fix="choose an output folder beside the bank, not around it (-o)"
        )

    # 2. Whose folder it is.
    marker = root / MARKER
    if root.is_dir() and not marker.exists() and not force and not _made_before_the_marker(root):
        names = sorted(path.name for path in root.iterdir())
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise InputError(
            f"the output folder holds files movieagent did not make ({shown})",
            path=root,
            fix="choose a new or empty folder (-o), or add --force to let movieagent write its files there",
        )

    # 3. Made, marked, and shown to be writable (a read-only disk, a folder of another user's).
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not marker.exists():  # never replaced: a running run holds its lock on this very file
            write_text_atomic(marker, MARKER_TEXT)
        with tempfile.TemporaryFile(dir=root):
            pass
    except WriteError as error:
        raise InputError(f"cannot write in the output folder: {error.reason}", path=root, fix=error.fix) from None
    except OSError as error:
        raise InputError(
            f"cannot write in the output folder: {error.strerror or error}", path=root, fix=_WRITE_FIXES.get(error.errno or 0)
        ) from None
    return Workspace(root)


def _made_before_the_marker(root: Path) -> bool:
    entries = list(root.iterdir())
    if not entries:
        return True
    if any(entry.name not in OUR_NAMES and not _PARTIAL_NAME.match(entry.name) for entry in entries):
        return False
    try:
        with open(root / "log.txt", "rb") as log:
            return bool(_OUR_LOG_LINE.match(log.read(100)))
    except OSError:
        return False


def _remove_partial_files(root: Path) -> None:
    # Only atomic_path's temporary names: nothing reads them, and the lock says no other run is writing one.
    for path in root.rglob(".*partial*"):
        if _PARTIAL_NAME.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yields a temporary path beside `final`; renames it into place only if the block succeeds.

    The temporary name keeps the suffix so tools that guess the format from it (ffmpeg) still work. A full
    disk, a read-only folder or a missing permission raises WriteError naming `final`.
    """
    final = Path(final)
    temporary = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".partial{final.suffix}", dir=final.parent)
        os.close(handle)
        temporary = Path(name)
        yield temporary
        # mkstemp creates owner-only files; outputs are meant to be shared like any other file.
        os.chmod(temporary, 0o644)
        os.replace(temporary, final)
    except OSError as error:
        if error.errno not in _WRITE_FIXES:
            raise
        raise write_error(final, error) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def write_error(path: Path, error: OSError) -> WriteError:
    """The user's error for a failed write of `path`: what went wrong, and what to do about it."""
    fix = _WRITE_FIXES.get(error.errno or 0, "check that the output folder's disk is writable and has space")
    return WriteError(path, error.strerror or str(error), fix)


def write_text_atomic(final: Path, text: str) -> None:
    with atomic_path(final) as temporary:
        temporary.write_text(text, encoding="utf-8")

