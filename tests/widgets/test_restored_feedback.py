"""After a reload the feedback comes back exactly as it was shown live, "You answered" line
and all, for every kind of check (the live box and the restored one are compared whole)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import lessonkit as lk
from lessonkit import checks
from lessonkit.widgets import show

from .conftest import send, text


def _code_test() -> tuple[checks.CodeTest, ...]:
    return (checks.CodeTest(args=(1,), expect=2, name="one"),)


# (check, value the page sends, what the box must repeat — "" for inputs that echo nothing,
# extra show() arguments)
FAMILIES: dict[str, tuple[checks.CheckSpec, Any, str, dict[str, Any]]] = {
    "single-choice": (
        checks.Choice(options=(checks.Option(value="a", text="**Apples**"), "b"), answer="b"),
        "a",
        "You answered: Apples",
        {},
    ),
    "multiple-choice": (
        checks.Choice(options=("a", "b", "c"), answer=("a", "c")),
        ["a", "b"],
        "You answered: a, b",
        {},
    ),
    "numeric": (checks.Numeric(answer=5), "6", "You answered: 6", {}),
    "numeric-right": (checks.Numeric(answer=5), "5", "You answered: 5", {}),
    "text": (checks.Text(answer="colour"), "color <b>", "You answered: color <b>", {}),
    "expression": (
        checks.Expression(answer="2*(x+1)", variables=("x",)),
        "2*x+1",
        "You answered: 2*x+1",
        {},
    ),
    "code-editor": (
        checks.Code(name="f", tests=_code_test()),
        "def f(x): return x",
        "You answered: def f(x): return x",
        {"allow_code": True},
    ),
    "code-notebook": (
        checks.Code(name="f", tests=_code_test()),
        None,
        "",
        {"namespace": {"f": lambda x: x}},
    ),
    "frame": (
        checks.Frame(answer={"a": [1, 3]}),
        "df",
        "",
        {"namespace": {"df": pd.DataFrame({"a": [1, 2]})}},
    ),
    "ordering": (checks.Ordering(items=("one", "two", "three")), [2, 1, 0], "", {}),
    "free-response": (checks.FreeResponse(min_words=2), "loops repeat", "You answered: ", {}),
    "custom-recorded-for-grading": (
        checks.Custom(checker="lessonkit.recorded", answer={"input": "text"}),
        "forty-two",
        "You answered: forty-two",
        {},
    ),
}


def _lesson(check: checks.CheckSpec) -> lk.Lesson:
    return lk.Lesson(
        id="restore",
        title="Restore",
        steps=(
            lk.Question(id="q", title="Q", prompt="Answer", check=check, max_attempts=3, next="e"),
            lk.End(id="e"),
        ),
    )


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_restored_feedback_is_the_live_one(family: str, monkeypatch, tmp_path) -> None:
    check, value, echoed, extra = FAMILIES[family]
    if isinstance(check, checks.Expression):
        # The first expression checked in a process imports SymPy inside the checker's time
        # limit, which a loaded machine can exceed ("too complicated"): import it first.
        checks.grade(_lesson(check).steps[0], "x", attempt=1, hints_used=0, seed=None)
    monkeypatch.setenv("LESSONKIT_LEARNER", "grace")
    store = (tmp_path / "store").as_uri()
    lesson = _lesson(check)

    first = show(lesson, store=store, **extra)
    send(first, "submit", value=value, n=1)
    live = first.view["feedback"]
    assert live is not None and [e.kind for e in first.session.events].count("answered") == 1, live
    assert echoed in text(live["html"])
    if not echoed:
        assert "lk-echo" not in live["html"]  # this input repeats nothing
    first.session.store.close()  # the old kernel is gone (a reload)
    first.close()

    again = show(lesson, store=store, **extra)
    assert again.session.registration == first.session.registration
    assert again.view["feedback"] == live  # kind, title and HTML, byte for byte
    again.session.store.close()
    again.close()
