""" "Did you mean" hints for unknown names, with a bound on the work they take.

Each hint compares the unknown name with every known one (:func:`difflib.get_close_matches`),
so a file with thousands of broken references among thousands of steps would spend time growing
with the square of its size on hints alone. A :class:`Suggester` remembers its answers and stops
suggesting once it has made :data:`BUDGET` comparisons: the first problems still get their
hints, and validation stays linear in the size of the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

__all__ = ["BUDGET", "Suggester"]

BUDGET = 200_000
"""Most name comparisons one :class:`Suggester` makes (well under a second)."""


class Suggester:
    """The closest known name to an unknown one, or ``None`` (see the module docs)."""

    def __init__(self, budget: int = BUDGET) -> None:
        self._left = budget
        self._memo: dict[tuple[str, int], str | None] = {}
        self._sorted: dict[int, list[str]] = {}
        self._held: list[Collection[str]] = []  # keeps the ids used as keys from being reused

    def __call__(self, word: str, known: Collection[str]) -> str | None:
        # ids of the collections passed: one lint passes the same few objects throughout
        key = (word, id(known))
        if key in self._memo:
            return self._memo[key]
        if self._left < len(known):
            return None
        self._left -= len(known)
        candidates = self._sorted.get(id(known))
        if candidates is None:
            candidates = self._sorted[id(known)] = sorted(known)
            self._held.append(known)
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        found = self._memo[key] = close[0] if close else None
        return found
