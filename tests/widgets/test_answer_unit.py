"""The answer and its Check travel together: the kernel grades exactly the value sent with the
submit; labels show as the author wrote them; feedback echoes what the learner saw."""

from __future__ import annotations

import lessonkit as lk
from lessonkit import checks

from .conftest import answer, feedback, send, step_id, text


def _question(check: checks.CheckSpec, **extra: object) -> lk.Lesson:
    return lk.Lesson(
        id="unit",
        title="Unit",
        steps=(
            lk.Question(id="q", title="Q", prompt="Pick", check=check, next="done", **extra),
            lk.End(id="done", title="Done"),
        ),
    )


def test_option_labels_are_shown_as_written_and_echoed_by_label(make_player) -> None:
    spec = checks.Choice(
        options=(
            checks.Option(value="append", text="`my_list.append(x)`"),
            checks.Option(value="scaled", text="X_train_s"),
            checks.Option(value="speed", text="Faster *training*"),
        ),
        answer="append",
    )
    p = make_player(_question(spec, max_attempts=3))
    spec_shown = p.view["input"]
    assert spec_shown["kind"] == "single"
    labels = [o["html"] for o in spec_shown["options"]]
    assert labels[0] == "<code>my_list.append(x)</code>"
    assert labels[1] == "X_train_s"
    assert labels[2] == "Faster <em>training</em>"
    said = answer(p, "speed")
    assert "You answered: Faster training" in said and "speed" not in said
    said = answer(p, "append")
    assert said.startswith("Correct!") and "You answered: my_list.append(x)" in said


def test_ordering_items_keep_underscores_and_the_order_sent_is_graded(make_player) -> None:
    items = ("X_train_s = scale(X_train)", "model.fit(X_train_s, y)", "model.predict(X_test_s)")
    p = make_player(_question(checks.Ordering(items=items)))
    spec = p.view["input"]
    assert [i["text"] for i in spec["items"]] == list(items)
    assert sorted(spec["order"]) == [0, 1, 2] and spec["order"] != [0, 1, 2]
    for bad in ([0, 1], [0, 0, 1], [0, 1, 2, 3], ["0", "1", "2"], [True, 0, 2], "0,1,2"):
        assert "changed unexpectedly" in answer(p, bad)
    assert p.session.current.record.attempts == 0
    assert answer(p, [0, 1, 2]).startswith("Correct!")
    assert p.view["input"]["value"] == [0, 1, 2]


def test_multiple_select_takes_a_list_of_offered_values(make_player) -> None:
    spec = checks.Choice(options=("a", "b", "c"), answer=("a", "c"))
    p = make_player(_question(spec, max_attempts=5))
    assert p.view["input"]["kind"] == "multi"
    assert "at least one" in answer(p, [])
    assert "not one of the options" in answer(p, ["a", "zzz"])
    assert "not a selection" in answer(p, "a")
    assert answer(p, ["c", "a", "a"]).startswith("Correct!")


def test_the_value_sent_with_the_submit_is_graded_whatever_else_arrives(
    branching, make_player
) -> None:
    p = make_player(branching)
    send(p, "next")
    send(p, "choose", value="music")
    # The learner corrected 5 to 4 before pressing Check: only the submit's value counts.
    assert "One too many." in answer(p, "6")
    assert answer(p, "5").startswith("Correct!")
    graded = [e.data["response"] for e in p.session.events if e.kind == "answered"]
    assert graded == ["6", "5"]


def test_a_repeated_or_stale_submit_is_not_graded_twice(branching, make_player) -> None:
    p = make_player(branching)
    send(p, "next")
    send(p, "choose", value="music")
    token = p.view["token"]
    p.act({"action": "submit", "value": "6", "token": token, "n": 10})
    p.act({"action": "submit", "value": "6", "token": token, "n": 10})  # a double Enter
    assert p.session.current.record.attempts == 1
    p.act({"action": "submit", "value": "5", "token": token, "n": 11})
    send(p, "next")
    assert step_id(p) == "q2"
    p.act({"action": "submit", "value": "4", "token": token, "n": 12})  # from the old step
    assert p.session.current.record.attempts == 0
    assert "This step changed" in feedback(p)
    p.act({"action": "next", "token": token})  # a stale Continue does not move either
    assert step_id(p) == "q2"


def test_mastery_says_no_answers_yet_and_why_a_bar_moved(branching, make_player) -> None:
    p = make_player(branching)
    bars = text(p.view["mastery"])
    assert "No answers yet" in bars and "%" not in bars.split("Adds whole numbers")[1][:20]
    send(p, "next")
    send(p, "choose", value="music")
    answer(p, "6")
    assert "not right on the first try" in text(p.view["mastery"])
    answer(p, "5")
    assert "only first tries count, and this was try 2" in text(p.view["mastery"])

    q = make_player(branching)
    send(q, "next")
    send(q, "choose", value="music")
    send(q, "hint")
    answer(q, "5")
    assert "after a hint" in text(q.view["mastery"])


def test_the_summary_speaks_of_mastery_as_the_bars_do(make_player) -> None:
    lesson = lk.Lesson(
        id="unit",
        title="Unit",
        competencies=(lk.Competency(id="add", title="Adds"),),
        steps=(
            lk.Question(
                id="q",
                prompt="2 + 2?",
                check=checks.Numeric(answer=4),
                competencies=("add",),
                next="done",
            ),
            lk.End(id="done", title="Done"),
        ),
    )
    p = make_player(lesson)
    answer(p, "4")
    assert not p.session.mastery.mastered("add")
    send(p, "next")
    summary = text(p.view["summary"])
    assert "1 / 1 points" in summary
    assert "every answer counted on your path was right" in summary
    assert "not yet enough first tries" in summary and "Adds" in summary
    assert "practise Adds a little more" not in summary  # no "100% ... practise more"
