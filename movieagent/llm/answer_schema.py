"""The JSON schema an answer must follow, with a cap on every free-text field and every list.

A pydantic model's schema lets a string or a list grow without end; a model that rambles fills it until
the token limit, and a hostile server fills it with megabytes that would land in later prompts and in
plan.json. `capped_schema` adds `maxLength` to every string and `maxItems` to every list (and
`maxProperties` to every map) that has no bound of its own. The same schema goes to the server's
structured output, to the local constrained decoder, and to `schema_problems`, which checks an answer
against it (jsonschema), so an answer from a server that ignores schemas is held to the same caps.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator

# How many problems one repair prompt lists: enough to fix several at once, few enough to keep it short.
MAX_PROBLEMS = 8
# Tokens for a number, a boolean or null, and for a key with its quotes and punctuation.
_SCALAR_TOKENS, _KEY_TOKENS = 6, 4
# English text in a tokenizer made for it: about 4 characters a token; 3 leaves room for names and punctuation.
_CHARS_PER_TOKEN = 3


def capped_schema(schema: dict[str, Any], *, text_chars: int, list_items: int) -> dict[str, Any]:
    """A copy of `schema` where no string is longer than `text_chars` and no list or map has more than `list_items`.

    The tag of a discriminated union (a beat's 'kind') becomes required in each of its variants: pydantic needs it
    to tell them apart, and a schema where it may be left out lets a decoder following the schema leave it out.
    """
    capped = copy.deepcopy(schema)
    _cap(capped, text_chars, list_items)
    _require_tags(capped, capped.get("$defs", {}))
    return capped


def constrain(schema: dict[str, Any], path: str, **keywords: Any) -> None:
    """Adds JSON-schema keywords at `path`: 'Treatment.scenes' is the field `scenes` of the definition (or the
    top-level model) named Treatment, 'SceneBrief.scene_id' a field of a nested model; a trailing '[]' means
    the field's items (`DialogueBeat.character_ids[]`). For narrowing an answer to this question's ids."""
    name, field = path.split(".", 1)
    model = schema if schema.get("title") == name else schema["$defs"][name]
    node = model["properties"][field.removesuffix("[]")]
    if field.endswith("[]"):
        node = node["items"]
    node.update(keywords)


def answer_tokens(schema: dict[str, Any]) -> int:
    """About the most tokens an answer following a capped `schema` can take: every string at its maxLength,
    every list at its maxItems, every optional field given. The room a question asks for (and the estimate
    of how long planning takes) comes from it, so a role that answers little never waits for 4096 tokens."""
    return _tokens(schema, schema.get("$defs", {}), depth=0)


def schema_problems(data: Any, schema: dict[str, Any]) -> list[str]:
    """What in `data` breaks `schema`, one short line each (never repeating a long value), at most MAX_PROBLEMS."""
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda error: list(error.absolute_path))
    return [_describe(error) for error in errors[:MAX_PROBLEMS]]


def _cap(node: Any, text_chars: int, list_items: int) -> None:
    if isinstance(node, list):
        for item in node:
            _cap(item, text_chars, list_items)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    unbounded = "enum" not in node and "const" not in node
    if kind == "string" and unbounded:
        node.setdefault("maxLength", text_chars)
    elif kind == "array":
        node.setdefault("maxItems", list_items)
    elif kind == "object" and isinstance(node.get("additionalProperties"), dict):
        node.setdefault("maxProperties", list_items)
    for value in node.values():
        _cap(value, text_chars, list_items)


def _tokens(node: Any, definitions: dict[str, Any], depth: int) -> int:
    if not isinstance(node, dict) or depth > 32:
        return _SCALAR_TOKENS
    if "$ref" in node:
        return _tokens(definitions.get(node["$ref"].rsplit("/", 1)[-1]), definitions, depth + 1)
    choices = node.get("anyOf") or node.get("oneOf")
    if choices:
        return max(_tokens(choice, definitions, depth + 1) for choice in choices)
    if "enum" in node or "const" in node:
        options = node.get("enum", [node.get("const")])
        return max(len(str(option)) for option in options) // _CHARS_PER_TOKEN + 2
    kind = node.get("type")
    if kind == "string":
        return node.get("maxLength", 64) // _CHARS_PER_TOKEN + 2
    if kind == "array":
        return 2 + node.get("maxItems", 16) * (_tokens(node.get("items"), definitions, depth + 1) + 1)
    if kind == "object":
        fields = node.get("properties", {})
        extra = node.get("additionalProperties")
        keyed = node.get("maxProperties", 0) * (_tokens(extra, definitions, depth + 1) + _KEY_TOKENS) if isinstance(extra, dict) else 0
        return 2 + keyed + sum(_KEY_TOKENS + _tokens(field, definitions, depth + 1) for field in fields.values())
    return _SCALAR_TOKENS


def _require_tags(node: Any, definitions: dict[str, Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _require_tags(item, definitions)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("discriminator"), dict):
        tag = node["discriminator"]["propertyName"]
        for variant in node.get("oneOf", []) + node.get("anyOf", []):
            target = definitions.get(variant.get("$ref", "").rsplit("/", 1)[-1], variant)
            if tag in target.get("properties", {}) and tag not in target.setdefault("required", []):
                target["required"].append(tag)
    for value in node.values():
        _require_tags(value, definitions)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error.absolute_path) or "answer"
    value, limit = error.instance, error.validator_value
    if error.validator == "maxLength":
        return f"{where}: {len(value)} characters, more than the {limit} allowed"
    if error.validator in ("maxItems", "minItems"):
        bound = "at most" if error.validator == "maxItems" else "at least"
        return f"{where}: {len(value)} items, {bound} {limit} allowed"
    if error.validator == "maxProperties":
        return f"{where}: {len(value)} entries, at most {limit} allowed"
    if error.validator == "enum":
        shown = ", ".join(repr(option) for option in limit[:12]) + (", ..." if len(limit) > 12 else "")
        return f"{where}: {str(value)[:60]!r} is not allowed here; use one of: {shown}"
    return f"{where}: {error.message[:200]}"
