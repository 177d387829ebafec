"""Size limits of lesson files: large lessons load, alias bombs do not, hints stay bounded."""

from __future__ import annotations

import gc

import pytest

from lessonkit.lesson import source
from lessonkit.lesson.loader import check_source
from lessonkit.lesson.suggest import Suggester


def chain_lesson(steps: int) -> str:
    """A valid lesson of ``steps`` questions in a row (about 14 YAML nodes each)."""
    lines = ["lessonkit: 1", "id: big", "title: Big", "competencies:", "  - id: c", "steps:"]
    for i in range(steps):
        lines += [
            f"  - id: s{i}",
            "    kind: question",
            f"    prompt: What is {i} + 1?",
            f"    check: {{type: numeric, answer: {i + 1}}}",
            "    competencies: [c]",
            f"    next: {f's{i + 1}' if i + 1 < steps else 'end'}",
        ]
    lines += ["  - id: end", "    kind: end"]
    return "\n".join(lines) + "\n"


def test_a_lesson_larger_than_the_old_node_limit_loads() -> None:
    # 16,000 steps: about 220,000 nodes, more than the 200,000 once allowed for any document
    lesson, problems = check_source(chain_lesson(16_000), "big.lesson.yaml")
    assert problems == []
    assert lesson is not None and len(lesson.steps) == 16_001


def test_shared_content_through_aliases_still_loads() -> None:
    text = (
        chain_lesson(3)
        .replace(
            "    competencies: [c]\n    next: s1",
            "    competencies: [c]\n    hints: &h [Count on one.]\n    next: s1",
        )
        .replace(
            "    competencies: [c]\n    next: s2",
            "    competencies: [c]\n    hints: *h\n    next: s2",
        )
    )
    lesson, problems = check_source(text)
    assert problems == [] and lesson is not None
    assert lesson.steps[0].hints == lesson.steps[1].hints == ("Count on one.",)  # type: ignore[attr-defined]


def test_alias_expansion_is_refused_past_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_ALIAS_NODES", 50)
    text = (
        "lessonkit: 1\nid: x\ntitle: X\n"
        "a: &a [l, l, l, l, l, l, l, l, l]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "steps:\n  - id: done\n    kind: end\n"
    )
    lesson, problems = check_source(text, "x.yaml")
    assert lesson is None
    assert [p.message for p in problems] == [
        "YAML aliases expand to more than 50 nodes (an alias bomb?); repeat the content instead"
    ]
    assert problems[0].line == 4  # the anchored content the expansion repeats


def test_node_limit_asks_to_split_the_lesson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_NODES", 1000)
    lesson, problems = check_source(chain_lesson(200), "x.yaml")
    assert lesson is None
    assert problems[0].message == "document has more than 1000 nodes; split it into several lessons"


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_restores_the_garbage_collector_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        check_source(chain_lesson(5))
        check_source("steps: [")  # a failing load restores it too
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_suggestions_are_remembered_and_stop_when_the_budget_is_spent() -> None:
    known = {f"step{i}" for i in range(10)}
    suggest = Suggester(budget=25)
    assert suggest("stepp3", known) == "step3"
    assert suggest("stepp4", known) == "step4"  # 20 comparisons spent
    assert suggest("stepp3", known) == "step3"  # remembered: free
    assert suggest("stepp5", known) is None  # would need 10 more


def test_many_broken_references_keep_their_first_hints() -> None:
    text = chain_lesson(300).replace("next: s", "next: sx")
    lesson, problems = check_source(text)
    assert lesson is None
    unknown = [p.message for p in problems if "unknown step" in p.message]
    assert len(unknown) == 299
    assert "did you mean 's1'" in unknown[0]
