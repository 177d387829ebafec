"""The feedback box: what a check said, as the page shows it (and again after a reload)."""

from __future__ import annotations

from typing import Any

from .markdown import render_markdown

__all__ = ["answer_box", "box", "last_feedback", "result_box", "without_title"]

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
    return answer_box(
        understood=result.understood,
        recorded=result.details.get("recorded") is True,
        correct=bool(result.correct),
        feedback=result.feedback,
        echo=echo,
        base_dir=base_dir,
    )


def answer_box(
    *, understood: bool, recorded: bool, correct: bool, feedback: Any, echo: str, base_dir: Any
) -> dict[str, str]:
    """The box for one checked answer: the live one and the one rebuilt after a reload are
    both made here, so they cannot differ."""
    message = render_markdown(without_title(feedback), base_dir)
    shown = f"<p class='lk-echo'>You answered: {echo}</p>" if echo else ""
    if not understood:
        return box("info", "I could not read that answer.", shown + message)
    if recorded:  # neither right nor wrong until graded
        return box("info", RECORDED_TITLE, shown + message)
    kind = "correct" if correct else "incorrect"
    return box(kind, TITLES[kind], shown + message)


def last_feedback(
    session: Any, base_dir: Any, *, code_mode: str = "editor"
) -> dict[str, str] | None:
    """The box of the last answer to the question on screen, rebuilt from the recorded events
    exactly as it was shown live (``code_mode`` as the player's, for the echoed answer)."""
    view = session.current
    if view.question is None:
        return None
    for event in reversed(session.events):
        if event.kind in ("experienced", "navigated"):
            return None
        if event.kind == "answered" and event.step_id == view.question.id:
            return answer_box(
                understood=True,  # an answer that could not be read is not recorded
                recorded=event.data.get("recorded") is True,
                correct=bool(event.data.get("correct")),
                feedback=event.data.get("feedback"),
                echo=_echo(session, view, code_mode, event.data.get("raw"), base_dir),
                base_dir=base_dir,
            )
    return None


def _echo(session: Any, view: Any, code_mode: str, raw: Any, base_dir: Any) -> str:
    """What the live box repeated of the recorded answer ``raw``: the echo of the input the
    question takes (a choice's label, a short text as typed, nothing for an ordering...)."""
    from .inputs import make_input

    shown = make_input(
        view.question,
        code_mode=code_mode,
        seed=view.record.variant_seed or 0,
        namespace=session.namespace,
        base_dir=base_dir,
    )
    return shown.echo(raw)
