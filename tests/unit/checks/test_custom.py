"""Custom checkers: callables, the registry, entry points, and broken plugins."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.checks import CheckerWarning, CheckResult, Custom, check, register_checker
from lessonkit.checks.custom import load_checker
from lessonkit.errors import PluginError


def is_even(response: Any, answer: Any) -> bool:
    return int(response) % 2 == 0


@pytest.mark.parametrize(
    ("checker", "correct", "score", "feedback"),
    [
        (lambda r, a: r == a, True, 1.0, ""),
        (lambda r, a: 0.5, False, 0.5, ""),
        (lambda r, a: (False, "Nearly."), False, 0.0, "Nearly."),
        (lambda r, a: (0.25, "A start."), False, 0.25, "A start."),
        (lambda r, a: CheckResult(correct=True, score=1, feedback="Yes"), True, 1.0, "Yes"),
    ],
)
def test_return_forms(checker: Any, correct: bool, score: float, feedback: str) -> None:
    result = check(Custom(checker=checker, answer="x"), "x")
    assert (result.correct, result.score, result.feedback) == (correct, score, feedback)
    assert result.details["raw"] == "x"


def test_params_and_variant_values_are_passed() -> None:
    seen: dict[str, Any] = {}

    def checker(response: Any, answer: Any, *, unit: str, variant: dict[str, Any]) -> bool:
        seen.update(unit=unit, variant=variant)
        return True

    spec = Custom(checker=checker, answer=1, params={"unit": "m"})
    assert check(spec, "1", params={"a": 3}).correct
    assert seen == {"unit": "m", "variant": {"a": 3}}


def test_registered_name() -> None:
    register_checker("is-even", is_even)
    assert check(Custom(checker="is-even"), "4").correct
    assert not check(Custom(checker="is-even"), "3").correct


@pytest.mark.parametrize(
    "checker",
    [
        lambda r, a: 1 / 0,
        lambda r, a: "yes",
        lambda r, a: 2.5,
        lambda r, a: float("nan"),
        "no-such-checker",
    ],
)
def test_broken_checkers_warn_and_answer_politely(checker: Any) -> None:
    with pytest.warns(CheckerWarning):
        result = check(Custom(checker=checker), "x")
    assert not result.understood
    assert "not counted" in result.feedback


@pytest.fixture
def plugin_dist(tmp_path: Path) -> Iterator[Path]:
    """A real installed-distribution layout on sys.path with two checker entry points."""
    (tmp_path / "lk_demo_plugin.py").write_text(
        "def palindrome(response, answer):\n"
        "    text = str(response).lower()\n"
        "    return text == text[::-1]\n"
    )
    info = tmp_path / "lk_demo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lk-demo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[lessonkit.checkers]\n"
        "palindrome = lk_demo_plugin:palindrome\n"
        "broken = lk_demo_plugin_missing:nothing\n"
    )
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("lk_demo_plugin", None)


def test_entry_point_checker(plugin_dist: Path) -> None:
    assert check(Custom(checker="palindrome"), "Level").correct
    assert not check(Custom(checker="palindrome"), "Levels").correct


def test_entry_point_that_fails_to_load(plugin_dist: Path) -> None:
    with pytest.raises(PluginError, match="failed to load"):
        load_checker("broken")
    with pytest.warns(CheckerWarning, match="failed to load"):
        result = check(Custom(checker="broken"), "x")
    assert not result.understood
