"""Semantic checks of a lesson beyond its schema: references, reachability, ways out.

The checks run on an *outline* (ids, references and exits, each with its document path), which
is extracted tolerantly from raw file data — so a file with schema errors still gets its
reference and graph problems reported in the same run — or from a Python-built :class:`Lesson`.

Reported: duplicate ids, unknown steps/competencies, an unknown start, unreachable steps, dead
ends, loops with no way out, malformed conditions, and each checker spec's own problems (a choice
answer missing from its options, an invalid regex, a negative tolerance...).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import LessonDefinitionError, Problem
from .graph import strongly_connected
from .model import Choice, Lesson, Practice, Question
from .suggest import Suggester

__all__ = ["Finding", "Outline", "lint", "lint_outline", "outline_from_data"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem located by document path (turned into file:line:col by the loader)."""

    path: Path
    message: str
    offset: int | None = None
    """Character offset inside a string value (conditions), when known."""


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


# ------------------------------------------------------------------ checks


def _hint(word: str, candidates: Collection[str], suggest: Suggester) -> str:
    close = suggest(word, candidates)
    return f" (did you mean {close!r}?)" if close else ""


def lint_outline(outline: Outline) -> list[Finding]:
    """Every semantic problem of the outlined lesson."""
    found: list[Finding] = []
    suggest = Suggester()
    step_ids: dict[str, StepOutline] = {}
    all_ids: dict[str, Path] = {}
    for step in outline.steps:
        for ident, path in [(step.id, (*step.path, "id")), *step.item_ids]:
            if ident in all_ids:
                found.append(Finding(path, f"duplicate step id {ident!r}"))
            else:
                all_ids[ident] = path
        step_ids.setdefault(step.id, step)
    comp_ids: set[str] = set()
    for cid, path in outline.competencies:
        if cid in comp_ids:
            found.append(Finding(path, f"duplicate competency id {cid!r}"))
        comp_ids.add(cid)
    if outline.start and outline.start[0] not in step_ids:
        name, path = outline.start
        found.append(Finding(path, f"unknown step {name!r}{_hint(name, step_ids, suggest)}"))
    for step in outline.steps:
        for target, path in step.exits:
            if target not in step_ids:
                hint = _hint(target, step_ids, suggest)
                found.append(Finding(path, f"unknown step {target!r}{hint}"))
        for cid, path in step.competencies:
            if cid not in comp_ids:
                hint = _hint(cid, comp_ids, suggest) or (
                    "" if comp_ids else " (declare it under 'competencies:')"
                )
                found.append(Finding(path, f"unknown competency {cid!r}{hint}"))
        found.extend(_check_problems(step))
        found.extend(_variant_problems(step))
        for name, path in step.placeholders:
            found.append(
                Finding(
                    path,
                    f"placeholder {{{{{name}}}}} is not a param or derived value of this question",
                )
            )
    found.extend(_condition_problems(outline, step_ids, comp_ids, suggest))
    found.extend(_graph_problems(outline, step_ids))
    return found


def _check_problems(step: StepOutline) -> list[Finding]:
    from .serialize import _build
    from .specs import CheckSpec

    found: list[Finding] = []
    for raw, path in step.checks:
        spec = raw
        if not isinstance(raw, CheckSpec):
            try:
                spec = _build(CheckSpec, raw, path)
            except Exception:  # malformed specs are reported by the schema in its words
                continue
        found.extend(Finding((*path, *sub), msg) for sub, msg in spec.problems())
    return found


def _variant_problems(step: StepOutline) -> list[Finding]:
    from .variant_lint import variant_problems

    return [
        Finding((*path, *sub), message, offset)
        for question, path in step.variants
        for sub, message, offset in variant_problems(question)
    ]


def _condition_problems(
    outline: Outline,
    step_ids: Mapping[str, StepOutline],
    comp_ids: set[str],
    suggest: Suggester,
) -> list[Finding]:
    from . import conditions

    profile = {s.profile_field for s in outline.steps if s.profile_field}
    profile.update(f for s in outline.steps for f in s.sets)
    found: list[Finding] = []
    known_steps = set(step_ids)  # once: rebuilding it per condition made validation quadratic
    for step in outline.steps:
        for text, path in step.conditions:
            try:
                parsed = conditions.parse(text)
            except conditions.ConditionSyntaxError as exc:
                found.append(Finding(path, f"condition: {exc.message}", exc.offset))
                continue
            for offset, msg in conditions.check_names(
                parsed,
                step_ids=known_steps,
                competency_ids=comp_ids,
                profile_fields=profile,
                suggest=suggest,
            ):
                found.append(Finding(path, f"condition: {msg}", offset))
    return found


def _graph_problems(outline: Outline, step_ids: Mapping[str, StepOutline]) -> list[Finding]:
    if not outline.steps:
        return []
    edges = {s.id: [t for t, _ in s.exits if t in step_ids] for s in step_ids.values()}
    start = (
        outline.start[0]
        if outline.start and outline.start[0] in step_ids
        else (outline.steps[0].id)
    )
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    found: list[Finding] = []
    for step in step_ids.values():
        id_path = (*step.path, "id")
        if step.id not in seen:
            found.append(
                Finding(
                    id_path,
                    f"step {step.id!r} is unreachable from the start "
                    f"step {start!r}: no step leads to it",
                )
            )
        if step.kind != "end" and not step.exits:
            found.append(
                Finding(
                    id_path,
                    f"step {step.id!r} is a dead end: give it a 'next' (or make it kind: end)",
                )
            )
    for component in strongly_connected(edges):
        members = set(component)
        looping = len(component) > 1 or component[0] in edges[component[0]]
        if not looping or any(step_ids[m].kind == "end" for m in component):
            continue
        if any(t not in members for m in component for t in edges[m]):
            continue
        order = [s.id for s in outline.steps if s.id in members]
        cycle = " -> ".join(repr(m) for m in [*order, order[0]])
        first = step_ids[order[0]]
        found.append(
            Finding(
                (*first.path, "id"),
                f"steps {cycle} form a loop with no way out: add a rule or default that leaves it",
            )
        )
    return found


def lint(lesson: Lesson) -> list[Problem]:
    """Semantic problems of a Python-built lesson (located by path, not line)."""
    return [
        Problem(f.message, "<lesson>", 0, 0, f.path)
        for f in lint_outline(outline_from_lesson(lesson))
    ]
