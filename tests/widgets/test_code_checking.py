"""Whether the page checks code is decided when it is needed, not while the page loads."""

from __future__ import annotations

import pytest

from lessonkit.widgets.codecheck import CodeChecking, CodeCheckingDecision, code_checking_state

from .conftest import choose, send, step_id


def test_the_operator_setting_is_read_when_the_player_is_made() -> None:
    decision = CodeCheckingDecision(env={"LESSONKIT_CODE_CHECKING": "off"})
    state = decision.get()
    assert state == code_checking_state({"LESSONKIT_CODE_CHECKING": "off"})
    assert not state.enabled and "operator turned code checking off" in state.reason
    assert decision.get() is state  # decided once


def test_allow_code_overrides_the_decision_as_before() -> None:
    off = {"LESSONKIT_CODE_CHECKING": "off"}
    assert CodeCheckingDecision(True, env=off).get() == CodeChecking(
        True, "", code_checking_state(off).setting
    )
    forced_off = CodeCheckingDecision(False, env={}).get()
    assert not forced_off.enabled
    assert forced_off.setting == code_checking_state(off).setting


def test_prefetch_decides_in_the_background_once() -> None:
    decision = CodeCheckingDecision(env={"LESSONKIT_CODE_CHECKING": "off"})
    decision.prefetch()
    decision.prefetch()  # a second call starts nothing more
    assert decision.get() == code_checking_state({"LESSONKIT_CODE_CHECKING": "off"})


def test_a_player_decides_at_the_first_code_step_or_after_the_first_action(
    loops, make_player, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESSONKIT_CODE_CHECKING", "off")
    p = make_player(loops, code_mode="editor")
    assert p._code_checking._state is None  # the first screen (content) did not need it
    monkeypatch.delenv("LESSONKIT_CODE_CHECKING")  # too late: the setting was read at start
    send(p, "next")
    choose(p, "I have never written one")
    assert step_id(p) == "for-intro"
    assert not p.allow_code and "operator turned code checking off" in p.code_checking.reason


def test_a_notebook_player_never_probes_the_sandbox(loops, make_player) -> None:
    p = make_player(loops, namespace={})
    send(p, "next")
    assert p._code_checking._state is None
