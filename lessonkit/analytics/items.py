"""Item analysis for authors: how each question behaves, and the wrong answers to answer.

:func:`item_analysis` gives two tables. ``items``: per question, how many learners answered,
the share right on the first try (with a 95 % interval), attempts, hint use, time, and
discrimination (:mod:`.itemstats`), with flags a teacher can act on. ``wrong``: per question,
the most common wrong answers, whether the lesson already answers each with a message of its
own (decided by the real checker, :mod:`.coverage`), and the ``lessonkit feedback add``
command that adds one.

Flags never fire on fewer than :attr:`ItemRules.min_learners` learners, and the statistical
ones need their 95 % interval to clear the threshold, not just the estimate.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..lesson.model import Lesson, Question
from .coverage import coverage_of_seeds
from .itemnotes import ItemRules, common_answers, question_note
from .itemstats import KEYS, competencies_of, item_stats, judged_answers

__all__ = ["ItemAnalysis", "ItemRules", "feedback_command", "item_analysis", "wrong_answer_table"]

MAX_SEEDS = 20
"""Variants judged per wrong answer of a randomized question (the verdict is a sample)."""


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """The result of :func:`item_analysis`."""

    items: Any
    """One row per question (a DataFrame)."""
    wrong: Any
    """The most common wrong answers per question (a DataFrame)."""
    rules: ItemRules = field(default_factory=ItemRules)
    """The rules the flags were set by."""


def feedback_command(path: str, question: str, answer: str) -> str:
    """The shell command that adds targeted feedback for ``answer`` (it asks for the message),
    quoted for a POSIX shell; ``""`` for an answer with control characters, which a learner
    could have typed to act on the teacher's terminal when the line is printed or pasted."""
    if not (answer.isprintable() and path.isprintable()):
        return ""
    # `--answer=...` keeps an answer such as `-m` from being read as an option
    words = ["lessonkit", "feedback", "add", path, f"--question={question}", f"--answer={answer}"]
    return shlex.join(words)


def _question(lessons: Mapping[str, Lesson], lesson: str, step: str) -> Question | None:
    found = lessons.get(lesson)
    if found is None:
        return None
    return next((q for q in found.questions() if q.id == step), None)


def wrong_answer_table(
    frame: Any,
    lessons: Mapping[str, Lesson] | None = None,
    sources: Mapping[str, str] | None = None,
    *,
    rules: ItemRules | None = None,
    answered: Any = None,
) -> Any:
    """The ``top`` most common wrong answers per question: ``learners`` who gave it,
    ``answers``, ``first_try`` (learners whose first answer it was), ``of`` (the question's
    learners), ``share`` (``learners / of``), ``feedback`` (see
    :data:`.coverage.COVERAGE_KINDS`; ``unknown`` without the lesson), ``common`` (common and
    without feedback: flagged) and ``command``."""
    rules = rules or ItemRules()
    lessons, sources = lessons or {}, sources or {}
    ans = judged_answers(frame)
    first = ans.drop_duplicates(KEYS, keep="first")
    n = answered if answered is not None else first.groupby(["lesson", "step"]).size()
    wrong = ans[(ans["success"] == False) & ans["response"].notna()]  # noqa: E712 (nullable)
    group = ["lesson", "step", "response"]
    table = wrong.groupby(group).agg(learners=("learner", "nunique"), answers=("learner", "size"))
    firsts = first[first["success"] == False].groupby(group).size()  # noqa: E712
    table["first_try"] = firsts.reindex(table.index).fillna(0).astype("int64")
    table = table[table["learners"] >= rules.min_wrong_learners].reset_index()
    table["of"] = n.reindex(pd.MultiIndex.from_frame(table[group[:2]])).to_numpy()
    table["share"] = table["learners"] / table["of"]
    table = table.sort_values(
        ["lesson", "step", "learners", "answers", "response"],
        ascending=[True, True, False, False, True],
        kind="stable",
    )
    table = table.groupby(["lesson", "step"], sort=False).head(rules.top).reset_index(drop=True)
    seeds = (
        wrong.merge(table[group], on=group)
        .groupby(group)["variant_seed"]
        .agg(lambda s: sorted({-1 if pd.isna(v) else int(v) for v in s})[:MAX_SEEDS])
    )
    kinds, commands = [], []
    for row in table.itertuples(index=False):
        question = _question(lessons, str(row.lesson), str(row.step))
        if question is None:
            kinds.append("unknown")
            commands.append("")
            continue
        drawn = seeds.get(tuple(row[:3]), [-1])
        kind = coverage_of_seeds(question, str(row.response), [None if v < 0 else v for v in drawn])
        kinds.append(kind)
        path = sources.get(str(row.lesson))
        fixed = not (question.params or question.derived)  # a literal answer fits every variant
        commands.append(
            feedback_command(path, str(row.step), str(row.response))
            if path and kind == "none" and fixed
            else ""
        )
    table["feedback"] = kinds
    table["common"] = (
        (table["feedback"] == "none")
        & (table["learners"] >= rules.common_learners)
        & (table["share"] >= rules.common_share)
        & (table["of"] >= rules.min_learners)
    )
    table["command"] = commands
    return table


def _flags(items: Any, wrong: Any, rules: ItemRules) -> tuple[list[str], list[str]]:
    """The ``flags`` and the plain-language ``note`` (English) of each question."""
    common = common_answers(wrong)
    flags_out, notes = [], []
    for key, row in items.iterrows():
        flags: list[str] = []
        enough = row["n"] >= rules.min_learners
        if (
            row["n_rest"] >= rules.min_learners
            and row["r_high"] < 0
            and row["r"] <= rules.misleading_r
        ):
            flags.append("misleading")
        if enough and row["p_low"] >= rules.easy:
            flags.append("too easy")
        if enough and row["p_high"] <= rules.hard:
            flags.append("too hard")
        answers = common.get((str(key[0]), str(key[1])), [])
        if answers:
            flags.append("wrong answer without feedback")
        flags_out.append("; ".join(flags))
        notes.append(question_note(row, flags, answers, rules))
    return flags_out, notes


def _titles(lessons: Mapping[str, Lesson], keys: Any) -> list[str]:
    titles = []
    for lesson, step in keys:
        question = _question(lessons, str(lesson), str(step))
        text = (question.title or question.prompt) if question is not None else ""
        text = " ".join(text.split())
        titles.append(text if len(text) <= 80 else text[:79] + "…")
    return titles


def item_analysis(
    frame: Any,
    lessons: Mapping[str, Lesson] | None = None,
    sources: Mapping[str, str] | None = None,
    *,
    rules: ItemRules | None = None,
) -> ItemAnalysis:
    """Item analysis of every question answered in ``frame``.

    Parameters
    ----------
    frame
        The statements frame (:func:`~lessonkit.analytics.load_frame`).
    lessons
        Lesson id -> the lesson as it is now: wrong answers are judged against it, and its
        questions' competencies and titles are used. Without it, ``feedback`` is ``unknown``.
    sources
        Lesson id -> the lesson's file, for the ``lessonkit feedback add`` commands.
    rules
        When to flag (:class:`ItemRules`).
    """
    rules = rules or ItemRules()
    lessons = lessons or {}
    comps = None
    if lessons:
        comps = {
            (lid, q.id): frozenset(q.competencies)
            for lid, lesson in lessons.items()
            for q in lesson.questions()
        }
    items = item_stats(frame, competencies=_merge_competencies(frame, comps))
    wrong = wrong_answer_table(frame, lessons, sources, rules=rules, answered=items["n"])
    items["title"] = _titles(lessons, items.index)
    items["flags"], items["note"] = _flags(items, wrong, rules)
    items = items.reset_index()
    order = {
        (lid, q.id): i for lid, lesson in lessons.items() for i, q in enumerate(lesson.questions())
    }
    rank = [order.get((r.lesson, r.step), len(order)) for r in items.itertuples(index=False)]
    items = items.assign(_rank=rank).sort_values(["lesson", "_rank"], kind="stable")
    columns = ["lesson", "step", "title", "competencies", "n", "first_try", "p_low", "p_high"]
    columns += ["attempts", "hint_share", "median_time_s", "r", "r_low", "r_high", "n_rest"]
    columns += ["basis", "strong_right", "weak_right", "strong_wrong", "flags", "note"]
    items = items.reindex(columns=columns).reset_index(drop=True)
    return ItemAnalysis(items=items, wrong=wrong, rules=rules)


def _merge_competencies(frame: Any, from_lessons: Any) -> Any:
    """The lessons' competencies, falling back on the ones recorded with the answers."""
    if from_lessons is None:
        return None
    recorded = competencies_of(judged_answers(frame))
    return {**recorded, **{k: v for k, v in from_lessons.items() if v}}
