"""Bank items to lessons: ids, competencies, and the layout the author chose.

Layouts:

``steps``
    one lesson, every question a step in the bank's order, then an end step;
``practice``
    one lesson with a mastery-driven practice pool per category;
``per-category``
    one lesson per category, each laid out as ``steps``.

Categories and tags become competencies (a category's id is its Moodle idnumber when it has
one, else a slug of its path), so mastery, practice pools and reports work per category.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..lesson.competency import Competency
from ..lesson.model import Branch, Content, End, Lesson, Practice, Question, Step
from .bank import BankItem, Finding
from .mapping import map_item

__all__ = ["LAYOUTS", "Built", "build_lessons", "slug"]

LAYOUTS = ("steps", "practice", "per-category")
"""The layouts ``lessonkit import --layout`` offers."""


def slug(text: str, fallback: str = "q", limit: int = 48) -> str:
    """An id (``[A-Za-z0-9_-]+``) from any text."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    return out or fallback


class _Ids:
    """Unique ids within one lesson."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def __call__(self, base: str) -> str:
        stem = slug(base)
        found, n = stem, 1
        while found in self.taken:
            n += 1
            found = f"{stem}-{n}"
        self.taken.add(found)
        return found


@dataclass
class Built:
    """Lessons (by the name suffix of their file, ``""`` for the only one) and the report."""

    lessons: dict[str, Lesson] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Placed:
    item: BankItem
    steps: list[Step]
    category: str


def _category_competency(item: BankItem) -> Competency | None:
    if not item.category:
        return None
    ident = item.category_id if re.fullmatch(r"[A-Za-z0-9_-]+", item.category_id) else ""
    return Competency(
        id=ident or slug("-".join(item.category), "category"),
        title=" / ".join(item.category),
        description=item.category_info,
    )


def build_lessons(
    items: list[BankItem], *, lesson_id: str, title: str, layout: str = "steps"
) -> Built:
    """Map every item and lay the steps out; every item gets a finding."""
    built = Built()
    competencies: dict[str, Competency] = {}
    ids = _Ids({"done"})
    placed: list[_Placed] = []
    for item in items:
        comp_ids: list[str] = []
        category = _category_competency(item)
        if category is not None:
            competencies.setdefault(category.id, category)
            comp_ids.append(category.id)
        for tag in item.tags:
            tag_id = slug(tag, "tag")
            competencies.setdefault(tag_id, Competency(id=tag_id, title=tag))
            if tag_id not in comp_ids:
                comp_ids.append(tag_id)
        mapped = map_item(item, ids, tuple(comp_ids))
        what = item.source_type + (f" {item.name!r}" if item.name else "")
        if mapped.skipped:
            built.findings.append(Finding(item.where, "skipped", f"{what}: {mapped.skipped}"))
            continue
        step_ids = ", ".join(s.id for s in mapped.steps)
        if mapped.losses:
            message = f"{what} as {step_ids}: " + "; ".join(mapped.losses)
            built.findings.append(Finding(item.where, "approximated", message, step_ids))
        else:
            built.findings.append(
                Finding(item.where, "imported", f"{what} as {step_ids}", step_ids)
            )
        placed.append(_Placed(item, mapped.steps, category.id if category else ""))
    if not placed:
        return built
    if layout == "per-category":
        groups: dict[str, list[_Placed]] = {}
        for p in placed:
            groups.setdefault(p.category, []).append(p)
        for cat, group in groups.items():
            name = competencies[cat].title if cat else "uncategorised"
            suffix = "" if len(groups) == 1 else slug(cat or "uncategorised")
            lesson_title = f"{title}: {name}" if len(groups) > 1 else title
            built.lessons[suffix] = _sequence(
                group, competencies, f"{lesson_id}-{suffix}" if suffix else lesson_id, lesson_title
            )
    elif layout == "practice":
        built.lessons[""] = _practice(placed, competencies, lesson_id, title)
    else:
        built.lessons[""] = _sequence(placed, competencies, lesson_id, title)
    return built


def _used(steps: list[Step], competencies: dict[str, Competency]) -> tuple[Competency, ...]:
    used: list[str] = []
    for step in steps:
        found = step.items if isinstance(step, Practice) else (step,)
        for q in found:
            for cid in (*getattr(q, "competencies", ()), *getattr(step, "competencies", ())):
                if cid not in used:
                    used.append(cid)
    return tuple(competencies[c] for c in used if c in competencies)


def _chain(steps: list[Step]) -> list[Step]:
    """Each step leads to the next; the last to the end step."""
    out: list[Step] = []
    for i, step in enumerate(steps):
        following = steps[i + 1].id if i + 1 < len(steps) else "done"
        out.append(replace(step, next=Branch(default=following)))
    out.append(End(id="done"))
    return out


def _sequence(
    placed: list[_Placed], competencies: dict[str, Competency], lesson_id: str, title: str
) -> Lesson:
    steps = [s for p in placed for s in p.steps]
    return Lesson(
        id=slug(lesson_id, "bank"),
        title=title,
        competencies=_used(steps, competencies),
        steps=tuple(_chain(steps)),
    )


def _practice(
    placed: list[_Placed], competencies: dict[str, Competency], lesson_id: str, title: str
) -> Lesson:
    general = slug(lesson_id, "bank")
    groups: dict[str, list[Step]] = {}
    for p in placed:
        groups.setdefault(p.category, []).extend(p.steps)
    steps: list[Step] = []
    ids = _Ids(s.id for p in placed for s in p.steps)
    ids.taken.add("done")
    for cat, group in groups.items():
        cid = cat or general
        if cid not in competencies:
            competencies[cid] = Competency(id=cid, title=title)
        questions = [s for s in group if isinstance(s, Question)]
        steps.extend(s for s in group if isinstance(s, Content))
        if not questions:
            continue
        items = tuple(
            q if cid in q.competencies else replace(q, competencies=(cid, *q.competencies))
            for q in questions
        )
        name = competencies[cid].title
        steps.append(
            Practice(
                id=ids(f"practice {name}"),
                title=name,
                competencies=(cid,),
                items=items,
                max_items=len(items),
            )
        )
    return Lesson(
        id=general, title=title, competencies=_used(steps, competencies), steps=tuple(_chain(steps))
    )
