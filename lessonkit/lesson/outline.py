"""The outline of a lesson: what validation needs to know (ids, references, exits, checks),
each with its document path.

It is extracted tolerantly from raw file data (:func:`outline_from_data`: anything malformed is
skipped, the schema reports it), so a file with schema errors still gets its reference and
graph problems reported in the same run, or from a Python-built :class:`Lesson`
(:func:`outline_from_lesson`). :mod:`lessonkit.lesson.validate` checks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import LessonDefinitionError
from .model import Choice, Lesson, Practice, Question

__all__ = ["Outline", "StepOutline", "outline_from_data", "outline_from_lesson"]

Path = tuple[str | int, ...]


@dataclass
class StepOutline:
    """What the linter needs to know about one step."""

    id: str
    kind: str
    path: Path
    exits: list[tuple[str, Path]] = field(default_factory=list)
    competencies: list[tuple[str, Path]] = field(default_factory=list)
    conditions: list[tuple[str, Path]] = field(default_factory=list)
    checks: list[tuple[Any, Path]] = field(default_factory=list)
    item_ids: list[tuple[str, Path]] = field(default_factory=list)
    profile_field: str = ""
    sets: list[str] = field(default_factory=list)
    placeholders: list[tuple[str, Path]] = field(default_factory=list)
    """``{{name}}`` uses that match no param or derived value of their question."""
    variants: list[tuple[Any, Path]] = field(default_factory=list)
    """Questions with params or derived values (raw data or built), for bounds and sampling."""


@dataclass
class Outline:
    """The skeleton of a lesson: steps, competencies and the start."""

    steps: list[StepOutline] = field(default_factory=list)
    competencies: list[tuple[str, Path]] = field(default_factory=list)
    start: tuple[str, Path] | None = None


# ------------------------------------------------------------------ outline builders

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _has_braces(value: Any) -> bool:
    """Whether any text inside ``value`` contains ``{{`` (cheap: no paths are built)."""
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, (dict, Mapping)):  # plain dicts first: the ABC check is slow
        return any(_has_braces(v) for v in value.values())
    return isinstance(value, (list, tuple)) and any(_has_braces(v) for v in value)


def _undefined_placeholders(question: Mapping[str, Any], path: Path) -> list[tuple[str, Path]]:
    """``{{name}}`` placeholders in a question's texts that name no param/derived value."""
    if not _has_braces(question):  # most questions: skip the walk that tracks paths
        return []
    known: set[str] = set()
    for key in ("params", "derived"):
        if isinstance(question.get(key), Mapping):
            known.update(str(k) for k in question[key])
    found: list[tuple[str, Path]] = []

    def walk(value: Any, where: Path) -> None:
        if isinstance(value, str):
            found.extend((m, where) for m in _PLACEHOLDER.findall(value) if m not in known)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k not in ("params", "derived", "id", "next"):
                    walk(v, (*where, k))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, (*where, i))

    walk(question, path)
    return found


def _next_exits(next_value: Any, path: Path, step: StepOutline) -> None:
    if isinstance(next_value, str):
        step.exits.append((next_value, path))
    elif isinstance(next_value, Mapping):
        for i, rule in enumerate(next_value.get("rules") or ()):
            if isinstance(rule, Mapping):
                if isinstance(rule.get("goto"), str):
                    step.exits.append((rule["goto"], (*path, "rules", i, "goto")))
                if isinstance(rule.get("when"), str):
                    step.conditions.append((rule["when"], (*path, "rules", i, "when")))
        if isinstance(next_value.get("default"), str):
            step.exits.append((next_value["default"], (*path, "default")))


def _str_list(value: Any, path: Path) -> list[tuple[str, Path]]:
    if not isinstance(value, list):
        return []
    return [(v, (*path, i)) for i, v in enumerate(value) if isinstance(v, str)]


def outline_from_data(data: Any) -> Outline:
    """Outline of raw lesson data; anything malformed is skipped (the schema reports it)."""
    outline = Outline()
    if not isinstance(data, Mapping):
        return outline
    outline.competencies = [
        (c["id"], ("competencies", i, "id"))
        for i, c in enumerate(data.get("competencies") or [])
        if isinstance(c, Mapping) and isinstance(c.get("id"), str)
    ]
    if isinstance(data.get("start"), str):
        outline.start = (data["start"], ("start",))
    steps = data.get("steps")
    for i, raw in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            continue
        path: Path = ("steps", i)
        step = StepOutline(id=raw["id"], kind=str(raw.get("kind", "")), path=path)
        _next_exits(raw.get("next"), (*path, "next"), step)
        step.competencies = _str_list(raw.get("competencies"), (*path, "competencies"))
        if isinstance(raw.get("check"), Mapping):
            step.checks.append((raw["check"], (*path, "check")))
            step.placeholders += _undefined_placeholders(raw, path)
            step.variants += [(raw, path)] if raw.get("params") or raw.get("derived") else []
        if step.kind == "choice":
            step.profile_field = str(raw.get("field") or "")
            for j, opt in enumerate(raw.get("options") or []):
                if isinstance(opt, Mapping):
                    if isinstance(opt.get("goto"), str):
                        step.exits.append((opt["goto"], (*path, "options", j, "goto")))
                    if isinstance(opt.get("sets"), Mapping):
                        step.sets.extend(str(k) for k in opt["sets"])
        for j, item in enumerate(raw.get("items") or [] if step.kind == "practice" else []):
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                continue
            ipath: Path = (*path, "items", j)
            step.item_ids.append((item["id"], (*ipath, "id")))
            step.competencies += _str_list(item.get("competencies"), (*ipath, "competencies"))
            if isinstance(item.get("check"), Mapping):
                step.checks.append((item["check"], (*ipath, "check")))
            step.placeholders += _undefined_placeholders(item, ipath)
            step.variants += [(item, ipath)] if item.get("params") or item.get("derived") else []
        outline.steps.append(step)
    return outline


def outline_from_lesson(lesson: Lesson) -> Outline:
    """Outline of a built lesson (paths are indices into its fields)."""
    outline = Outline(
        competencies=[(c.id, ("competencies", i, "id")) for i, c in enumerate(lesson.competencies)],
        start=(lesson.start, ("start",)) if lesson.start else None,
    )
    for i, s in enumerate(lesson.steps):
        path: Path = ("steps", i)
        step = StepOutline(id=s.id, kind=s.kind, path=path)
        if s.next is not None:
            for j, rule in enumerate(s.next.rules):
                step.exits.append((rule.goto, (*path, "next", "rules", j, "goto")))
                if isinstance(rule.when, str):
                    step.conditions.append((rule.when, (*path, "next", "rules", j, "when")))
            step.exits.append((s.next.default, (*path, "next", "default")))
        if isinstance(s, Question):
            step.competencies = [
                (c, (*path, "competencies", j)) for j, c in enumerate(s.competencies)
            ]
            step.checks.append((s.check, (*path, "check")))
            step.placeholders += _model_placeholders(s, path)
            step.variants += [(s, path)] if s.params or s.derived else []
        if isinstance(s, Choice):
            step.profile_field = s.field
            for j, opt in enumerate(s.options):
                if opt.goto:
                    step.exits.append((opt.goto, (*path, "options", j, "goto")))
                step.sets.extend(opt.sets)
        if isinstance(s, Practice):
            step.competencies = [
                (c, (*path, "competencies", j)) for j, c in enumerate(s.competencies)
            ]
            for j, item in enumerate(s.items):
                ipath: Path = (*path, "items", j)
                step.item_ids.append((item.id, (*ipath, "id")))
                step.competencies += [
                    (c, (*ipath, "competencies", k)) for k, c in enumerate(item.competencies)
                ]
                step.checks.append((item.check, (*ipath, "check")))
                step.placeholders += _model_placeholders(item, ipath)
                step.variants += [(item, ipath)] if item.params or item.derived else []
        outline.steps.append(step)
    return outline


def _model_placeholders(question: Question, path: Path) -> list[tuple[str, Path]]:
    from .serialize import _dump

    try:
        data = _dump(question, path)
    except LessonDefinitionError:  # callables cannot be inspected for placeholders
        return []
    return _undefined_placeholders(data, path)
