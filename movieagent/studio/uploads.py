"""Untrusted uploads: a script file and a zipped character bank, checked before anything else reads them.

A zip is refused as a whole, with every bad entry named, when any entry would land outside the bank folder
(`../`, an absolute path, a drive letter, a backslash), is a link or a device, is encrypted, is too big,
compresses suspiciously well (a zip bomb), or when the archive has too many entries or too many bytes in all.
Sizes are counted while extracting as well, so a header that lies about them gains nothing. Only the file
types a bank uses are kept (YAML, captions, images); the rest is skipped and reported. An image's type must
match its suffix and its pixel count is checked from the header, before anything is decoded; the bank loader
then verifies and decodes every image (movieagent/ingest/bank.py) when the project is checked.
"""

from __future__ import annotations

import shutil
import stat
import unicodedata
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field

from movieagent.errors import InputError, InputErrors
from movieagent.ingest.bank import CHARACTER_FILE, IMAGE_SUFFIXES, MAX_IMAGE_PIXELS
from movieagent.ingest.script import PARSERS, SUPPORTED
from movieagent.schema import slugify
from movieagent.workspace import atomic_path

# What a bank is made of: character.yaml/location.yaml, captions beside pictures (MovieAgent's layout), pictures.
KEPT_SUFFIXES = (".yaml", ".yml", ".txt", *IMAGE_SUFFIXES)
# What Pillow must find inside a file with each image suffix: a renamed file of another type is refused.
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
# Ratios are only judged on entries this large: a tiny file of repeated text compresses well and is harmless.
RATIO_CHECKED_FROM_BYTES = 1_000_000
# Longest name of one file or folder (most file systems allow 255 bytes) and of a whole entry path.
MAX_NAME_BYTES = 255
MAX_PATH_CHARACTERS = 1000
_COPY_CHUNK = 1 << 16
_MEGABYTE = 1_000_000


class UploadLimits(BaseModel):
    """How much an upload may hold. The defaults fit a bank of a few dozen characters with large photos."""

    script_bytes: int = Field(default=2 * _MEGABYTE, ge=1)
    zip_bytes: int = Field(default=100 * _MEGABYTE, ge=1)
    entry_bytes: int = Field(default=25 * _MEGABYTE, ge=1, description="Largest single file inside the zip, uncompressed")
    total_bytes: int = Field(default=250 * _MEGABYTE, ge=1, description="All files inside the zip together, uncompressed")
    entries: int = Field(default=2000, ge=1)
    ratio: float = Field(default=100.0, gt=1, description="Uncompressed/compressed size above which an entry is a zip bomb")
    image_pixels: int = Field(default=MAX_IMAGE_PIXELS, ge=1)

    def request_bytes(self) -> int:
        """The largest request body the server reads: a script, a zip and the form around them."""
        return self.script_bytes + self.zip_bytes + _MEGABYTE


def save_script(filename: str, source: BinaryIO, folder: Path, limits: UploadLimits) -> Path:
    """Stores an uploaded script in `folder` under a safe name with its suffix; refuses unknown types and oversize files."""
    # 1. Check inputs: a known suffix, then at most the limit of bytes, as UTF-8 text.
    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in PARSERS:
        raise InputError(f"unsupported script type '{suffix or '(no suffix)'}'", path=name or "script", fix=f"upload {SUPPORTED}")
    data = source.read(limits.script_bytes + 1)
    if len(data) > limits.script_bytes:
        raise InputError(
            f"the script is larger than the limit of {limits.script_bytes} bytes", path=name, fix="split it into parts"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the script is not UTF-8 text (byte {error.start})", path=name, fix="save it as UTF-8") from None

    # 2. Store it under a name made only of safe characters.
    target = Path(folder) / f"{slugify(PurePosixPath(name).stem)}{suffix}"
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    return target


def copy_limited(source: BinaryIO, target: Path, max_bytes: int, what: str) -> None:
    """Copies an upload to `target`, refusing it as soon as it passes `max_bytes`."""
    written = 0
    with open(target, "wb") as output:
        while chunk := source.read(_COPY_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise InputError(f"the {what} is larger than the limit of {max_bytes} bytes", fix=f"upload a smaller {what}")
            output.write(chunk)


def extract_bank(archive: Path, folder: Path, limits: UploadLimits) -> list[str]:
    """Extracts a zipped character bank into `folder` (which must not exist); returns the entries skipped.

    Raises InputErrors naming every refused entry; nothing is left behind then.
    """
    # 1. Check the archive as a whole.
    archive = Path(archive)
    if archive.stat().st_size > limits.zip_bytes:
        raise _refusal(f"the zip is larger than the limit of {limits.zip_bytes} bytes")
    try:
        with zipfile.ZipFile(archive) as bundle:
            # 2. Check every entry from the central directory before writing anything.
            entries = bundle.infolist()
            if len(entries) > limits.entries:
                raise _refusal(f"the zip has {len(entries)} entries, over the limit of {limits.entries}")
            kept, skipped, problems = _sort_entries(entries, limits)
            if problems:
                raise InputErrors(problems)
            # 3. Extract what is kept, counting the bytes as they come.
            folder.mkdir(parents=True)
            try:
                _extract(bundle, kept, _common_top_folder(kept), folder, limits)
            except OSError as error:
                # The checks above leave nothing the file system should refuse; if it does, the upload is still at fault.
                shutil.rmtree(folder, ignore_errors=True)
                raise _refusal(f"the zip could not be extracted: {error.strerror or error}", fix="zip the bank folder again") from None
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        # NotImplementedError: a compression method Python cannot read (e.g. Deflate64).
        raise _refusal(f"not a readable zip file: {error}", fix="zip the bank folder again with plain Deflate") from None
    return skipped


def _sort_entries(
    entries: list[zipfile.ZipInfo], limits: UploadLimits
) -> tuple[list[zipfile.ZipInfo], list[str], list[InputError]]:
    """The entries to extract, the names skipped, and the problems that refuse the whole zip."""
    kept: list[zipfile.ZipInfo] = []
    skipped: list[str] = []
    problems: list[InputError] = []
    # Files by their name as the file system will see it ('ann//x.yaml' is 'ann/x.yaml'; case and Unicode
    # forms folded), and the folders they need: two entries that would land on one path refuse the zip.
    files: dict[str, str] = {}
    folders: dict[str, str] = {}
    total = 0
    for entry in entries:
        problem = _entry_problem(entry, limits)
        if problem:
            problems.append(
                InputError(f"entry {entry.filename!r} {problem}", fix="zip the bank folder itself: plain files, relative paths")
            )
            continue
        if entry.is_dir():
            continue  # folders are made for the files inside them
        path = PurePosixPath(entry.filename)
        hidden = any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
        if hidden or path.suffix.lower() not in KEPT_SUFFIXES:
            skipped.append(entry.filename)
            continue
        key = unicodedata.normalize("NFC", "/".join(path.parts)).casefold()
        clash = files.get(key) or folders.get(key) or next((files[parent] for parent in _parents(key) if parent in files), None)
        if clash is not None:
            what = "name the same file" if key in files else "make one name both a file and a folder"
            problems.append(InputError(f"entries {clash!r} and {entry.filename!r} {what}", fix="zip the bank folder again"))
            continue
        files[key] = entry.filename
        folders.update({parent: entry.filename for parent in _parents(key)})
        total += entry.file_size
        kept.append(entry)
    if total > limits.total_bytes:
        problems.append(
            InputError(
                f"the zip holds {total} bytes uncompressed, over the limit of {limits.total_bytes}", fix="upload a smaller bank"
            )
        )
    return kept, skipped, problems


def _entry_problem(entry: zipfile.ZipInfo, limits: UploadLimits) -> str | None:
    """Why an entry refuses the zip, or None."""
    name = entry.filename
    path = PurePosixPath(name)
    if "\\" in name or (len(name) > 1 and name[1] == ":"):
        return "has a backslash or a drive letter in its name"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "has a control character (a newline, a tab, a NUL) in its name"
    if len(name) > MAX_PATH_CHARACTERS or any(len(part.encode()) > MAX_NAME_BYTES for part in path.parts):
        return f"has a name too long: at most {MAX_NAME_BYTES} bytes a folder or file, {MAX_PATH_CHARACTERS} characters in all"
    if path.is_absolute():
        return "has an absolute path: it would be written outside the bank folder"
    if ".." in path.parts:
        return "climbs out with '..': it would be written outside the bank folder"
    # Zips made on Unix keep the file's mode in the high bits; its type bits say what the entry really is.
    kind = stat.S_IFMT(entry.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "is a symbolic link: links are refused"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is a device, pipe or socket: only plain files are accepted"
    if entry.flag_bits & 0x1:
        return "is encrypted"
    if entry.file_size > limits.entry_bytes:
        return f"is {entry.file_size} bytes uncompressed, over the limit of {limits.entry_bytes}"
    if entry.file_size >= RATIO_CHECKED_FROM_BYTES and entry.file_size > limits.ratio * max(entry.compress_size, 1):
        return f"expands {entry.file_size / max(entry.compress_size, 1):.0f} times: refused as a zip bomb"
    return None


def _parents(key: str) -> list[str]:
    """The folders a file's normalised name lies in: 'a/b/c.yaml' -> ['a', 'a/b']."""
    parts = key.split("/")
    return ["/".join(parts[:length]) for length in range(1, len(parts))]


def _common_top_folder(entries: list[zipfile.ZipInfo]) -> str | None:
    """The one folder every entry sits in, when the zip holds the bank folder rather than its contents."""
    tops = {PurePosixPath(entry.filename).parts[0] for entry in entries}
    if len(tops) != 1 or any(len(PurePosixPath(entry.filename).parts) < 2 for entry in entries):
        return None
    top = tops.pop()
    # A zip of a single character's folder keeps that folder: it is the character.
    return None if any(entry.filename == f"{top}/{CHARACTER_FILE}" for entry in entries) else top


def _extract(
    bundle: zipfile.ZipFile, entries: list[zipfile.ZipInfo], top: str | None, folder: Path, limits: UploadLimits
) -> None:
    root = folder.resolve()
    total = 0
    problems: list[InputError] = []
    for entry in entries:
        parts = PurePosixPath(entry.filename).parts[1 if top else 0 :]
        target = root.joinpath(*parts)
        if not target.resolve().is_relative_to(root):  # the checks above make this impossible; kept as a last guard
            raise _refusal(f"entry {entry.filename!r} would be written outside the bank folder", fix="zip the bank again")
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with bundle.open(entry) as source, open(target, "xb") as output:
            while chunk := source.read(_COPY_CHUNK):
                written += len(chunk)
                total += len(chunk)
                if written > min(entry.file_size, limits.entry_bytes) or total > limits.total_bytes:
                    raise _refusal(f"entry {entry.filename!r} is larger than its header says", fix="zip the bank again")
                output.write(chunk)
        if target.suffix.lower() in IMAGE_FORMATS and (problem := _image_problem(target, limits)):
            problems.append(InputError(f"entry {entry.filename!r} {problem}", fix="re-export it as PNG or JPEG"))
    if problems:
        raise InputErrors(problems)


def _image_problem(path: Path, limits: UploadLimits) -> str | None:
    """Header checks only (type and size), so a decompression bomb is refused before anything decodes it."""
    try:
        with Image.open(path, formats=[IMAGE_FORMATS[path.suffix.lower()]]) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return f"is not a {IMAGE_FORMATS[path.suffix.lower()]} image"
    if width * height > limits.image_pixels:
        return f"is {width}x{height} pixels, over the limit of {limits.image_pixels}"
    return None


def _refusal(message: str, fix: str = "upload a smaller bank") -> InputErrors:
    return InputErrors([InputError(message, fix=fix)])
