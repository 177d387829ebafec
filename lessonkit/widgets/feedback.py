"""The feedback box: what a check said, as the page shows it (and again after a reload)."""

from __future__ import annotations

from typing import Any

from .markdown import render_markdown

__all__ = ["box", "last_feedback", "result_box", "without_title"]

TITLES = {"correct": "Correct!", "incorrect": "Not quite.", "info": ""}
_SAME_AS_TITLE = ("correct", "incorrect", "not quite", "correct!", "not quite.")


def box(kind: str, title: str, message: str = "") -> dict[str, str]:
    """A feedback box: ``kind`` (``correct``, ``incorrect``, ``info``), title, safe HTML."""
    return {"kind": kind, "title": title, "html": message}


def without_title(feedback: Any) -> str:
    """The feedback text without a first paragraph that only repeats the box's title."""
    text = str(feedback or "").strip()
    first, _, rest = text.partition("\n\n")
    if first.strip().lower() in _SAME_AS_TITLE:
        return rest.strip()
    return text


RECORDED_TITLE = "Recorded for grading."
"""Title of the box for an answer a student copy records without judging it."""


def result_box(result: Any, echo: str, base_dir: Any) -> dict[str, str]:
    """The box for a check's result; ``echo`` is safe HTML of what the learner answered."""
    message = render_markdown(without_title(result.feedback), base_dir)
    shown = f"<p class='lk-echo'>You answered: {echo}</p>" if echo else ""
    if not result.understood:
        return box("info", "I could not read that answer.", shown + message)
    if result.details.get("recorded") is True:  # neither right nor wrong until graded
        return box("info", RECORDED_TITLE, shown + message)
    kind = "correct" if result.correct else "incorrect"
    return box(kind, TITLES[kind], shown + message)


def last_feedback(session: Any, base_dir: Any) -> dict[str, str] | None:
    """The box of the last answer to the question on screen, from the recorded events."""
    view = session.current
    if view.question is None:
        return None
    for event in reversed(session.events):
        if event.kind in ("experienced", "navigated"):
            return None
        if event.kind == "answered" and event.step_id == view.question.id:
            text = without_title(event.data.get("feedback"))
            if event.data.get("recorded") is True:
                return box("info", RECORDED_TITLE, render_markdown(text, base_dir))
            kind = "correct" if event.data.get("correct") else "incorrect"
            return box(kind, TITLES[kind], render_markdown(text, base_dir))
    return None
