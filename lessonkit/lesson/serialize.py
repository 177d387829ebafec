"""Model <-> plain data (dicts, lists, scalars), the shape of a lesson file.

``lesson_to_data`` and ``lesson_from_data`` are exact inverses for lessons built without
callables: saving a lesson and loading it back gives an equal lesson. Conversion is driven by
the dataclasses' type hints, so a new field needs no serializer code.
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
        found = tuple(f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_"))
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
    if kind == _FLOAT and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


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
    data.update(_dump(lesson, ("lesson",)))
    return data


def _dump(obj: Any, path: Path) -> Any:
    if isinstance(obj, Branch) and not obj.rules:
        return obj.default
    if isinstance(obj, (Option, ChoiceOption)) and _only_value(obj):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        hints = _hints(type(obj))
        for f in _fields(type(obj)):
            value = _canonical(hints[f.name], getattr(obj, f.name))
            if _is_default(f, value):
                continue
            out[f.name] = _dump(value, (*path, f.name))
            if f.name == "id" and isinstance(obj, Step) and path[-2:-1] == ("steps",):
                out["kind"] = obj.kind
        if isinstance(obj, CheckSpec):
            out = {"type": obj.type, **out}
        return out
    if isinstance(obj, (tuple, list)):
        return [_dump(v, (*path, i)) for i, v in enumerate(obj)]
    if isinstance(obj, Mapping):
        return {str(k): _dump(v, (*path, str(k))) for k, v in obj.items()}
    if isinstance(obj, Callable):  # type: ignore[arg-type]
        where = "/".join(str(p) for p in path)
        raise LessonDefinitionError(
            f"{where}: a Python callable cannot be saved to a lesson file; "
            "use the condition language or a registered checker name"
        )
    return obj


def _canonical(hint: Any, value: Any) -> Any:
    """Whole numbers in float fields become floats, so equal lessons serialize identically."""
    arms = (
        typing.get_args(hint)
        if typing.get_origin(hint) in (typing.Union, types.UnionType)
        else (hint,)
    )
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and float in arms
        and int not in arms
        and str not in arms
    ):
        return float(value)
    if isinstance(value, tuple) and typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if args and args[0] is float:
            return tuple(
                float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value
            )
    return value


def _only_value(obj: Option | ChoiceOption) -> bool:
    return all(
        _is_default(f, getattr(obj, f.name)) for f in _fields(type(obj)) if f.name != "value"
    )


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default and type(value) is type(f.default))
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def content_hash(lesson: Lesson) -> str:
    """SHA-256 of the lesson's canonical serialization (changes when its content changes)."""
    import hashlib
    import json

    canon = json.dumps(lesson_to_data(lesson), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()
