"""Rubrics: how a teacher grades a free-response or code question by hand.

A :class:`Rubric` is a list of :class:`Criterion` s; each criterion has :class:`Level` s, each
worth some points, and may name the competencies it gives evidence for. A grade picks one level
per criterion: its points are the sum of the levels picked, out of the rubric's maximum (the
sum of each criterion's highest level).

How a rubric and a question's ``points`` fit together (:func:`rubric_problems` checks it):

* on a free response (``check: {type: free}``) the rubric is the whole grade: ``points`` must
  equal the rubric's maximum;
* on a code question the tests and the rubric share the points: the rubric's maximum is the
  hand-graded part and the rest, ``points - maximum`` (never negative), is earned by the tests.

A grade is also evidence of mastery: each competency tied to a criterion gets one observation
whose credit is the share of points earned on the criteria tied to it
(:meth:`Rubric.credit`).

>>> r = Rubric(criteria=(
...     Criterion(id="idea", levels=(Level(label="Clear", points=2), Level(label="None", points=0)),
...               competencies=("loops",)),
... ))
>>> r.max_points, r.points({"idea": "Clear"}), r.credit({"idea": "None"})
(2.0, 2.0, {'loops': 0.0})
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import LessonDefinitionError
from .ids import check_id

__all__ = [
    "RUBRIC_CHECKS",
    "Criterion",
    "Level",
    "Rubric",
    "fit_rubric",
    "rubric_problems",
    "teacher_judges",
]

RUBRIC_CHECKS = frozenset({"free", "code"})
"""Check types a rubric may grade (what a teacher must judge: text, code)."""

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    """One level of a criterion: what the grader picks."""

    label: str
    """Short name shown to the grader and the learner (e.g. ``Clear``), unique in its
    criterion."""
    points: float
    """Points this level earns (>= 0), unique in its criterion."""
    description: str = ""
    """What an answer at this level looks like (Markdown)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One thing the grader judges, with its levels."""

    id: str
    """Identifier, ``[A-Za-z0-9_-]+``, unique in the rubric."""
    title: str = ""
    """Heading shown to the grader and the learner (defaults to the id)."""
    description: str = ""
    """What is judged (Markdown)."""
    levels: tuple[Level, ...]
    """The levels, usually from the best down; at least two."""
    competencies: tuple[str, ...] = ()
    """Competencies a grade on this criterion gives evidence for."""

    def __post_init__(self) -> None:
        check_id("criterion", self.id)
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "competencies", tuple(self.competencies))
        for cid in self.competencies:
            check_id("competency", cid)

    @property
    def max_points(self) -> float:
        """The points of the criterion's highest level."""
        return float(max((lv.points for lv in self.levels), default=0.0))

    def level(self, label: str) -> Level | None:
        """The level with this label, or ``None``."""
        return next((lv for lv in self.levels if lv.label == label), None)

    def level_worth(self, points: float) -> Level | None:
        """The level worth exactly ``points`` (how a gradebook score names a level)."""
        return next((lv for lv in self.levels if abs(lv.points - points) < 1e-9), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rubric:
    """The criteria a teacher grades a question by."""

    criteria: tuple[Criterion, ...]
    """The criteria, in the order they are graded."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        problems = [message for _, message in _model_problems(self)]
        if problems:
            raise LessonDefinitionError("rubric: " + "; ".join(problems))

    @property
    def max_points(self) -> float:
        """The most a grade can give: the sum of each criterion's highest level."""
        return float(sum(c.max_points for c in self.criteria))

    def criterion(self, criterion_id: str) -> Criterion | None:
        """The criterion with this id, or ``None``."""
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def competencies(self) -> tuple[str, ...]:
        """Every competency a criterion names, in order of first mention."""
        return tuple(dict.fromkeys(cid for c in self.criteria for cid in c.competencies))

    def points(self, levels: Mapping[str, str]) -> float:
        """Points of a complete grade (criterion id -> level label); see :meth:`problems`."""
        return float(sum(self._picked(levels)[c.id].points for c in self.criteria))

    def credit(self, levels: Mapping[str, str]) -> dict[str, float]:
        """Competency -> credit in [0, 1]: points earned over points available on the
        criteria tied to it (a competency whose criteria are worth nothing gets none)."""
        picked = self._picked(levels)
        earned: dict[str, float] = {}
        available: dict[str, float] = {}
        for c in self.criteria:
            for cid in c.competencies:
                earned[cid] = earned.get(cid, 0.0) + picked[c.id].points
                available[cid] = available.get(cid, 0.0) + c.max_points
        return {cid: earned[cid] / available[cid] for cid in earned if available[cid] > 0}

    def problems(self, levels: Mapping[str, Any]) -> list[str]:
        """Why ``levels`` is not a complete grade of this rubric (empty when it is)."""
        found = []
        for c in self.criteria:
            label = levels.get(c.id)
            if label is None:
                found.append(f"pick a level for criterion {c.id!r}")
            elif not isinstance(label, str) or c.level(label) is None:
                known = ", ".join(repr(lv.label) for lv in c.levels)
                found.append(f"criterion {c.id!r} has no level {label!r} (its levels: {known})")
        ids = {c.id for c in self.criteria}
        found += [f"the rubric has no criterion {k!r}" for k in levels if k not in ids]
        return found

    def _picked(self, levels: Mapping[str, str]) -> dict[str, Level]:
        problems = self.problems(levels)
        if problems:
            raise ValueError("; ".join(problems))
        picked: dict[str, Level] = {}
        for c in self.criteria:
            level = c.level(levels[c.id])
            assert level is not None  # checked above
            picked[c.id] = level
        return picked


def teacher_judges(question: Any) -> bool:
    """Whether only a teacher judges ``question``'s answers: a free response with a rubric
    (its answers carry no verdict of their own; the grade is the evidence)."""
    from .specs import FreeResponse

    return getattr(question, "rubric", None) is not None and isinstance(
        getattr(question, "check", None), FreeResponse
    )


def fit_rubric(step_id: str, rubric: Rubric, check: Any, points: float) -> None:
    """Raise :class:`LessonDefinitionError` unless ``rubric`` may grade a question with this
    check and points (the rule of the module docstring)."""
    from .specs import Code, FreeResponse, checked_by_service, hides_key

    # A student or service copy hides a code or free check behind a stand-in checker.
    if not isinstance(check, FreeResponse | Code) and not (
        hides_key(check) or checked_by_service(check)
    ):
        raise LessonDefinitionError(
            f"step {step_id!r}: a rubric grades a free-response or code question, "
            f"not a {check.type!r} check"
        )
    maximum = rubric.max_points
    if isinstance(check, FreeResponse) and abs(points - maximum) > 1e-9:
        raise LessonDefinitionError(
            f"step {step_id!r}: points must equal the rubric's maximum {maximum:g}"
        )
    if points < maximum - 1e-9:
        raise LessonDefinitionError(
            f"step {step_id!r}: points must be at least the rubric's maximum {maximum:g}"
        )


def _model_problems(rubric: Rubric) -> list[tuple[Path, str]]:
    """Problems of a built rubric (paths below ``rubric``)."""
    data = {
        "criteria": [
            {
                "id": c.id,
                "levels": [{"label": lv.label, "points": lv.points} for lv in c.levels],
            }
            for c in rubric.criteria
        ]
    }
    return _criteria_problems(data)


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def _criteria_problems(rubric: Any) -> list[tuple[Path, str]]:
    """Duplicate ids, too few levels, duplicate labels or points (paths below ``rubric``)."""
    found: list[tuple[Path, str]] = []
    criteria = rubric.get("criteria") if isinstance(rubric, Mapping) else None
    if not isinstance(criteria, list):
        return found
    if not criteria:
        found.append((("criteria",), "a rubric needs at least one criterion"))
    seen: set[str] = set()
    for i, criterion in enumerate(criteria):
        if not isinstance(criterion, Mapping):
            continue
        cid = criterion.get("id")
        if isinstance(cid, str):
            if cid in seen:
                found.append((("criteria", i), "another criterion of this rubric has this id"))
            seen.add(cid)
        levels = criterion.get("levels")
        if not isinstance(levels, list):
            continue
        if len(levels) < 2:
            found.append(
                (("criteria", i, "levels"), "a criterion needs at least two levels to choose from")
            )
        labels: set[str] = set()
        worth: dict[float, str] = {}
        for j, level in enumerate(levels):
            if not isinstance(level, Mapping):
                continue
            label, points = level.get("label"), _number(level.get("points"))
            where: Path = ("criteria", i, "levels", j)
            if isinstance(label, str):
                if not label.strip():
                    found.append(((*where, "label"), "a level needs a label"))
                elif label in labels:
                    found.append(((*where, "label"), f"duplicate level label {label!r}"))
                labels.add(label)
            if points is None:
                if "points" in level:
                    found.append(((*where, "points"), "must be a finite number of points"))
                continue
            if points < 0:
                found.append(((*where, "points"), f"must be >= 0, got {level.get('points')}"))
            elif points in worth:
                found.append(
                    (
                        (*where, "points"),
                        f"level {label!r} is worth {points:g} points like level {worth[points]!r}: "
                        "give each level of a criterion its own points (a gradebook score names "
                        "the level by its points)",
                    )
                )
            worth.setdefault(points, str(label))
    return found


def _max_points(rubric: Any) -> float | None:
    """The rubric's maximum from raw data (``None`` when it cannot be read)."""
    total = 0.0
    for criterion in rubric.get("criteria") or ():
        if not isinstance(criterion, Mapping) or not isinstance(criterion.get("levels"), list):
            return None
        worth = [_number(lv.get("points")) for lv in criterion["levels"] if isinstance(lv, Mapping)]
        numbers = [w for w in worth if w is not None]
        if not numbers:
            return None
        total += max(numbers)
    return total


def rubric_problems(question: Mapping[str, Any]) -> list[tuple[Path, str]]:
    """Every problem of a question's ``rubric`` (raw data, as in a lesson file), with paths
    below the question: criteria and levels, the check it grades, and the points rule (see
    the module docstring). Competencies are checked with the lesson's other references."""
    rubric = question.get("rubric")
    if not isinstance(rubric, Mapping):
        return []
    found = [(("rubric", *path), message) for path, message in _criteria_problems(rubric)]
    check = question.get("check")
    kind = check.get("type") if isinstance(check, Mapping) else None
    stand_in = isinstance(check, Mapping) and str(check.get("checker", "")).startswith("lessonkit.")
    if kind == "custom" and stand_in:
        return found  # a student or service copy: its stand-in checker hides free or code
        return found  # a student or service copy: its stand-in checker hides free or code
    if isinstance(kind, str) and kind not in RUBRIC_CHECKS:
        found.append(
            (
                ("rubric",),
                f"a rubric grades a free-response or code question (check type 'free' or "
                f"'code'), not a {kind!r} check: a machine checks that",
            )
        )
        return found
    maximum = _max_points(rubric)
    given = question.get("points", 1)
    points = _number(given)
    if maximum is None or points is None or found:
        return found
    given_here = "points" in question
    where: Path = ("points",) if given_here else ("rubric",)
    stated = f"is {given}" if given_here else "the question's points are 1 (left out)"
    if kind == "free" and abs(points - maximum) > 1e-9:
        found.append(
            (
                where,
                f"{stated} but the rubric's criteria are worth {maximum:g} at most: a rubric is "
                f"the whole grade of a free response, so give the question points: {maximum:g}",
            )
        )
    elif kind == "code" and points < maximum - 1e-9:
        found.append(
            (
                where,
                f"{stated}, less than the rubric's maximum {maximum:g}: the tests earn the "
                f"points above the rubric's maximum, so give the question at least "
                f"points: {maximum:g}",
            )
        )
    return found
