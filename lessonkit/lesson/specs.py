"""Checker specifications: what a question's ``check:`` block says, as frozen data.

A spec only describes the right answer and how to compare; the checking itself lives in the
family modules of :mod:`lessonkit.checks`. Every spec can list its own static problems
(``problems()``) so that ``lessonkit validate`` reports them with a file position.

The ``type`` key of a ``check:`` block selects the class: see :data:`SPEC_TYPES`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "HASHED_CHECKER",
    "HIDDEN_KEY_CHECKERS",
    "RECORDED_CHECKER",
    "SPEC_TYPES",
    "CheckSpec",
    "Choice",
    "Code",
    "CodeTest",
    "Custom",
    "Expression",
    "Frame",
    "FreeResponse",
    "Numeric",
    "Option",
    "Ordering",
    "Text",
]

SpecProblem = tuple[tuple[str | int, ...], str]
"""A static problem of a spec: the path of the offending key below ``check`` and a message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSpec:
    """Base of all checker specs."""

    type: ClassVar[str] = ""

    def problems(self) -> list[SpecProblem]:
        """Static problems (bad regex, negative tolerance...); empty when the spec is sound."""
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """An option of a choice question."""

    value: str
    """The value recorded when picked; ``answer`` refers to options by value."""
    text: str = ""
    """What the learner sees (Markdown); defaults to ``value``."""
    feedback: str = ""
    """Targeted message when this option is picked (or, in multi-select, wrongly picked)."""


def _as_option(item: Option | str) -> Option:
    return Option(value=item) if isinstance(item, str) else item


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice(CheckSpec):
    """Single choice (``answer`` is one value) or multiple select (a list of values)."""

    type: ClassVar[str] = "choice"
    options: tuple[Option, ...]
    """The options (plain strings are turned into :class:`Option`)."""
    answer: str | tuple[str, ...]
    """The right value, or for multiple select every right value."""
    shuffle: bool = False
    """Show options in a per-learner shuffled order."""
    partial_credit: bool = True
    """Multiple select: score right picks minus wrong picks instead of all-or-nothing."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(_as_option(o) for o in self.options))
        if isinstance(self.answer, list):
            object.__setattr__(self, "answer", tuple(self.answer))

    @property
    def multiple(self) -> bool:
        """True for multiple select."""
        return isinstance(self.answer, tuple)

    def answers(self) -> tuple[str, ...]:
        """The right values as a tuple."""
        return self.answer if isinstance(self.answer, tuple) else (self.answer,)

    def problems(self) -> list[SpecProblem]:
        values = [o.value for o in self.options]
        found: list[SpecProblem] = []
        seen: set[str] = set()
        for i, v in enumerate(values):
            if v in seen:
                found.append((("options", i), f"duplicate option {v!r}"))
            seen.add(v)
        for i, a in enumerate(self.answers()):
            if a not in seen:
                where: tuple[str | int, ...] = ("answer", i) if self.multiple else ("answer",)
                hint = _did_you_mean(a, values)
                found.append((where, f"{a!r} is not one of the options{hint}"))
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Numeric(CheckSpec):
    """A number, with absolute/relative tolerance, significant figures, a range and units."""

    type: ClassVar[str] = "numeric"
    answer: float | str | None = None
    """The right value (a string may be a ``{{param}}`` template); omit when using ``range``."""
    tolerance: float = 0.0
    """Absolute tolerance."""
    relative_tolerance: float = 0.0
    """Relative tolerance (0.01 is 1 %)."""
    sig_figs: int | None = None
    """Compare after rounding both to this many significant figures."""
    range: tuple[float, float] | None = None
    """Accept any value in ``[low, high]`` instead of ``answer``."""
    units: str = ""
    """Expected unit (e.g. ``m/s``); a learner may type it after the number."""
    require_units: bool = False
    """A bare number without ``units`` is not accepted."""

    def problems(self) -> list[SpecProblem]:
        found: list[SpecProblem] = []
        if self.answer is None and self.range is None:
            found.append(((), "a numeric check needs 'answer' or 'range'"))
        if self.tolerance < 0:
            found.append((("tolerance",), f"must be >= 0, got {self.tolerance}"))
        if self.relative_tolerance < 0:
            msg = f"must be >= 0, got {self.relative_tolerance}"
            found.append((("relative_tolerance",), msg))
        if self.sig_figs is not None and self.sig_figs < 1:
            found.append((("sig_figs",), "must be >= 1"))
        if self.range is not None and (len(self.range) != 2 or self.range[0] > self.range[1]):
            found.append((("range",), "needs [low, high] with low <= high"))
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Text(CheckSpec):
    """Short text: normalised comparison, alternatives, regular expressions, fuzzy matching."""

    type: ClassVar[str] = "text"
    answer: str | tuple[str, ...] = ()
    """Accepted answer or answers."""
    regex: str | tuple[str, ...] = ()
    """Accepted patterns (full match, after normalisation)."""
    case_sensitive: bool = False
    """Compare case as well."""
    ignore_accents: bool = True
    """Treat ``é`` as ``e``."""
    fuzzy: float | None = None
    """Accept a similarity ratio at or above this (0..1) to tolerate typos."""

    def __post_init__(self) -> None:
        for name in ("answer", "regex"):
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))

    def answers(self) -> tuple[str, ...]:
        """Accepted answers as a tuple."""
        return (self.answer,) if isinstance(self.answer, str) else self.answer

    def patterns(self) -> tuple[str, ...]:
        """Accepted patterns as a tuple."""
        return (self.regex,) if isinstance(self.regex, str) else self.regex

    def problems(self) -> list[SpecProblem]:
        found: list[SpecProblem] = []
        if not self.answers() and not self.patterns():
            found.append(((), "a text check needs 'answer' or 'regex'"))
        many = not isinstance(self.regex, str)
        import regex  # the engine text checks run patterns on (re syntax, with timeouts)

        for i, pattern in enumerate(self.patterns()):
            try:
                regex.compile(pattern)
            except regex.error as exc:
                where: tuple[str | int, ...] = ("regex", i) if many else ("regex",)
                found.append((where, f"invalid regular expression {pattern!r}: {exc}"))
        if self.fuzzy is not None and not 0 < self.fuzzy <= 1:
            found.append((("fuzzy",), f"must be in (0, 1], got {self.fuzzy}"))
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Expression(CheckSpec):
    """A mathematical expression, equivalent (by SymPy) to ``answer``: ``2*(x+1)`` = ``2x+2``."""

    type: ClassVar[str] = "expression"
    answer: str
    """The right expression."""
    variables: tuple[str, ...] = ()
    """Symbols the learner may use (others are rejected with a clear message)."""

    def problems(self) -> list[SpecProblem]:
        if not self.answer.strip():
            return [(("answer",), "must not be empty")]
        found: list[SpecProblem] = [
            (("variables", i), f"variable {v!r} is not a valid name (ASCII letters, digits, _)")
            for i, v in enumerate(self.variables)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v)
        ]
        if "{{" in self.answer:  # placeholders are checked on sampled variants (validate)
            return found
        from .mathanswer import answer_problem, answer_variables

        problem = answer_problem(self.answer, answer_variables(self.answer, self.variables))
        return [*found, (("answer",), f"expression answer: {problem}")] if problem else found


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeTest:
    """One test case of a code check."""

    args: tuple[Any, ...] = ()
    """Positional arguments for a function under test."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments for a function under test."""
    expect: Any = None
    """Expected return value (or variable value)."""
    name: str = ""
    """Short description shown in per-test feedback."""
    feedback: str = ""
    """Message when this test fails."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Code(CheckSpec):
    """The learner's function or variable ``name`` checked against test cases."""

    type: ClassVar[str] = "code"
    name: str
    """Function or variable the learner defines."""
    tests: tuple[CodeTest, ...] = ()
    """Cases; a function is called with each, a variable compared with ``expect``."""
    setup: str = ""
    """Code run before the learner's (imports, data)."""
    timeout: float = 2.0
    """Seconds the learner's code may run (source-text mode)."""
    memory_mb: int = 256
    """Memory limit in MiB (source-text mode)."""
    tolerance: float = 0.0
    """Absolute tolerance for float results."""

    def problems(self) -> list[SpecProblem]:
        found: list[SpecProblem] = []
        if not self.name.isidentifier():
            found.append((("name",), f"{self.name!r} is not a valid Python name"))
        if self.timeout <= 0:
            found.append((("timeout",), "must be > 0"))
        if self.memory_mb < 16:
            found.append((("memory_mb",), "must be >= 16"))
        if self.tolerance < 0:
            found.append((("tolerance",), f"must be >= 0, got {self.tolerance}"))
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame(CheckSpec):
    """A pandas DataFrame (or Series) answer compared with ``pandas.testing``."""

    type: ClassVar[str] = "frame"
    answer: Mapping[str, Any]
    """Expected data as ``{column: [values...]}``; add ``index`` via the ``index`` key."""
    index: tuple[Any, ...] | None = None
    """Expected index labels (default: a range index)."""
    check_row_order: bool = True
    """Row order matters."""
    check_column_order: bool = True
    """Column order matters."""
    check_dtype: bool = False
    """Dtypes must match exactly."""
    tolerance: float = 1e-9
    """Relative tolerance for numbers."""
    series: bool = False
    """The answer is a Series (``answer`` must then have exactly one column, its name)."""

    def problems(self) -> list[SpecProblem]:
        found: list[SpecProblem] = []
        lengths = {len(v) if isinstance(v, (list, tuple)) else -1 for v in self.answer.values()}
        if not self.answer:
            found.append((("answer",), "a frame answer needs at least one column"))
        elif -1 in lengths or len(lengths) != 1:
            found.append((("answer",), "every column needs a list of values of the same length"))
        if self.tolerance < 0:
            found.append((("tolerance",), f"must be >= 0, got {self.tolerance}"))
        if self.series and len(self.answer) != 1:
            found.append((("series",), "a series answer has exactly one column"))
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Ordering(CheckSpec):
    """Put ``items`` in order (Parsons-style); they are listed here in the right order."""

    type: ClassVar[str] = "ordering"
    items: tuple[str, ...]
    """The items in the correct order."""
    partial_credit: bool = True
    """Score by the longest correctly ordered subsequence."""

    def problems(self) -> list[SpecProblem]:
        if len(self.items) < 2:
            return [(("items",), "an ordering needs at least two items")]
        if len(set(self.items)) != len(self.items):
            return [(("items",), "ordering items must be distinct")]
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class FreeResponse(CheckSpec):
    """Free text that is recorded, not auto-graded."""

    type: ClassVar[str] = "free"
    min_words: int = 0
    """Ask for at least this many words before accepting."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Custom(CheckSpec):
    """A custom checker: a registered name (lesson files) or a callable (Python API)."""

    type: ClassVar[str] = "custom"
    checker: str | Callable[..., Any]
    """Entry-point name in group ``lessonkit.checkers``, or a callable."""
    answer: Any = None
    """The right answer, passed to the checker."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Extra keyword arguments for the checker."""


HASHED_CHECKER = "lessonkit.hashed"
"""Registered name of the checker of hashed keys (live right/wrong without the key)."""
RECORDED_CHECKER = "lessonkit.recorded"
"""Registered name of the checker that records an answer for grading without judging it."""
HIDDEN_KEY_CHECKERS = frozenset({HASHED_CHECKER, RECORDED_CHECKER})
"""Registered checkers that stand in for an answer key hidden from a student copy of a graded
lesson (see :mod:`lessonkit.grading.keys`): ``lessonkit.hashed`` checks against salted hashes,
``lessonkit.recorded`` records the answer for grading without judging it."""


def hides_key(spec: CheckSpec) -> bool:
    """Whether ``spec`` stands in for a hidden answer key (a student copy's check)."""
    return isinstance(spec, Custom) and spec.checker in HIDDEN_KEY_CHECKERS


SPEC_TYPES: dict[str, type[CheckSpec]] = {
    cls.type: cls
    for cls in (Choice, Numeric, Text, Expression, Code, Frame, Ordering, FreeResponse, Custom)
}
"""Spec classes by the ``type`` key of a ``check:`` block."""


def _did_you_mean(word: str, candidates: list[str]) -> str:
    import difflib

    norm = unicodedata.normalize("NFC", word)
    close = difflib.get_close_matches(norm, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
