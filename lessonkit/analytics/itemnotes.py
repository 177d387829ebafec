"""The item analysis's flags and plain-language notes, in the reader's language.

The analysis table keeps English flag keys and an English ``note`` (an API: CSV, JSON, code
that reads them); pages write both again with the viewer's :class:`~lessonkit.i18n.Translator`
from the same numbers, so that the two can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..i18n import N_, Translator, translator

__all__ = ["ITEM_FLAGS", "ItemRules", "common_answers", "flag_label", "percent", "question_note"]

ITEM_FLAGS = {
    "misleading": N_("misleading"),
    "too easy": N_("too easy"),
    "too hard": N_("too hard"),
    "wrong answer without feedback": N_("wrong answer without feedback"),
}
"""Flag key (as stored in the ``flags`` column) -> its English label (shown translated)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRules:
    """When a question is flagged (see ``docs/analytics.md``)."""

    min_learners: int = 20
    """No flag on a question fewer learners answered (the discrimination flag counts learners
    with a rest score)."""
    misleading_r: float = -0.1
    """``misleading``: discrimination at most this, and its whole 95 % interval below 0."""
    easy: float = 0.9
    """``too easy``: the lower end of the first-try share's 95 % interval at least this."""
    hard: float = 0.3
    """``too hard``: the upper end of that interval at most this."""
    common_share: float = 0.1
    """A wrong answer is common when at least this share of the question's learners gave it..."""
    common_learners: int = 5
    """...and at least this many learners."""
    top: int = 5
    """Wrong answers listed per question..."""
    min_wrong_learners: int = 2
    """...each given by at least this many learners (one learner's slip is no pattern)."""


def common_answers(wrong: Any) -> dict[tuple[str, str], list[str]]:
    """(lesson, question) -> its common wrong answers with no message of their own, from the
    wrong-answer table (the ``common`` column)."""
    if not len(wrong):
        return {}
    grouped = wrong[wrong["common"]].groupby(["lesson", "step"])["response"].agg(list)
    return {(str(lesson), str(step)): list(answers) for (lesson, step), answers in grouped.items()}


def flag_label(flag: str, t: Translator) -> str:
    """``flag`` in ``t``'s language (an unknown key is shown as it is)."""
    return t.gettext(ITEM_FLAGS[flag]) if flag in ITEM_FLAGS else flag


def question_note(
    row: Mapping[str, Any],
    flags: Sequence[str],
    common: Sequence[str],
    rules: ItemRules,
    t: Translator | None = None,
) -> str:
    """Why a question got its ``flags`` (and whether it had learners enough to flag), for a
    teacher: the row's numbers, the common wrong answers with no message of their own."""
    t = t or translator()
    _ = t.gettext
    notes: list[str] = []
    if "misleading" in flags:
        note = _(
            "strong learners get it wrong more often than weak ones (right on the first try: "
            "strongest third {strong}, weakest third {weak})"
        ).format(strong=percent(row["strong_right"], t), weak=percent(row["weak_right"], t))
        strong_wrong = row.get("strong_wrong")
        if isinstance(strong_wrong, str) and strong_wrong:
            note += "; " + _("the strongest third's most common wrong answer: {answer}").format(
                answer=repr(strong_wrong)
            )
        notes.append(note)
    if "too easy" in flags:
        notes.append(
            _("at least {share} right on the first try").format(share=t.percent(rules.easy))
        )
    if "too hard" in flags:
        notes.append(
            _("at most {share} right on the first try").format(share=t.percent(rules.hard))
        )
    if "wrong answer without feedback" in flags:
        notes.append(
            _("common wrong answers with no message of their own: {answers}").format(
                answers=", ".join(repr(answer) for answer in common)
            )
        )
    count = int(row["n"])
    if count < rules.min_learners:
        notes.append(
            t.ngettext(
                "only {count} learner: too few to flag",
                "only {count} learners: too few to flag",
                count,
            ).format(count=count)
        )
    return "; ".join(notes)


def percent(value: Any, t: Translator) -> str:
    """A share as a percentage in ``t``'s language; a share nobody's answers define, as a dash."""
    return "–" if value is None or math.isnan(value) else t.percent(float(value))
