"""Semantic checks of a lesson beyond its schema: references, reachability, ways out.

The checks run on an *outline* (ids, references and exits, each with its document path), which
is extracted tolerantly from raw file data — so a file with schema errors still gets its
reference and graph problems reported in the same run — or from a Python-built :class:`Lesson`.

Reported: duplicate ids, unknown steps/competencies, an unknown start, unreachable steps, dead
ends, loops with no way out, malformed conditions, and each checker spec's own problems (a choice
answer missing from its options, an invalid regex, a negative tolerance...).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from ..errors import Problem
from .graph import strongly_connected
from .model import Lesson
from .outline import Outline, StepOutline, outline_from_data, outline_from_lesson
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
    consequence: bool = False
    """A problem that may follow from another one (an unreachable step, a dead end, a loop
    with no way out, a competency nothing develops): reported after the others, and left out
    where the file's form is broken in a way that explains it."""


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
                found.append(Finding(path, undeclared_competency(cid, comp_ids, suggest)))
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


def undeclared_competency(
    cid: str, declared: Collection[str], suggest: Callable[[str, Collection[str]], str | None]
) -> str:
    """The message for a competency the lesson does not declare: a likely typo, and where a
    new one is declared."""
    close = suggest(cid, declared)
    where = "the lesson's top-level 'competencies:' list"
    if close:
        return f"unknown competency {cid!r} (did you mean {close!r}?); a new one goes in {where}"
    return f"unknown competency {cid!r}: declare it in {where} (- id: {cid})"


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
                    consequence=True,
                )
            )
        if step.kind != "end" and not step.exits:
            found.append(
                Finding(
                    id_path,
                    f"step {step.id!r} is a dead end: give it a 'next' (or make it kind: end)",
                    consequence=True,
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
                consequence=True,
            )
        )
    return found


def lint(lesson: Lesson) -> list[Problem]:
    """Semantic problems of a Python-built lesson (located by path, not line)."""
    return [
        Problem(f.message, "<lesson>", 0, 0, f.path)
        for f in lint_outline(outline_from_lesson(lesson))
    ]
