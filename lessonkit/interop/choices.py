"""Choice, true/false and matching items as lessonkit choice checks.

Option values are the option texts when every text is short, plain and distinct (so the
lesson file reads ``answer: Paris``), otherwise letters ``a``, ``b``, ... with the text shown.

Partial credit: a multiple-select check scores ``(right picks - wrong picks) / right options``.
A bank whose fractions say exactly that (each right option ``1/n``, each wrong one ``-1/n``)
is imported as is; any other fractions are scored that way and the item is reported as
approximated. A single choice has one right option: other options' partial credit is reported.
Matching has no lessonkit check: each left-hand item becomes a choice question of its own
among the right-hand items, worth its share of the points (how Moodle scores it too).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from ..lesson.model import Feedback, Question, Step
from ..lesson.specs import Choice, Option
from .bank import BankAnswer, BankItem

__all__ = ["choice_check", "matching_steps", "option_values"]

FULL = 0.9999
_PLAIN = re.compile(r"[^\n*_`\[\]\\$<>|#!]{1,80}")


def option_values(texts: list[str]) -> list[str]:
    """Values for options with these texts (the texts themselves when they can be)."""
    stripped = [t.strip() for t in texts]
    if all(_PLAIN.fullmatch(t) and t == t.strip() for t in stripped) and len(
        {t.casefold() for t in stripped}
    ) == len(stripped):
        return stripped
    return [_letters(i) for i in range(len(texts))]


def _letters(i: int) -> str:
    letters = string.ascii_lowercase
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]


def _options(answers: tuple[BankAnswer, ...]) -> list[Option]:
    values = option_values([a.text for a in answers])
    return [
        Option(value=v, text="" if v == a.text.strip() else a.text, feedback=a.feedback)
        for v, a in zip(values, answers, strict=True)
    ]


def choice_check(item: BankItem, losses: list[str]) -> Choice | None:
    """The choice check for a choice or true/false item; ``None`` if nothing is right."""
    answers = item.answers
    if not answers:
        return None
    options = _options(answers)
    if item.multiple:
        return _multiple(item, options, losses)
    best = max(a.fraction for a in answers)
    if best <= 0:
        return None
    right = [o for o, a in zip(options, answers, strict=True) if a.fraction >= min(best, FULL)]
    if best < FULL:
        losses.append(f"no option has full credit; the best ({best:.0%}) counts as right")
    if len(right) > 1:
        losses.append(f"{len(right)} options are fully right; only the first counts as right")
    for opt, answer in zip(options, answers, strict=True):
        if 0 < answer.fraction < min(best, FULL):
            losses.append(f"partial credit {answer.fraction:.0%} for {_label(opt)} became none")
    return Choice(options=tuple(options), answer=right[0].value, shuffle=item.shuffle)


def _multiple(item: BankItem, options: list[Option], losses: list[str]) -> Choice | None:
    right = [o.value for o, a in zip(options, item.answers, strict=True) if a.fraction > 0]
    if not right:
        return None
    if not item.all_or_nothing:
        n = len(right)
        exact = all(
            abs(a.fraction - (1 / n if a.fraction > 0 else -1 / n)) < 0.01 for a in item.answers
        )
        if not exact:
            shown = ", ".join(f"{a.fraction:.0%}" for a in item.answers)
            losses.append(
                f"per-option credit ({shown}) is scored as (right picks - wrong picks) / "
                "right options"
            )
    return Choice(
        options=tuple(options),
        answer=tuple(right),
        shuffle=item.shuffle,
        partial_credit=not item.all_or_nothing,
    )


def _label(opt: Option) -> str:
    text = opt.text or opt.value
    return repr(text if len(text) <= 40 else text[:37] + "...")


def matching_steps(
    item: BankItem, step_id: Callable[[str], str], common: dict[str, object]
) -> tuple[list[Step], list[str]]:
    """One choice question per left-hand item; returns the steps and what was lost."""
    pairs = [a for a in item.answers if a.text.strip()]
    targets = list(dict.fromkeys(a.match for a in item.answers if a.match.strip()))
    if len(pairs) < 1 or len(targets) < 2:
        return [], ["a matching question needs at least one item and two answers"]
    values = option_values(targets)
    options = tuple(
        Option(value=v, text="" if v == t else t) for v, t in zip(values, targets, strict=True)
    )
    by_text = dict(zip(targets, values, strict=True))
    points = float(common.get("points", 1.0)) / len(pairs)  # type: ignore[arg-type]
    prompt = str(common.get("prompt", ""))
    steps: list[Step] = []
    feedback = common.get("feedback")
    for pair in pairs:
        fields = dict(common, points=points, prompt=f"{prompt}\n\n**{_one_line(pair.text)}**")
        fields["feedback"] = feedback if isinstance(feedback, Feedback) else Feedback()
        check = Choice(options=options, answer=by_text[pair.match], shuffle=True)
        base = f"{item.name or item.ident or _one_line(pair.text)[:40]}"
        steps.append(Question(id=step_id(base), check=check, **fields))  # type: ignore[arg-type]
    losses = [f"matching became {len(steps)} choice questions, one per item"]
    return steps, losses


def _one_line(text: str) -> str:
    return " ".join(text.replace("**", "").split())
