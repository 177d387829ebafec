"""A whole path through the branching fixture lesson, driven through the player's messages."""

from __future__ import annotations

from .conftest import answer, choose, feedback, options, send, shown, step_id, text


def test_whole_path_wrong_then_right_with_hints_to_the_summary(  # noqa: PLR0915 - one story
    branching, make_player
) -> None:
    p = make_player(branching)
    assert step_id(p) == "intro"
    assert "Branching on choices and performance" in p.view["header"]
    assert "Step 1 of about" in p.view["header"]
    assert p.view["body"] == "<p>Hello</p>"
    assert shown(p, "next") == {"label": "Continue", "primary": True}
    assert not shown(p, "check") and not shown(p, "back")

    send(p, "next")
    assert step_id(p) == "theme"
    assert options(p) == ["Sports", "Music", "Skip ahead"]
    assert shown(p, "back")
    choose(p, "Music")
    assert step_id(p) == "q1"
    assert p.session.profile == {"interest": "music", "goal": "fun"}
    assert p.view["focus"] == "title"  # the page moves focus to the new step's title

    # Hints are progressive and labelled with how many there are.
    assert shown(p, "hint") == "Hint 1 of 2"
    send(p, "hint")
    assert "Count on from 2." in p.view["hints"]
    assert shown(p, "hint") == "Hint 2 of 2"
    assert "1 of 2 hints used" in p.view["status"]

    # Wrong, with the targeted message for that answer; attempts left are shown.
    said = answer(p, "6")
    assert said.startswith("Not quite.") and "One too many." in said
    assert "You answered: 6" in said
    assert p.view["feedback"]["kind"] == "incorrect"
    assert "2 attempts left" in p.view["status"]
    assert shown(p, "check")
    assert shown(p, "next") == {"label": "Move on", "primary": False}
    assert p.view["input"]["value"] == "6"  # what was graded is what the field shows

    said = answer(p, "5")
    assert said.startswith("Correct!") and said.count("Correct!") == 1
    assert not shown(p, "check") and not shown(p, "hint")
    assert p.view["input"]["disabled"]
    assert shown(p, "next") == {"label": "Continue", "primary": True}
    assert "Adds whole numbers" in p.view["mastery"]

    # Second-attempt success takes the default branch (not the challenge, not remedial).
    send(p, "next")
    assert step_id(p) == "q2"
    assert p.view["route"] == ""
    answer(p, "4")
    assert "Correct!" in feedback(p)
    send(p, "next")
    # A rule picked the next step: the player says the path adapted.
    assert "Chosen for you" in p.view["route"]
    while not p.session.finished:
        view = p.session.current
        if view.question is not None and view.can_submit:
            answer(p, str(view.question.check.answer))
        send(p, "next")
    assert step_id(p) == "done"
    summary = text(p.view["summary"])
    assert "Your results" in summary
    earned, available = p.session.score()
    assert f"{earned:g} / {available:g} points" in summary
    assert "Adds whole numbers" in summary and "What next" in summary
    assert "Lesson complete" in p.view["header"]
    assert not shown(p, "next") and not shown(p, "check")
    assert shown(p, "restart")


def test_first_try_success_branches_to_the_challenge(branching, make_player) -> None:
    p = make_player(branching)
    send(p, "next")
    choose(p, "Music")
    answer(p, "5")
    send(p, "next")
    assert step_id(p) == "challenge"
    assert "Chosen for you" in p.view["route"]
    assert p.view["focus"] == "title"


def test_choice_branches_on_the_profile_and_option_goto(branching, make_player) -> None:
    p = make_player(branching)
    send(p, "next")
    choose(p, "Sports")
    assert step_id(p) == "sports"
    assert p.view["body"] == "<p>Sports!</p>"

    q = make_player(branching)
    send(q, "next")
    choose(q, "Skip ahead")
    assert step_id(q) == "q2"


def test_back_returns_to_the_previous_step_and_shows_the_choice(branching, make_player) -> None:
    p = make_player(branching)
    send(p, "next")
    choose(p, "Sports")
    send(p, "back")
    assert step_id(p) == "theme"
    picked = [o for o in p.view["options"] if o["picked"]]
    assert [o["value"] for o in picked] == ["sports"]


def test_running_out_of_attempts_locks_the_input(branching, make_player) -> None:
    p = make_player(branching)
    send(p, "next")
    choose(p, "Music")
    for wrong in ("1", "2", "3"):
        answer(p, wrong)
    assert not shown(p, "check")
    assert p.view["input"]["disabled"]
    assert "0 attempts left" in p.view["status"]
    assert shown(p, "next")["label"] == "Continue"
    send(p, "next")
    assert step_id(p) == "remedial"


def test_restart_needs_the_confirmation_and_starts_a_fresh_session(branching, make_player) -> None:
    p = make_player(branching)
    first = p.session.registration
    send(p, "next")
    assert shown(p, "restart")
    p.act({"action": "restart"})  # not confirmed in the page: nothing happens
    assert p.session.registration == first and step_id(p) == "theme"
    p.act({"action": "restart", "confirmed": True})
    assert step_id(p) == "intro"
    assert p.session.registration != first
    assert p.view["feedback"] is None and p.view["route"] == ""
