"""Helpers the third-party bank tests share: the report's steps, and playing a lesson."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.play import play
from lessonkit.lesson.loader import check_file, load_lesson
from lessonkit.lesson.model import Question


def plain(text: str) -> str:
    """Text without HTML tags, Markdown emphasis or escapes, whitespace collapsed."""
    text = re.sub(
        r"(?i)</?(p|br|div|li|ul|ol|h\d|tr|td|th|table|blockquote|pre)\b[^>]*>", " ", text or ""
    )
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = re.sub(r"\\(.)", r"\1", text).replace("**", "").replace("`", "")
    return " ".join(text.split())


def imported(report: str) -> list[dict[str, Any]]:
    """The findings of an ``--json`` import report that made steps, in bank order."""
    data = json.loads(report)
    return [f for f in data["findings"] if f["status"] != "skipped" and f["step"]]


def steps_of(finding: dict[str, Any]) -> list[str]:
    """The step ids an item became."""
    return [s.strip() for s in finding["step"].split(",") if s.strip()]


def valid(path: Path) -> None:
    """The written lesson validates as ``lessonkit validate`` does."""
    problems = check_file(path)
    assert not problems, "\n".join(map(str, problems))


def play_right(path: Path, script: dict[str, list[Any]]) -> dict[str, Any]:
    """Play ``script`` (step -> answers) and assert every question scored full marks."""
    lesson = load_lesson(path)
    script = {k: [_pick(lesson, k, v) for v in vals] for k, vals in script.items()}
    result = play(lesson, {k: [{"answer": v} for v in vals] for k, vals in script.items()})
    data: dict[str, Any] = result.to_json()
    assert data["completed"], data
    assert data["score"] == data["max_score"], data
    questions = [q for q in lesson.questions() if isinstance(q, Question)]
    assert data["max_score"] == pytest.approx(sum(q.points for q in questions)), data
    return data


def shown(markdown: str) -> str:
    """What a learner reads of an option: its text without images' and links' targets."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", "", markdown)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return plain(re.sub(r"(?m)^[>#]+ ", "", text).replace("*", ""))


def _pick(lesson: Any, step: str, answer: Any) -> Any:
    """The option value a learner picks by the text the bank gives (the value if no match)."""
    from lessonkit.lesson.specs import Choice

    question = next((q for q in lesson.questions() if q.id == step), None)
    if question is None or not isinstance(question.check, Choice):
        return answer
    by_text = {shown(o.text or o.value).casefold(): o.value for o in question.check.options}
    if isinstance(answer, list):
        return [by_text.get(plain(str(a)).casefold(), a) for a in answer]
    return by_text.get(plain(str(answer)).casefold(), answer)


def feedback_for(path: Path, step: str, answer: Any) -> str:
    """The feedback a learner gets for a wrong ``answer`` at ``step`` (graded as the session
    grades a first attempt)."""
    from lessonkit.checks import grade

    lesson = load_lesson(path)
    question = next(q for q in lesson.questions() if q.id == step)
    answer = _pick(lesson, step, answer)
    result = grade(question, answer, attempt=1, hints_used=0, seed=None)
    assert result.understood and not result.correct, (step, answer, result)
    return plain(result.feedback)
