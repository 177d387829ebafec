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

__all__ = ["BUDGET", "SYNONYMS", "Suggester", "key_hint", "synonyms_of"]

BUDGET = 200_000
"""Most name comparisons one :class:`Suggester` makes (well under a second)."""

SYNONYMS: dict[str, tuple[str, ...]] = {
    # lesson and course files
    "title": ("name", "heading"),
    "description": ("desc", "summary", "about"),
    "competencies": ("skills", "competency", "objectives", "outcomes"),
    "steps": ("pages", "screens"),
    "kind": ("type", "step_type"),
    "prompt": ("question", "text", "stem"),
    "options": ("choices", "answers", "alternatives"),
    "answer": ("correct", "correct_answer", "key", "solution_value"),
    "hints": ("hint", "tips", "tip", "help"),
    "feedback": ("feedbacks", "explanation", "explanations"),
    "max_attempts": ("attempts", "tries", "max_tries", "retries"),
    "next": ("goto", "go_to", "then", "after"),
    "goto": ("next", "to", "target", "go_to"),
    "when": ("if", "condition", "cond"),
    "default": ("else", "otherwise"),
    "tolerance": ("tol", "abs_tol", "within", "precision"),
    "params": ("parameters", "vars", "random"),
    "derived": ("computed", "formulas"),
    "max_items": ("items_max", "num_items", "n_items"),
    "message": ("msg", "text"),
    "text": ("label", "display", "caption"),  # a check's option shows its text
    "label": ("text", "display", "caption"),  # a choice step's option shows its label
    # course files
    "file": ("path", "filename", "lesson", "src", "source"),
    "due": ("date", "deadline", "due_date", "by"),
    "requires": ("prerequisites", "prereqs", "prerequisite", "depends_on", "needs", "after"),
    "develops": ("teaches", "covers", "competencies", "trains"),
    "half_life_days": ("half_life", "halflife", "forgetting"),
    "notebook": ("launcher", "ipynb"),
    "milestones": ("goals", "targets"),
}
"""Keys lessonkit reads and the words authors often write for them: ``path:`` for ``file:``,
``date:`` for ``due:``, ``hint:`` for ``hints:``. A synonym is suggested only where its key is
allowed and the word itself is not."""

_BY_SYNONYM: dict[str, tuple[str, ...]] = {}
for _key, _words in SYNONYMS.items():
    for _word in _words:
        _BY_SYNONYM[_word] = (*_BY_SYNONYM.get(_word, ()), _key)


def synonyms_of(word: object) -> tuple[str, ...]:
    """The keys ``word`` is a common synonym of (``path`` -> ``("file",)``)."""
    if not isinstance(word, str):
        return ()
    return _BY_SYNONYM.get(word.strip().lower().replace("-", "_").replace(" ", "_"), ())


def key_hint(word: str, allowed: Collection[str]) -> str | None:
    """The key an author most likely meant by ``word`` where ``allowed`` keys are accepted:
    a synonym first (``path`` -> ``file``), else the closest spelling, else ``None``."""
    folded = word.strip().lower().replace("-", "_").replace(" ", "_")
    for key in _BY_SYNONYM.get(folded, ()):
        if key in allowed:
            return key
    if folded in allowed and folded != word:
        return folded  # 'Next', 'max-attempts'
    close = difflib.get_close_matches(word, sorted(allowed), n=1, cutoff=0.6)
    return close[0] if close else None


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
