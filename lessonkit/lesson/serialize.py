"""Model <-> plain data (dicts, lists, scalars), the shape of a lesson file.

``lesson_to_data`` and ``lesson_from_data`` are exact inverses for lessons built without
callables: saving a lesson and loading it back gives an equal lesson, and saving that again
gives the same bytes. Numbers keep the author's type: ``answer: 15`` stays the integer 15
(a whole number is not turned into ``15.0``), so a file written by lessonkit reads as written.
Conversion is driven by the dataclasses' type hints, so a new field needs no serializer code.

:func:`content_hash` hashes a canonical form instead, in which every number in a field that
takes floats is a float: equal lessons (``15`` and ``15.0`` are equal) hash the same however
their numbers were written.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ..errors import LessonDefinitionError
from .model import STEP_KINDS, Branch, ChoiceOption, Lesson, Step
from .specs import SPEC_TYPES, CheckSpec, Option

__all__ = ["FORMAT_VERSION", "content_hash", "lesson_from_data", "lesson_to_data"]

FORMAT_VERSION = 1
"""The ``lessonkit:`` key of a lesson file; bumped with the JSON Schema (lesson.v1.json)."""

Path = tuple[str | int, ...]


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = tuple(
            f
            for f in dataclasses.fields(cls)
            if f.init and not f.name.startswith("_") and f.metadata.get("in_file", True)
        )
        _FIELDS[cls] = found
    return found


# ---------------------------------------------------------------- data -> model


def lesson_from_data(data: Mapping[str, Any]) -> Lesson:
    """Build a :class:`Lesson` from schema-valid data (as loaded from a lesson file)."""
    body = {k: v for k, v in data.items() if k != "lessonkit"}
    return typing.cast(Lesson, _build(Lesson, body, ()))


def _build(cls: type, data: Any, path: Path) -> Any:
    if cls is Step:
        cls = STEP_KINDS[data["kind"]]
        data = {k: v for k, v in data.items() if k != "kind"}
    elif cls is CheckSpec:
        cls = SPEC_TYPES[data["type"]]
        data = {k: v for k, v in data.items() if k != "type"}
    kwargs = {
        name: _convert(hint, data[name], path) for name, hint in _field_hints(cls) if name in data
    }
    return cls(**kwargs)


@cache
def _field_hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = _hints(cls)
    return tuple((f.name, hints[f.name]) for f in _fields(cls))


# What _convert does with a value of a type hint, worked out once per hint: the typing
# introspection it needs costs more than the conversion itself on large lessons.
_ANY, _UNION, _TUPLE_OF, _TUPLE, _DICT, _BRANCH, _OPTION, _BUILD, _FLOAT = range(9)


@cache
def _shape(hint: Any) -> tuple[int, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return _ANY, None
    if origin in (typing.Union, types.UnionType):
        return _UNION, args
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _TUPLE_OF, args[0]
        return _TUPLE, args
    if origin in (Mapping, dict) or hint is dict:
        return _DICT, args[1] if args else Any
    if hint is Branch:
        return _BRANCH, None
    if hint in (Option, ChoiceOption):
        return _OPTION, hint
    if isinstance(hint, type) and (dataclasses.is_dataclass(hint) or hint in (Step, CheckSpec)):
        return _BUILD, hint
    if hint is float:
        return _FLOAT, None
    return _ANY, None


def _convert(hint: Any, value: Any, path: Path) -> Any:
    if value is None:
        return value
    kind, arg = _shape(hint)
    if kind == _ANY:
        return value
    if kind == _UNION:
        return _convert(_pick_union_arm(arg, type(value)), value, path)
    if kind == _TUPLE_OF:
        return tuple([_convert(arg, v, path) for v in value])
    if kind == _TUPLE:
        return tuple(_convert(a, v, path) for a, v in zip(arg, value, strict=False))
    if kind == _DICT:
        return {k: _convert(arg, v, path) for k, v in value.items()}
    if kind == _BRANCH and isinstance(value, str):
        return value
    if kind == _OPTION and isinstance(value, str):
        return value if arg is Option else ChoiceOption(value=value)
    if kind in (_BUILD, _BRANCH, _OPTION):
        return _build(hint, value, path)
    return value  # numbers as written: an int in a float field stays an int (``answer: 15``)


_ARMS: dict[tuple[tuple[Any, ...], type], Any] = {}


def _pick_union_arm(arms: tuple[Any, ...], kind: type) -> Any:
    """The arm of ``A | B | ...`` that fits values of type ``kind`` (data is schema-checked)."""
    found = _ARMS.get((arms, kind))
    if found is None:
        found = _ARMS[(arms, kind)] = _find_union_arm(arms, kind)
    return found


def _find_union_arm(arms: tuple[Any, ...], kind: type) -> Any:
    for arm in arms:
        origin = typing.get_origin(arm) or arm
        if issubclass(kind, list) and origin is tuple:
            return arm
        if issubclass(kind, dict) and (
            origin in (Mapping, dict) or dataclasses.is_dataclass(origin)
        ):
            return arm
        if issubclass(kind, str) and arm is str:
            return arm
        if issubclass(kind, (int, float)) and not issubclass(kind, bool) and arm is float:
            return arm
    return Any


# ---------------------------------------------------------------- model -> data


def lesson_to_data(lesson: Lesson) -> dict[str, Any]:
    """Plain data for ``lesson``, omitting defaults; raises if it holds a callable."""
    data = {"lessonkit": FORMAT_VERSION}
    data.update(_dump(lesson, ("lesson",), canonical=False))
    return data


def _dump(obj: Any, path: Path, *, canonical: bool = False) -> Any:
    if isinstance(obj, Branch) and not obj.rules:
        return obj.default
    if isinstance(obj, (Option, ChoiceOption)) and _only_value(obj):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        hints = _hints(type(obj))
        for f in _fields(type(obj)):
            value = getattr(obj, f.name)
            if _is_default(f, value):
                continue
            if canonical:
                value = _as_floats(hints[f.name], value)
            out[f.name] = _dump(value, (*path, f.name), canonical=canonical)
            if f.name == "id" and isinstance(obj, Step) and path[-2:-1] == ("steps",):
                out["kind"] = obj.kind
        if isinstance(obj, CheckSpec):
            out = {"type": obj.type, **out}
        return out
    if isinstance(obj, (tuple, list)):
        return [_dump(v, (*path, i), canonical=canonical) for i, v in enumerate(obj)]
    if isinstance(obj, Mapping):
        return {str(k): _dump(v, (*path, str(k)), canonical=canonical) for k, v in obj.items()}
    if isinstance(obj, Callable):  # type: ignore[arg-type]
        where = "/".join(str(p) for p in path)
        raise LessonDefinitionError(
            f"{where}: a Python callable cannot be saved to a lesson file; "
            "use the condition language or a registered checker name"
        )
    return obj


def _as_floats(hint: Any, value: Any) -> Any:
    """``value`` with whole numbers made floats wherever ``hint`` takes a float (the canonical
    form :func:`content_hash` reads; nested dataclasses are handled by their own fields)."""
    if value is None or isinstance(value, bool):
        return value
    kind, arg = _shape(hint)
    if kind == _FLOAT:
        return float(value) if isinstance(value, int) else value
    if kind == _UNION:  # the arm the loader picks for this value as read from a file
        read_as = list if isinstance(value, tuple) else dict if isinstance(value, Mapping) else None
        return _as_floats(_pick_union_arm(arg, read_as or type(value)), value)
    if kind == _TUPLE_OF and isinstance(value, (tuple, list)):
        return tuple(_as_floats(arg, v) for v in value)
    if kind == _TUPLE and isinstance(value, (tuple, list)):
        return tuple(_as_floats(a, v) for a, v in zip(arg, value, strict=False))
    if kind == _DICT and isinstance(value, Mapping):
        return {k: _as_floats(arg, v) for k, v in value.items()}
    return value


def _only_value(obj: Option | ChoiceOption) -> bool:
    return all(
        _is_default(f, getattr(obj, f.name)) for f in _fields(type(obj)) if f.name != "value"
    )


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        same_kind = type(value) is type(f.default) or (_is_number(value) and _is_number(f.default))
        return bool(same_kind and value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def content_hash(lesson: Lesson) -> str:
    """SHA-256 of the lesson's canonical serialization (changes when its content changes).

    Numbers in float fields are hashed as floats, so ``answer: 15`` and ``answer: 15.0`` (equal
    lessons) hash the same, as they did when lessons were loaded with floats there.
    """
    import hashlib
    import json

    data = {"lessonkit": FORMAT_VERSION}
    data.update(_dump(lesson, ("lesson",), canonical=True))
    canon = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()
