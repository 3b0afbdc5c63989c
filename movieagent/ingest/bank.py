"""The character bank: who may appear in a script, what they look and sound like, and (optionally) places.

Layout of a bank folder:

    <root>/<folder>/character.yaml       one character:
        name: Brick Braddock              required
        aliases: [BRICK]                  other names script cues may use
        description: retired detective, grey stubble, Hawaiian shirt
        color: "#c0392b"                  accent for cards and subtitles; default derived from the name
        voice: {gender: male, age: 60, pitch: low, speed: slow, accent: british, sample: brick.wav}
                                          words any speech backend casts a voice from (schema.Voice); unset
                                          ones come from the description; sample: a clip in this folder
        images: [front.png, side.jpg]     optional; default: every image in the folder
        height: 0.72                      standing height relative to an adult (1.0, the default), 0.3 to 1.5:
                                          a child stands shorter beside the others in a shot
    <root>/<folder>/*.png|jpg|jpeg|webp   reference images; by default best.* first, then by file name.
                                          A character without images is drawn as a placeholder figure.

    MovieAgent's layout, a folder without character.yaml:
    <root>/<Name>/best.png + best.txt, <shot>.jpg + <shot>.txt, ...
        name = the folder name, description = best.txt (else the first image's caption),
        voice words from that caption, colour derived from the name (the same on every run and machine).

    <root>/locations/<folder>/location.yaml   name (required), aliases, description, time_of_day (what the pictures show: other times are graded from it), images; plus images
    <root>/locations/<folder>/*.png|jpg...    without location.yaml: a location named after the folder
    <root>/locations/<stem>.png|jpg|...       a location named after the file

A character's id is slugify(name). Hidden entries (starting with '.') are skipped. Every problem found
is collected and raised together as one InputErrors.
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from PIL import Image
from pydantic import Field

from movieagent.errors import InputError, InputErrors
from movieagent.files import MAX_YAML_BYTES, load_model, not_a_regular_file, read_text
from movieagent.ingest.voice_words import voice_words
from movieagent.schema import Character, CharacterBank, Location, Model, Voice, slugify

CHARACTER_FILE = "character.yaml"
LOCATION_FILE = "location.yaml"
LOCATIONS_FOLDER = "locations"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# A reference image is only ever shown small. Larger than a 30-megapixel photo is a mistake or a decompression bomb.
MAX_IMAGE_PIXELS = 30_000_000
# Decoding at this size (a JPEG draft) is enough to catch truncated or corrupt files cheaply.
CHECK_SIZE = (256, 256)
SAMPLE_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a")
_UNSAFE_IN_NAMES = ("..", "/", "\\")
M = TypeVar("M", bound=Model)


class CharacterFile(Model):
    """The keys character.yaml may have."""

    name: str = Field(pattern=r"\S")
    aliases: list[str] = []
    description: str = ""
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    voice: Voice | None = None
    images: list[str] | None = None
    height: float = Field(default=1.0, ge=0.3, le=1.5)


class LocationFile(Model):
    """The keys location.yaml may have."""

    name: str = Field(pattern=r"\S")
    aliases: list[str] = []
    description: str = ""
    time_of_day: str = ""
    images: list[str] | None = None


def load_bank(root: Path) -> CharacterBank:
    """Load and check a bank folder; raises InputErrors listing every problem in it."""
    bank, problems = scan_bank(root)
    if problems:
        raise InputErrors(problems)
    return bank


def scan_bank(root: Path) -> tuple[CharacterBank, list[InputError]]:
    """The bank as far as it loads, and every problem found in it.

    A character whose images are broken still counts, so a script can be checked against the bank in the same pass.
    Raises InputErrors only when there is no bank folder at all.
    """
    # 1. Check inputs: the root exists and is a folder.
    root = Path(root)
    if not root.is_dir():
        kind = not_a_regular_file(root) or "a file"
        problem = "character bank folder not found" if kind == "missing" else f"the character bank is {kind}, not a folder"
        fix = "pass the folder that holds one sub-folder per character, or draft one: movieagent bank init SCRIPT " + str(root)
        raise InputErrors([InputError(problem, path=root, fix=fix)])
    root = root.resolve()

    # 2. Run: one character per folder, locations from locations/.
    problems: list[InputError] = []
    characters: list[Character] = []
    locations: list[Location] = []
    for entry in _entries(root):
        if not _inside(entry, root, problems) or not entry.is_dir():
            continue  # files beside the characters (READMEs, notes) are not characters
        if entry.name == LOCATIONS_FOLDER:
            locations = _load_locations(entry, root, problems)
        elif character := _load_character(entry, root, problems):
            characters.append(character)

    # 3. Post-process: the bank as a whole.
    if not characters and not locations and not problems:
        problems.append(
            InputError(
                "the character bank is empty",
                path=root,
                fix=f"add a folder per character, e.g. {root}/ada/character.yaml with 'name: Ada' and a picture",
            )
        )
    problems += _duplicate_ids(characters, "character") + _duplicate_ids(locations, "location")
    return CharacterBank(root=root, characters=characters, locations=locations), problems


# --------------------------------------------------------------------------- characters


def _load_character(folder: Path, root: Path, problems: list[InputError]) -> Character | None:
    found: list[InputError] = []
    _check_name(folder.name, folder, None, found)
    images = _images_in(folder, root, found)
    config_path = folder / CHARACTER_FILE
    if config_path.exists() or config_path.is_symlink():  # a link that leads nowhere is reported, not skipped
        character = _configured_character(config_path, folder, root, images, found)
    elif images:
        character = _movieagent_character(folder, images, found)
    else:
        character = None
        found.append(
            InputError(
                f"folder has neither {CHARACTER_FILE} nor reference images",
                path=folder,
                fix=f"add {folder / CHARACTER_FILE} with at least 'name: ...', or images ({', '.join(IMAGE_SUFFIXES)})",
            )
        )
    problems += found
    for image in character.images if character else images:
        _check_image(image, problems)
    # Broken images are reported above; the character itself is known, so its cues still match.
    return None if found else character


def _configured_character(
    config_path: Path, folder: Path, root: Path, images: list[Path], problems: list[InputError]
) -> Character | None:
    config = _read_config(config_path, CharacterFile, root, problems)
    if config is None:
        return None
    name = config.name.strip()
    for text in [name, *config.aliases]:
        _check_name(text, config_path, "name", problems)
    if config.images is not None:
        images = _listed_images(config.images, folder, root, config_path, problems)
    voice = config.voice or Voice()
    if voice.sample is not None:
        voice = voice.model_copy(update={"sample": _voice_sample(voice.sample, folder, root, config_path, problems)})
    return Character(
        id=_id(name, folder),
        name=name,
        aliases=[alias.strip() for alias in config.aliases],
        description=config.description.strip(),
        voice=voice,
        images=images,
        color=config.color or _derived_color(name),
        height=config.height,
        folder=folder,
    )


def _movieagent_character(folder: Path, images: list[Path], problems: list[InputError]) -> Character:
    """MovieAgent's layout: the folder is the name, captions describe the pictures."""
    name = folder.name
    description = _caption(folder, images, problems).strip()
    return Character(
        id=_id(name, folder),
        name=name,
        aliases=[name.replace("_", " ")] if "_" in name else [],
        description=description,
        voice=voice_words(description),
        images=images,
        color=_derived_color(name),
        folder=folder,
    )


def _caption(folder: Path, images: Sequence[Path], problems: list[InputError]) -> str:
    """best.txt, else the caption beside the first image that has one."""
    for caption in [folder / "best.txt", *(image.with_suffix(".txt") for image in images)]:
        if caption.is_file():
            return _read_text(caption, problems) or ""
    return ""


def _derived_color(name: str) -> str:
    """A colour from the name alone: stable across runs, distinct between most names."""
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8")).digest()
    red, green, blue = colorsys.hsv_to_rgb(digest[0] / 256, 0.55, 0.85)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _voice_sample(sample: Path, folder: Path, root: Path, config_path: Path, problems: list[InputError]) -> Path | None:
    """The voice sample named in character.yaml, as a path in the character's folder; None (and a problem) if unusable."""
    name = str(sample)
    path = folder / name
    if any(part in name for part in _UNSAFE_IN_NAMES):
        problems.append(
            InputError(f"voice sample {name!r} is not a plain file name", path=config_path, fix=f"put the clip in {folder} and give its file name")
        )
    elif path.suffix.lower() not in SAMPLE_SUFFIXES:
        problems.append(InputError(f"voice sample {name!r} is not a sound file", path=config_path, fix=f"use {', '.join(SAMPLE_SUFFIXES)}"))
    elif not path.is_file():
        problems.append(
            InputError(f"voice sample {name!r} not found", path=config_path, fix=f"add {path} (5-20 s of the character speaking) or remove 'sample'")
        )
    elif _inside(path, root, problems):
        return path
    return None


# --------------------------------------------------------------------------- locations


def _load_locations(folder: Path, root: Path, problems: list[InputError]) -> list[Location]:
    locations = []
    for entry in _entries(folder):
        found: list[InputError] = []
        if not _inside(entry, root, found):
            problems += found
            continue
        if entry.is_dir():
            location = _location_folder(entry, root, found)
        elif entry.suffix.lower() in IMAGE_SUFFIXES:
            name = entry.stem.replace("_", " ")
            _check_image(entry, found)
            location = Location(id=_id(name, entry), name=name, images=[entry])
        else:
            continue  # notes, READMEs
        problems += found
        if location is not None and not found:
            locations.append(location)
    return locations


def _location_folder(folder: Path, root: Path, problems: list[InputError]) -> Location | None:
    _check_name(folder.name, folder, None, problems)
    images = _images_in(folder, root, problems)
    config_path = folder / LOCATION_FILE
    name, aliases, description, time_of_day = folder.name.replace("_", " "), [], "", ""
    if config_path.exists() or config_path.is_symlink():  # a link that leads nowhere is reported, not skipped
        config = _read_config(config_path, LocationFile, root, problems)
        if config is None:
            return None
        name, aliases, description = config.name.strip(), config.aliases, config.description.strip()
        time_of_day = config.time_of_day.strip()
        for text in [name, *aliases]:
            _check_name(text, config_path, "name", problems)
        if config.images is not None:
            images = _listed_images(config.images, folder, root, config_path, problems)
    elif not images:
        problems.append(
            InputError(
                f"location folder has neither {LOCATION_FILE} nor images",
                path=folder,
                fix=f"add {folder / LOCATION_FILE} with 'name: ...', or an image of the place",
            )
        )
        return None
    for image in images:
        _check_image(image, problems)
    return Location(
        id=_id(name, folder), name=name, aliases=aliases, description=description, time_of_day=time_of_day, images=images, folder=folder
    )


# --------------------------------------------------------------------------- shared checks


def _entries(folder: Path) -> list[Path]:
    return sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))


def _inside(path: Path, root: Path, problems: list[InputError]) -> bool:
    """False (and a problem) if `path` is a link that leads out of the bank, or round in a loop."""
    try:
        if path.resolve().is_relative_to(root):
            return True
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError for a loop, 3.13 OSError
        fix = "point the link at a real file or folder, or remove it"
        problems.append(InputError(f"this is {not_a_regular_file(path)}", path=path, fix=fix))
        return False
    problems.append(
        InputError(
            f"link points outside the character bank (to {path.resolve()})",
            path=path,
            fix="copy the file or folder into the bank instead of linking to it",
        )
    )
    return False


def _check_name(text: str, path: Path, key: str | None, problems: list[InputError]) -> None:
    if any(part in text for part in _UNSAFE_IN_NAMES):
        what = f"'{key}' value" if key else "folder name"
        problems.append(
            InputError(
                f"{what} {text!r} contains '..', '/' or '\\'",
                path=path,
                fix="use plain names; they become file and folder names",
            )
        )


def _images_in(folder: Path, root: Path, problems: list[InputError]) -> list[Path]:
    """The folder's images, best.* first, then by name; links out of the bank are refused."""
    images = [entry for entry in _entries(folder) if entry.suffix.lower() in IMAGE_SUFFIXES and entry.is_file()]
    images.sort(key=lambda image: (image.stem.lower() != "best", image.name))
    return [image for image in images if _inside(image, root, problems)]


def _listed_images(names: list[str], folder: Path, root: Path, config_path: Path, problems: list[InputError]) -> list[Path]:
    images = []
    for name in names:
        image = folder / name
        if any(part in name for part in _UNSAFE_IN_NAMES):
            problems.append(
                InputError(
                    f"image {name!r} is not a plain file name",
                    path=config_path,
                    fix=f"put the image in {folder} and list its file name",
                )
            )
        elif image.suffix.lower() not in IMAGE_SUFFIXES:
            problems.append(
                InputError(f"image {name!r} is not a supported type", path=config_path, fix=f"use {', '.join(IMAGE_SUFFIXES)}")
            )
        elif not image.is_file():
            problems.append(
                InputError(f"listed image {name!r} not found", path=config_path, fix=f"add {image} or remove it from 'images'")
            )
        elif _inside(image, root, problems):
            images.append(image)
    return images


def _check_image(path: Path, problems: list[InputError]) -> None:
    """Open, verify and decode a small draft, so broken or truncated files are caught before rendering."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                problems.append(
                    InputError(
                        f"image is {width}x{height}, over the limit of {MAX_IMAGE_PIXELS} pixels",
                        path=path,
                        fix="scale it down; about 1024 pixels on the long side is plenty",
                    )
                )
                return
            image.verify()
        with Image.open(path) as image:
            image.draft("RGB", CHECK_SIZE)
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        problems.append(InputError(f"image cannot be decoded: {error}", path=path, fix="re-export it as PNG or JPEG"))


def _read_config(path: Path, schema: type[M], root: Path, problems: list[InputError]) -> M | None:
    """A YAML file checked against `schema`; every problem is collected, each at its line."""
    if not _inside(path, root, problems):
        return None
    try:
        return load_model(path, schema, what=path.name, missing_fix=f"add {path.name} or remove the folder")
    except InputError as problem:
        problems.append(problem)
    except InputErrors as found:
        problems += found.problems
    return None


def _read_text(path: Path, problems: list[InputError]) -> str | None:
    try:
        return read_text(path, what="caption", max_bytes=MAX_YAML_BYTES, missing_fix="add the caption or remove the image")
    except InputError as problem:
        problems.append(problem)
    return None


def _id(name: str, path: Path) -> str:
    """slugify(name); names with no Latin letters (e.g. 'Жан') fall back to the folder, then to a hash."""
    for text in (name, path.stem):
        if (slug := slugify(text)) != "unnamed" or text.strip().lower() == "unnamed":
            return slug
    return "id-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def _duplicate_ids(items: Sequence[Character | Location], kind: str) -> list[InputError]:
    problems = []
    first_by_id: dict[str, Character | Location] = {}
    for item in items:
        if (first := first_by_id.setdefault(item.id, item)) is not item:
            problems.append(
                InputError(
                    f"two {kind}s have the id '{item.id}': '{first.name}' ({first.folder}) and '{item.name}'",
                    path=item.folder or (item.images[0] if item.images else None),
                    fix="give them different names; ids are made from names by keeping letters and digits",
                )
            )
    return problems
