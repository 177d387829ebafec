"""The published JSON Schema of lesson files, and schema errors turned into plain messages.

``lesson.v1.json`` is the contract for editors and other tools; the loader validates every
file against it before anything else, so the schema and the loader cannot disagree.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from ..suggest import key_hint, synonyms_of

__all__ = [
    "SCHEMA_URL",
    "SCHEMA_VERSION",
    "explain",
    "is_schema_valid",
    "lesson_schema",
    "schema_path",
    "schema_problems",
]

SCHEMA_VERSION = 1
"""Version of the lesson file format described by the bundled schema."""

REPOSITORY_FILES = "https://raw.githubusercontent.com/lessonkit/lessonkit/main/"
"""Where the repository's files are published (the schemas under their package paths)."""

SCHEMA_URL = f"{REPOSITORY_FILES}lessonkit/lesson/schema/lesson.v{SCHEMA_VERSION}.json"
"""The published lesson schema: what ``lessonkit new`` puts in a lesson's ``$schema`` line
(an editor with the YAML language server validates as you type). The file name carries the
format version, so the address stays valid for every lessonkit that reads version 1."""

Path = tuple[str | int, ...]
SchemaProblem = tuple[Path, str, bool]
"""(path, message, at_key): ``at_key`` points the position at the mapping key, not its value."""


@cache
def lesson_schema() -> dict[str, Any]:
    """The lesson JSON Schema (draft 2020-12) as a dict."""
    text = resources.files(__package__).joinpath(f"lesson.v{SCHEMA_VERSION}.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_path() -> str:
    """The lesson schema file installed with lessonkit (for editors working offline)."""
    return str(resources.files(__package__).joinpath(f"lesson.v{SCHEMA_VERSION}.json"))


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(lesson_schema())


@cache
def _fast_check() -> Any:
    """A compiled validator (fastjsonschema) that only answers "valid or not", ~20x faster.

    Most files are valid, so the slower, fully-explaining jsonschema pass runs only when this
    one rejects. The schema uses nothing beyond draft 7 semantics, which fastjsonschema covers.
    Compiled without detailed exceptions (this pass never shows its messages): the generated
    code is a third of the size and compiles in about 0.1 s instead of nearly 1 s; kept as a
    module in the user's cache folder (see :mod:`.compiled`), later processes import it in a
    few milliseconds.
    """
    from .compiled import compiled_check

    schema = _consts_as_enums(dict(lesson_schema()))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return compiled_check(schema)  # from the user's cache folder after the first process


_NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions"})


def _consts_as_enums(node: Any, parent: str = "") -> Any:
    """The schema with each ``{"const": x}`` as the equivalent ``{"enum": [x]}``.

    fastjsonschema 2.22 fails to generate ``const`` checks without detailed exceptions; JSON
    Schema defines the two forms to accept exactly the same values.
    """
    if isinstance(node, dict):
        named = parent in _NAMED  # keys here are names, not keywords
        return {
            ("enum" if key == "const" and not named else key): (
                [value] if key == "const" and not named else _consts_as_enums(value, key)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_consts_as_enums(value) for value in node]
    return node


def is_schema_valid(data: Any) -> bool:
    """True when ``data`` satisfies the lesson schema (fast path)."""
    import fastjsonschema

    try:
        _fast_check()(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_problems(data: Any) -> list[SchemaProblem]:
    """Every schema violation in ``data`` as (path, message, at_key), most specific first."""
    if is_schema_valid(data):
        return []
    found: list[SchemaProblem] = []
    for error in _validator().iter_errors(data):
        found.extend(_explain(error))
    return found


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _did_you_mean(word: Any, candidates: Any) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def explain(error: Any) -> Iterator[SchemaProblem]:
    """Plain messages for one ``jsonschema`` error of any lessonkit schema (courses use it)."""
    return _explain(error)


def _explain(error: Any) -> Iterator[SchemaProblem]:
    path: Path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                meant = key_hint(key, allowed) if isinstance(key, str) else None
                hint = f" (did you mean {meant!r}?)" if meant else ""
                yield (*path, key), f"unknown key {key!r}{hint}", True
        return
    if keyword == "required":
        for key in value:
            if isinstance(instance, dict) and key not in instance:
                if _misspelt(key, instance, schema):
                    continue  # "unknown key 'path' (did you mean 'file'?)" says it all
                written = next((k for k in instance if key in synonyms_of(k)), None)
                hint = f" ({written!r} is written; did you mean {key!r}?)" if written else ""
                yield path, f"missing required key {key!r}{hint}", False
        return
    if keyword in ("anyOf", "oneOf"):
        yield from _explain_union(error, path)
        return
    message = _simple_message(keyword, value, instance, schema, path)
    yield path, message, False


def _misspelt(key: str, instance: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a required ``key`` is missing only because an unknown key stands for it."""
    if schema.get("additionalProperties") is not False:
        return False
    allowed = schema.get("properties", {})
    return any(
        isinstance(k, str) and k not in allowed and key_hint(k, allowed) == key for k in instance
    )


def _explain_union(error: Any, path: Path) -> Iterator[SchemaProblem]:
    """Report the errors of the arm whose type fits, else what was expected."""
    instance = error.instance
    by_arm: dict[int, list[Any]] = {}
    for sub in error.context or ():
        by_arm.setdefault(sub.schema_path[0], []).append(sub)
    for subs in by_arm.values():
        if all(s.validator != "type" or tuple(s.absolute_path) != path for s in subs) and (
            isinstance(instance, (dict, list))
        ):
            for sub in subs:
                yield from _explain(sub)
            return
    expected = error.schema.get("x-expected", "a different kind of value")
    yield path, f"expected {expected}, got {_describe(instance)}", False


def _simple_message(
    keyword: str, value: Any, instance: Any, schema: dict[str, Any], path: Path
) -> str:
    if keyword == "type":
        types = [value] if isinstance(value, str) else list(value)
        names = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        return f"expected {names}, got {_describe(instance)}"
    if keyword == "enum":
        options = ", ".join(repr(v) for v in value)
        return f"{instance!r} is not one of {options}{_did_you_mean(instance, value)}"
    if keyword == "const":
        if path == ("lessonkit",):
            return (
                f"unsupported lesson format version {instance!r}; this lessonkit reads "
                f"version {value} (write 'lessonkit: {value}')"
            )
        if path[-2:] == ("check", "type") and value == "code":
            return f"an exercise needs a code check (type: code), got {instance!r}"
        return f"must be {value!r}, got {_describe(instance)}"
    if keyword == "pattern":
        expected = schema.get("x-expected", f"text matching {value}")
        return f"{instance!r} is not valid: expected {expected}"
    if keyword == "minimum":
        return f"must be at least {value}, got {instance!r}"
    if keyword == "exclusiveMinimum":
        return f"must be greater than {value}, got {instance!r}"
    if keyword == "maximum":
        return f"must be at most {value}, got {instance!r}"
    if keyword == "minItems":
        if path == ("steps",):
            return "the lesson has no steps; add at least one (and an end step)"
        return f"needs at least {value} item{'s' if value != 1 else ''}"
    if keyword == "maxItems":
        return f"takes at most {value} items, got {len(instance)}"
    if keyword == "minLength":
        return "must not be empty"
    if keyword == "minProperties":
        keys = ", ".join(sorted(schema.get("properties", {})))
        return f"needs one of: {keys}"
    if keyword == "propertyNames":
        return f"{instance!r} is not a valid name (use letters, digits and '_')"
    return f"{_describe(instance)} is not allowed here ({keyword})"
