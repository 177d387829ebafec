"""Mastery-driven item selection for practice pools.

The policy, in order:

1. target the competency with the lowest P(known) among those still under their threshold
   (when all are mastered, the lowest overall: the caller normally stops before asking);
2. among the items that practise it (all items if none does), prefer ones never given, then the
   least-used ones, so a pool is worked through before anything repeats;
3. break remaining ties with the caller's :class:`random.Random`, so a seeded session picks the
   same items every time.

An exhausted pool is not an error: the least-used item comes back, and the caller shows it with
a new variant (its use count is the variant number).

>>> import random
>>> from lessonkit.lesson.model import Question
>>> from lessonkit.checks import Numeric
>>> pool = [Question(id=f"q{i}", prompt="?", check=Numeric(answer=i), competencies=(c,))
...         for i, c in enumerate(["add", "add", "sub"])]
>>> select_item(pool, mastery={"add": 0.9, "sub": 0.3}, thresholds={"add": 0.95, "sub": 0.95},
...             used={}, rng=random.Random(0)).id
'q2'
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

__all__ = ["PoolItem", "select_item", "target_competency"]

_DEFAULT_THRESHOLD = 0.95


class PoolItem(Protocol):
    """What selection needs of an item (a :class:`~lessonkit.lesson.model.Question` has it)."""

    @property
    def id(self) -> str:
        """Item id, the key of ``used``."""

    @property
    def competencies(self) -> tuple[str, ...]:
        """Competencies the item gives evidence for."""


ItemT = TypeVar("ItemT", bound=PoolItem)


def target_competency(
    mastery: Mapping[str, float], thresholds: Mapping[str, float], rng: random.Random
) -> str | None:
    """The competency to practise next: lowest P(known) still under threshold, else lowest.

    Ties are broken with ``rng`` (so equally weak competencies are interleaved rather than one
    always going first). ``None`` when ``mastery`` is empty.
    """
    if not mastery:
        return None
    under = {c: p for c, p in mastery.items() if p < thresholds.get(c, _DEFAULT_THRESHOLD)}
    open_ = under or dict(mastery)
    lowest = min(open_.values())
    tied = [c for c, p in open_.items() if p == lowest]
    return tied[0] if len(tied) == 1 else rng.choice(tied)


def select_item(
    items: Sequence[ItemT],
    *,
    mastery: Mapping[str, float],
    thresholds: Mapping[str, float],
    used: Mapping[str, int],
    rng: random.Random,
) -> ItemT:
    """The next item of a practice pool under the mastery-driven policy (see module docs).

    Parameters
    ----------
    items
        The pool, in author order (must not be empty).
    mastery
        Current P(known) of each practised competency.
    thresholds
        Mastery threshold per competency (0.95 when missing).
    used
        How many times each item id has been given in this visit of the pool.
    rng
        Breaks ties; pass a seeded generator for reproducible runs.
    """
    if not items:
        raise ValueError("a practice pool needs at least one item")
    target = target_competency(mastery, thresholds, rng)
    candidates = [it for it in items if target in it.competencies] if target else []
    if not candidates:  # no item names the target (or no competencies): any item will do
        candidates = list(items)
    fewest = min(used.get(it.id, 0) for it in candidates)
    least_used = [it for it in candidates if used.get(it.id, 0) == fewest]
    return least_used[0] if len(least_used) == 1 else rng.choice(least_used)
