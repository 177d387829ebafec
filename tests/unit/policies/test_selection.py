"""Mastery-driven selection: weakest competency first, no repeats, seeded ties, no exhaustion."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lessonkit.checks import Numeric
from lessonkit.lesson.model import Question
from lessonkit.policies.selection import select_item, target_competency


def item(qid: str, *competencies: str) -> Question:
    return Question(id=qid, prompt="?", check=Numeric(answer=1), competencies=competencies)


POOL = [item("a1", "add"), item("a2", "add"), item("s1", "sub"), item("m1", "add", "sub")]
TH = {"add": 0.95, "sub": 0.95}


def test_targets_the_weakest_competency_under_threshold() -> None:
    rng = random.Random(0)
    assert target_competency({"add": 0.2, "sub": 0.6}, TH, rng) == "add"
    # add is weaker but already mastered (threshold 0.1): sub is the target
    assert target_competency({"add": 0.2, "sub": 0.6}, {"add": 0.1}, rng) == "sub"
    # all mastered: the weakest overall, never None
    assert target_competency({"add": 0.99, "sub": 0.97}, TH, rng) == "sub"
    assert target_competency({}, TH, rng) is None


def test_picks_an_item_for_the_target() -> None:
    for seed in range(20):
        chosen = select_item(
            POOL, mastery={"add": 0.9, "sub": 0.3}, thresholds=TH, used={}, rng=random.Random(seed)
        )
        assert "sub" in chosen.competencies


def test_prefers_unused_then_least_used_items() -> None:
    mastery = {"add": 0.1, "sub": 0.9}
    chosen = select_item(
        POOL, mastery=mastery, thresholds=TH, used={"a1": 1, "m1": 1}, rng=random.Random(1)
    )
    assert chosen.id == "a2"
    # every add item used: the least used comes back (the caller shows a new variant)
    chosen = select_item(
        POOL, mastery=mastery, thresholds=TH, used={"a1": 2, "a2": 1, "m1": 3}, rng=random.Random(1)
    )
    assert chosen.id == "a2"


def test_working_through_a_pool_gives_every_item_before_repeating() -> None:
    used: Counter[str] = Counter()
    rng = random.Random(7)
    picks = []
    for _ in range(6):
        chosen = select_item(POOL[:3], mastery={"x": 0.1}, thresholds={}, used=used, rng=rng)
        used[chosen.id] += 1
        picks.append(chosen.id)
    assert sorted(picks[:3]) == ["a1", "a2", "s1"]
    assert sorted(picks[3:]) == ["a1", "a2", "s1"]


def test_ties_are_broken_by_the_seeded_rng() -> None:
    def run(seed: int) -> list[str]:
        rng = random.Random(seed)
        used: Counter[str] = Counter()
        out = []
        for _ in range(8):
            chosen = select_item(POOL, mastery={"add": 0.3}, thresholds=TH, used=used, rng=rng)
            used[chosen.id] += 1
            out.append(chosen.id)
        return out

    assert run(3) == run(3)
    assert len({tuple(run(s)) for s in range(10)}) > 1  # different seeds, different orders


def test_items_without_the_competency_still_serve() -> None:
    plain = [item("p1"), item("p2")]
    chosen = select_item(plain, mastery={"add": 0.2}, thresholds=TH, used={}, rng=random.Random(0))
    assert chosen.id in {"p1", "p2"}


def test_an_empty_pool_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        select_item([], mastery={}, thresholds={}, used={}, rng=random.Random(0))
