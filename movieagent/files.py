"""The files a person gives movieagent, read safely: YAML or JSON -> a validated pydantic model, every problem at its line.

One reader for config profiles, role cards, character.yaml and location.yaml, jobs files, plan.json,
MovieAgent's script JSON and a movie folder's records. It asks what a path is before reading it (only a
regular file: a named pipe would block forever, a device never ends), reads at most `max_bytes` + 1 bytes,
and turns every failure into an InputError naming the file, the line and the fix: a missing file, a
folder, a symlink loop, bytes that are not UTF-8, a syntax error, nesting too deep to parse, and each
validation error of the model (all of them, each at the line of its value).
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from movieagent.errors import InputError, InputErrors

M = TypeVar("M", bound=BaseModel)
Location = tuple[str | int, ...]
Format = Literal["yaml", "json"]

# A profile, a role card, a character or a jobs file is a few kB; a megabyte is a mistake (and PyYAML parses
# about that much a second).
MAX_YAML_BYTES = 1_000_000
SYNTAX_FIXES = {
    "yaml": 'check the indentation and quoting at that line; a value starting with "#" needs quotes: color: "#c0392b"',
    "json": "fix the JSON syntax there: a missing or extra comma, quote or bracket is the usual cause",
}
TOO_DEEP = "values are nested too deeply to read"
TOO_DEEP_FIX = "a movieagent file nests a few levels deep at most: check that this is the file you meant"
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_LOOP = "a symbolic link loop (it leads back to itself)"
_SPACE = re.compile(r"\s*")


# --------------------------------------------------------------------------- reading


def read_bytes(path: Path, *, what: str, max_bytes: int, missing_fix: str, too_big_fix: str | None = None) -> bytes:
    """The bytes of a regular file, refused with an InputError if it is anything else or over `max_bytes`.

    `what` names the file in messages ("script file", "plan file").
    """
    # 1. Open without waiting: O_NONBLOCK keeps a named pipe from blocking until a writer comes.
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=path, fix=missing_fix) from None
    except OSError as error:
        raise _open_error(error, path, what) from None
    try:
        # 2. Only a regular file: asked of what was opened, so a swap after a check cannot slip past.
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            folder = kind == "a folder"
            raise InputError(
                f"this is {kind}, not a {what}" if kind.startswith("a ") else f"{what} is {kind}",
                path=path,
                fix=f"name the {what} in it"
                if folder
                else f"name a regular file: a {what} is read whole, never from a pipe or device",
            )
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        # 3. At most one byte past the limit: a file that grows (or lies about its size) is refused all the same.
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(
            f"{what} is over the limit of {max_bytes} bytes",
            path=path,
            fix=too_big_fix or f"a {what} is never this large; check that this is the file you meant",
        )
    return data


def read_text(path: Path, *, what: str, max_bytes: int, missing_fix: str, too_big_fix: str | None = None) -> str:
    """read_bytes() decoded as UTF-8 (a byte-order mark is dropped); a bad byte is reported at its line."""
    data = read_bytes(path, what=what, max_bytes=max_bytes, missing_fix=missing_fix, too_big_fix=too_big_fix)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be decoded",
            path=path,
            line=data.count(b"\n", 0, error.start) + 1,
            fix="save the file as UTF-8 (most editors offer this under 'Save with encoding')",
        ) from None


def not_a_regular_file(path: Path) -> str | None:
    """None for a regular file (links followed); otherwise what the path is instead, e.g. 'a folder', 'missing'."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return _LOOP if error.errno == errno.ELOOP else f"unreadable ({error.strerror})"
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _open_error(error: OSError, path: Path, what: str) -> InputError:
    if error.errno == errno.ELOOP:
        return InputError(f"{what} is {_LOOP}", path=path, fix="point the link at a real file")
    if isinstance(error, IsADirectoryError):
        return InputError(f"this is a folder, not a {what}", path=path, fix=f"name the {what} inside it")
    return InputError(f"{what} cannot be read: {error.strerror}", path=path, fix="check the path and the file's permissions")


# --------------------------------------------------------------------------- parsing


@dataclass
class Document:
    """A parsed file: its data, and where in its text each value starts."""

    path: Path
    format: Format
    text: str
    data: Any
    root: yaml.Node | None = None  # YAML's node tree; its marks give each value's line

    def line_of(self, location: Location) -> int | None:
        """The line of the value at `location` (keys and list positions), or of its nearest parent in the file."""
        if self.format == "yaml":
            return _yaml_line(self.root, location) if self.root is not None else None
        return _json_line(self.text, location)


def parse(text: str, path: Path, *, format: Format | None = None, hint: str = "") -> Document:
    """YAML or JSON (by `format`, else by the file's suffix); a syntax error or nesting too deep is an InputError
    at its line. `hint` ends the fix, e.g. what the file should hold."""
    format = format or ("json" if Path(path).suffix.lower() == ".json" else "yaml")
    if format == "json":
        return _parse_json(text, path, hint)
    return _parse_yaml(text, path, hint)


def _parse_json(text: str, path: Path, hint: str) -> Document:
    try:
        return Document(path=path, format="json", text=text, data=json.loads(text))
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} (column {error.colno})"
        raise InputError(message, path=path, line=error.lineno, fix=_joined(SYNTAX_FIXES["json"], hint)) from None
    except RecursionError:  # the json module keeps no position here
        raise InputError(TOO_DEEP, path=path, fix=_joined(TOO_DEEP_FIX, hint)) from None


def _parse_yaml(text: str, path: Path, hint: str) -> Document:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
        return Document(path=path, format="yaml", text=text, data=data, root=root)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or error
        line = mark.line + 1 if mark else None
        raise InputError(f"not valid YAML: {problem}", path=path, line=line, fix=_joined(SYNTAX_FIXES["yaml"], hint)) from None
    except RecursionError:  # the reader stopped where the nesting became too deep
        raise InputError(TOO_DEEP, path=path, line=loader.line + 1, fix=_joined(TOO_DEEP_FIX, hint)) from None
    finally:
        loader.dispose()


def _joined(*fixes: str) -> str:
    return "; ".join(fix for fix in fixes if fix)


# --------------------------------------------------------------------------- validating


def load_model(path: Path, model: type[M], *, what: str, missing_fix: str, hint: str = "", max_bytes: int = MAX_YAML_BYTES) -> M:
    """Read, parse and validate a file in one go; every problem is raised together (see validate)."""
    text = read_text(path, what=what, max_bytes=max_bytes, missing_fix=missing_fix)
    return validate(parse(text, path, hint=hint), model, hint=hint)


def validate(document: Document, model: type[M], *, hint: str = "") -> M:
    """The document as `model`, or an InputError (one problem) or InputErrors (several), each at its line.

    An empty YAML file is a mapping with no keys. `hint` ends every fix, e.g. where the format is described.
    """
    data = {} if document.data is None and document.format == "yaml" else document.data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise_all(problems(error, document, model, hint=hint))
    except RecursionError:
        raise InputError(TOO_DEEP, path=document.path, fix=_joined(TOO_DEEP_FIX, hint)) from None


def problems(error: ValidationError, document: Document | None, model: type[BaseModel], *, hint: str = "") -> list[InputError]:
    """One InputError per validation error: the key's name, what is wrong, at the line of its value when the
    document has it. Unknown and missing keys are fixed by the keys allowed there."""
    found = []
    for issue in error.errors():
        owner, location = _walk(model, tuple(issue["loc"]))
        where = field_name(location)
        allowed = _allowed_keys(owner) if owner and issue["type"] in ("extra_forbidden", "missing") else ""
        if issue["type"] == "extra_forbidden":
            message = f"unknown key '{where}'"
        elif issue["type"] == "missing":
            message = f"'{where}' is missing"
        elif not location and issue["type"] in ("model_type", "dict_type", "model_attributes_type"):
            kind = "a JSON object of keys" if document and document.format == "json" else "'key: value' lines"
            message, allowed = f"expected {kind}, found {_type_name(issue['input'])}", _allowed_keys(model)
        else:
            message = f"{where}: {issue['msg']}"
        fix = _joined(allowed or "correct the value", hint)
        line = document.line_of(location) if document else None
        found.append(InputError(message, path=document.path if document else None, line=line, fix=fix))
    return found


def raise_all(found: list[InputError]) -> typing.NoReturn:
    """Raises one problem as itself and several as InputErrors."""
    if len(found) == 1:
        raise found[0]
    raise InputErrors(found)


def field_name(location: Location) -> str:
    """('scenes', 0, 'shots', 2, 'duration_s') -> 'scenes[0].shots[2].duration_s'."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts) or "the file"


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key a file writes (its alias, where it has one)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _allowed_keys(model: type[BaseModel]) -> str:
    required = [key for key, field in _fields(model).items() if field.is_required()]
    allowed = f"allowed keys: {', '.join(_fields(model))}"
    return f"{allowed}; required: {', '.join(required)}" if required else allowed


def _walk(model: type[BaseModel], error_location: Location) -> tuple[type[BaseModel] | None, Location]:
    """Follows an error's location through the model's fields, lists, dicts and unions: the model that holds the
    last key (None if unsure), and the location as the file writes it, without the union members pydantic names."""
    current: Any = model
    holder: Any = None
    in_file: list[str | int] = []
    for part in error_location:
        current = _unwrapped(current)
        if _is_union(current) and (member := next((arg for arg in typing.get_args(current) if part in _tags(arg)), None)):
            current = member
            continue
        holder = current
        in_file.append(part)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = _fields(current).get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) in (list, tuple, set, frozenset) and isinstance(part, int):
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            current = None
    holder = _unwrapped(holder)
    return (holder if isinstance(holder, type) and issubclass(holder, BaseModel) else None), tuple(in_file)


def _unwrapped(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif _is_union(annotation) and len(members := [arg for arg in typing.get_args(annotation) if arg is not type(None)]) == 1:
            annotation = members[0]
        else:
            return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _tags(member: Any) -> set[str]:
    """The names pydantic may give a union member in an error's location: its `kind` value, its type's name."""
    names = {getattr(member, "__name__", ""), str(member)}
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return names
    kind = member.model_fields.get("kind")
    literal = typing.get_args(kind.annotation) if kind is not None and typing.get_origin(kind.annotation) is Literal else ()
    return {*names, *map(str, literal)}


def _type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number", bool: "true or false"}
    return "nothing" if value is None else names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- lines


def _yaml_line(node: yaml.Node, location: Location) -> int:
    """The line of the deepest node on `location` that the file has; a scalar's problem is reported on its key's line.
    Parts the file does not have (a union member's tag, a missing key) are passed over."""
    for part in location:
        if isinstance(node, yaml.MappingNode):
            found = [(key, value) for key, value in node.value if key.value == str(part)]
            if not found:
                continue
            key, node = found[0]
            if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
                node = key
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        elif isinstance(part, int):
            break
    return node.start_mark.line + 1


def _json_line(text: str, location: Location) -> int:
    """The line where the value at `location` starts, or its nearest parent where the value is missing.

    The json module keeps no positions, so the path is walked through the text (raw_decode skips each sibling).
    """
    decoder = json.JSONDecoder()
    position = _SPACE.match(text).end()
    for key in location:
        child = _child_start(text, position, key, decoder)
        if child is not None:
            position = child
        elif isinstance(key, int):
            break
    return text.count("\n", 0, position) + 1


def _child_start(text: str, start: int, key: str | int, decoder: json.JSONDecoder) -> int | None:
    """Where the member `key` (an object's key or an array's index) of the container at `start` begins."""
    opening = text[start : start + 1]
    if opening not in ("{", "["):
        return None
    position, index = _SPACE.match(text, start + 1).end(), 0
    while text[position : position + 1] not in ("}", "]", ""):
        if opening == "{":
            name, position = decoder.raw_decode(text, position)
            position = _SPACE.match(text, _SPACE.match(text, position).end() + 1).end()  # past the colon
            if name == key:
                return position
        elif index == key:
            return position
        _, position = decoder.raw_decode(text, position)
        position = _SPACE.match(text, position).end()
        if text[position : position + 1] == ",":
            position = _SPACE.match(text, position + 1).end()
        index += 1
    return None
