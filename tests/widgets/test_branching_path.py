"""A whole path through the branching fixture lesson, driven through the player's widgets."""

from __future__ import annotations

from .conftest import answer, option_button, step_id, visible


def test_whole_path_wrong_then_right_with_hints_to_the_summary(  # noqa: PLR0915 - one story
    branching, make_player
) -> None:
    p = make_player(branching)
    assert step_id(p) == "intro"
    assert "Branching on choices and performance" in p.header.value
    assert "Step 1 of about" in p.header.value
    assert p.body.value == "<p>Hello</p>"
    assert visible(p.next_button) and p.next_button.description == "Continue"
    assert not visible(p.check_button) and not visible(p.back_button)

    p.next_button.click()
    assert step_id(p) == "theme"
    assert [b.description for b in p.options.children] == ["Sports", "Music", "Skip ahead"]
    assert visible(p.back_button)
    option_button(p, "Music").click()
    assert step_id(p) == "q1"
    assert p.session.profile == {"interest": "music", "goal": "fun"}

    # Hints are progressive and labelled with how many there are.
    assert p.hint_button.description == "Hint 1 of 2"
    p.hint_button.click()
    assert "Count on from 2." in p.hints.value
    assert p.hint_button.description == "Hint 2 of 2"
    assert "1 of 2 hints used" in p.status.value

    # Wrong, with the targeted message for that answer; attempts left are shown.
    feedback = answer(p, "6")
    assert "Not quite." in feedback and "One too many." in feedback
    assert "lk-incorrect" in feedback
    assert "2 attempts left" in p.status.value
    assert visible(p.check_button)
    assert p.next_button.description == "Move on"

    feedback = answer(p, "5")
    assert "Correct!" in feedback and "lk-correct" in feedback
    assert not visible(p.check_button)
    assert not visible(p.hint_button)
    assert p.input is not None and p.input.widget.disabled
    assert p.next_button.description == "Continue"
    assert p.next_button.button_style == "primary"
    assert "Adds whole numbers" in p.mastery.value

    # Second-attempt success takes the default branch (not the challenge, not remedial).
    p.next_button.click()
    assert step_id(p) == "q2"
    assert p.route.value == ""
    p.input.widget.value = "4"
    p.check_button.click()
    assert "Correct!" in p.feedback.value
    p.next_button.click()
    # A rule picked the next step: the player says the path adapted.
    assert "Chosen for you" in p.route.value
    while not p.session.finished:
        view = p.session.current
        if view.question is not None and view.can_submit:
            answer(p, str(view.question.check.answer))
        p.next_button.click()
    assert step_id(p) == "done"
    summary = p.summary.value
    assert "Your results" in summary
    earned, available = p.session.score()
    assert f"{earned:g} / {available:g} points" in summary
    assert "Adds whole numbers" in summary
    assert "What next" in summary
    assert "Lesson complete" in p.header.value
    assert not visible(p.next_button) and not visible(p.check_button)
    assert visible(p.restart_button)


def test_first_try_success_branches_to_the_challenge(branching, make_player) -> None:
    p = make_player(branching)
    p.next_button.click()
    option_button(p, "Music").click()
    answer(p, "5")
    p.next_button.click()
    assert step_id(p) == "challenge"
    assert "Chosen for you" in p.route.value


def test_choice_branches_on_the_profile_and_option_goto(branching, make_player) -> None:
    p = make_player(branching)
    p.next_button.click()
    option_button(p, "Sports").click()
    assert step_id(p) == "sports"
    assert p.body.value == "<p>Sports!</p>"

    q = make_player(branching)
    q.next_button.click()
    option_button(q, "Skip ahead").click()
    assert step_id(q) == "q2"


def test_back_returns_to_the_previous_step_and_shows_the_choice(branching, make_player) -> None:
    p = make_player(branching)
    p.next_button.click()
    option_button(p, "Sports").click()
    p.back_button.click()
    assert step_id(p) == "theme"
    assert option_button(p, "Sports").button_style == "info"  # the earlier pick is marked


def test_running_out_of_attempts_locks_the_input(branching, make_player) -> None:
    p = make_player(branching)
    p.next_button.click()
    option_button(p, "Music").click()
    for wrong in ("1", "2", "3"):
        answer(p, wrong)
    assert not visible(p.check_button)
    assert p.input is not None and p.input.widget.disabled
    assert "0 attempts left" in p.status.value
    assert p.next_button.description == "Continue"
    p.next_button.click()
    assert step_id(p) == "remedial"


def test_restart_starts_a_fresh_session(branching, make_player) -> None:
    p = make_player(branching)
    first = p.session.registration
    p.next_button.click()
    assert visible(p.restart_button)
    p.restart_button.click()
    assert step_id(p) == "intro"
    assert p.session.registration != first
    assert p.feedback.value == "" and p.route.value == ""
