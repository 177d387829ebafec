"""A question bank as plain data, between the file formats and lessonkit's model.

Each reader (Moodle XML, GIFT, QTI, JupyterQuiz) turns a file into :class:`BankItem` s; one
mapper (:mod:`.mapping`) turns those into lesson questions, so the rules for fractions,
penalties, wildcards and units are written once. Texts here are already Markdown in the subset
lessons allow (see :mod:`.htmltext`); nothing holds the bank's HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "EXPORT_STATUSES",
    "KINDS",
    "STATUSES",
    "BankAnswer",
    "BankItem",
    "Finding",
    "Status",
    "Where",
    "category_path",
]

Status = Literal["imported", "exported", "approximated", "skipped"]
"""What became of an item: carried over as it was, carried over with a loss, or not at all."""
STATUSES: tuple[Status, ...] = ("imported", "approximated", "skipped")
"""The statuses of an import report."""
EXPORT_STATUSES: tuple[Status, ...] = ("exported", "approximated", "skipped")
"""The statuses of an export report."""

KINDS = frozenset(
    {"choice", "truefalse", "shortanswer", "numerical", "essay", "matching", "ordering", "text"}
)
"""Item kinds the mapper knows; a reader gives any other item ``kind="unsupported"``."""


@dataclass(frozen=True, slots=True)
class Where:
    """Where an item is: ``FILE:LINE``, or ``FILE[identifier]`` for an item inside a package."""

    file: str
    """The file as named on the command line."""
    line: int | None = None
    """1-based line of the item, when the format has lines."""
    item: str | None = None
    """The item's identifier inside a package (a QTI zip), or its index in a JSON list."""

    def __str__(self) -> str:
        if self.item is not None:
            return f"{self.file}[{self.item}]"
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of an import or export report."""

    where: Where
    """The item (or file) it is about."""
    status: Status
    """imported, approximated or skipped."""
    message: str
    """What was done, or lost, in the author's words."""
    step: str = ""
    """The lesson step the item became (import) or came from (export)."""

    def __str__(self) -> str:
        return f"{self.where}: {self.status}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BankAnswer:
    """One answer of a bank item (an option, an accepted text, a number, a pair)."""

    text: str = ""
    """Markdown (choice, matching left side) or the literal answer (short answer, number)."""
    fraction: float = 0.0
    """The bank's credit for it, -1..1 (1 is fully right)."""
    feedback: str = ""
    """Markdown shown when this answer is given."""
    tolerance: float = 0.0
    """Numerical: accepted absolute error."""
    range: tuple[float, float] | None = None
    """Numerical: an accepted interval instead of ``text`` ± ``tolerance``."""
    match: str = ""
    """Matching: the right-hand side paired with ``text``."""
    catch_all: bool = False
    """Stands for every other response (Moodle's ``*``, JupyterQuiz's ``default``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BankItem:
    """A question of a bank, read from its file and not yet a lesson step."""

    where: Where
    """Where it was read."""
    kind: str
    """One of :data:`KINDS`, or ``unsupported``."""
    source_type: str
    """The bank's own name for the type (``multichoice``, ``numerical_question``...)."""
    prompt: str = ""
    """The question text, Markdown."""
    name: str = ""
    """The bank's name or title of the question."""
    ident: str = ""
    """The bank's identifier of the question, if any."""
    answers: tuple[BankAnswer, ...] = ()
    """Options, accepted answers, numbers or pairs, in the bank's order."""
    multiple: bool = False
    """Choice: more than one option may be picked."""
    all_or_nothing: bool = False
    """Choice with several right options: no partial credit."""
    case_sensitive: bool = False
    """Short answer: case matters."""
    fuzzy: float | None = None
    """Short answer: accept answers this similar (0..1) to a right one."""
    units: tuple[tuple[str, float], ...] = ()
    """Numerical: accepted units and their multipliers (1 for the base unit)."""
    units_required: bool = False
    """Numerical: a number without its unit is not accepted (or costs credit)."""
    min_words: int = 0
    """Essay: the fewest words asked for."""
    sig_figs: int | None = None
    """Numerical: both sides rounded to this many significant figures."""
    general_feedback: str = ""
    """Shown after any attempt (Moodle's general feedback)."""
    correct_feedback: str = ""
    """Shown on a right answer."""
    incorrect_feedback: str = ""
    """Shown on a wrong answer."""
    partial_feedback: str = ""
    """Shown on a partly right answer."""
    hints: tuple[str, ...] = ()
    """Hints, in order."""
    penalty: float | None = None
    """Share of the credit lost per wrong attempt (Moodle), 0..1."""
    points: float = 1.0
    """The question's weight."""
    category: tuple[str, ...] = ()
    """The bank's category path, outermost first."""
    category_id: str = ""
    """The category's own identifier (Moodle's idnumber), if any."""
    category_info: str = ""
    """The category's description, if any."""
    tags: tuple[str, ...] = ()
    """The bank's tags of the question."""
    shuffle: bool = False
    """Options are shown in a shuffled order."""
    notes: tuple[str, ...] = ()
    """Losses noticed while reading (HTML that could not be kept, media not found)."""
    skip_reason: str = ""
    """Why the reader already knows it cannot be imported (``kind`` is then unsupported)."""


def category_path(text: str) -> tuple[str, ...]:
    """A Moodle category path (``$course$/Default for X/Loops``) as the names that matter.

    The context (``$course$``, ``$system$``...) and ``top`` say where a category lived, not
    what it is about, and neither does Moodle's automatic ``Default for ...`` category.
    """
    parts = [p.strip() for p in text.split("/") if p.strip()]
    parts = [p for p in parts if not re.fullmatch(r"\$\w+\$", p) and p.lower() != "top"]
    if parts and parts[0].lower().startswith("default for "):
        parts = parts[1:]
    return tuple(parts)
