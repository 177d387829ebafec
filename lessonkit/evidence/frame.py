"""Statements as one flat :class:`pandas.DataFrame` row each, for analysis and CSV export.

pandas is imported when :func:`statements_to_frame` is called, never at ``import lessonkit``.
Each statement becomes one tuple of flat values in a single pass (the statements may be a lazy
iterator straight from a store), then the tuples are transposed into columns: a million
statements need memory for their flat values only, never for the parsed statements.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .statements import EXT

__all__ = [
    "FRAME_COLUMNS",
    "ROW_COLUMNS",
    "TO_STEP",
    "columns_to_frame",
    "rows_to_frame",
    "statement_row",
    "statements_frame",
    "statements_to_frame",
]

FRAME_COLUMNS = (
    "id",
    "timestamp",
    "learner",
    "learner_home",
    "lesson",
    "step",
    "kind",
    "verb",
    "response",
    "success",
    "completion",
    "score_raw",
    "score_min",
    "score_max",
    "score_scaled",
    "duration_s",
    "attempt",
    "hints",
    "competency",
    "mastery_before",
    "mastery_after",
    "checker",
    "item_id",
    "variant_seed",
    "registration",
    "seq",
    "lesson_version",
    "content_hash",
    "language",
)
"""Column order of :func:`statements_to_frame`.

``verb`` is the verb IRI's last segment (``answered``), ``kind`` the lessonkit event kind
(``hint``; empty for statements from other tools). ``competency`` is the competency of a
mastery statement, or the competencies of an answer joined with ``,``. ``hints`` is the number
of hints used so far (answers and hints). ``language`` is the language the learner saw the
lesson in (the statement's ``context.language``; NA when the session recorded none).
"""

TO_STEP = "to_step"
"""Extra column of the analysis frame: the step a ``navigated`` statement went to."""

ROW_COLUMNS = (*FRAME_COLUMNS, TO_STEP)
"""Column order of :func:`statements_frame` (and of :func:`statement_row`)."""

_INT_COLUMNS = ("attempt", "hints", "variant_seed", "seq")
_FLOAT_COLUMNS = (
    "score_raw",
    "score_min",
    "score_max",
    "score_scaled",
    "duration_s",
    "mastery_before",
    "mastery_after",
)
_BOOL_COLUMNS = ("success", "completion")

_E_EVENT = EXT + "event"
_E_ATTEMPT = EXT + "attempt"
_E_HINTS = EXT + "hints-used"
_E_COMPETENCY = EXT + "competency"
_E_COMPETENCIES = EXT + "competencies"
_E_BEFORE = EXT + "mastery-before"
_E_AFTER = EXT + "mastery-after"
_E_CHECKER = EXT + "checker"
_E_ITEM = EXT + "item-id"
_E_SEED = EXT + "variant-seed"
_E_SEQ = EXT + "seq"
_E_VERSION = EXT + "lesson-version"
_E_HASH = EXT + "content-hash"
_E_TO = EXT + "to-step"

_EMPTY: Mapping[str, Any] = {}


def statements_to_frame(statements: Iterable[Mapping[str, Any]]) -> Any:
    """One row per statement with the columns of :data:`FRAME_COLUMNS`.

    Parameters
    ----------
    statements
        Any iterable of statements (a list, or ``store.read(...)``); consumed once.

    Returns
    -------
    pandas.DataFrame
        ``timestamp`` is a UTC ``datetime64`` in microseconds; ``success``/``completion`` are
        nullable booleans; ``attempt``, ``hints``, ``variant_seed`` and ``seq`` nullable
        integers; scores and mastery floats (NaN when absent); the rest strings (missing as
        NA). A value of the wrong type (from statements made by other tools) is missing.
    """
    with gc_paused():
        rows = [statement_row(st) for st in statements]
    return rows_to_frame(rows, targets=False)


def statements_frame(statements: Iterable[Mapping[str, Any]]) -> Any:
    """:func:`statements_to_frame` plus the :data:`TO_STEP` column (the analysis frame)."""
    with gc_paused():
        rows = [statement_row(st) for st in statements]
    return rows_to_frame(rows, targets=True)


def rows_to_frame(rows: list[tuple[Any, ...]], *, targets: bool) -> Any:
    """The frame of rows made by :func:`statement_row` (``rows`` is emptied)."""
    with gc_paused():
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * len(ROW_COLUMNS)
        rows.clear()
    return columns_to_frame(columns, targets=targets)


def columns_to_frame(columns: list[Any], *, targets: bool) -> Any:
    """The frame of :data:`ROW_COLUMNS` values given column by column.

    Every value is converted on its own (never depending on the other rows), so the frame of
    many rows is the concatenation of the frames of any split of them: the columnar copies of
    evidence files (:mod:`lessonkit.evidence.stores.jsonl_cache`) rely on it.
    """
    import pandas as pd

    names = ROW_COLUMNS if targets else FRAME_COLUMNS
    frame: dict[str, Any] = {}
    for name, column in zip(ROW_COLUMNS, columns, strict=False):
        if name not in names:
            continue
        values = list(column)
        if name == "timestamp":
            frame[name] = _timestamps(pd, values)
        elif name in _INT_COLUMNS:
            frame[name] = _ints(pd, values)
        elif name in _FLOAT_COLUMNS:
            frame[name] = _floats(values)
        elif name in _BOOL_COLUMNS:
            frame[name] = _bools(pd, values)
        else:
            frame[name] = pd.array(values, dtype="str")
    return pd.DataFrame(frame, columns=list(names))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic data.

    Parsed JSON holds no reference cycles, but every million new containers the collector
    still walks all the live ones; with a store's statements in flight that alone made reads
    2-3 times slower. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def statement_row(st: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of one statement, in :data:`ROW_COLUMNS` order.

    A statement of another shape (a part that should be an object is not one: another tool's,
    or an edited file's) gives what it can, never an error.
    """
    try:
        return _row(st)
    except (AttributeError, TypeError):
        return _row(_objects_only(st))


def _objects_only(st: Mapping[str, Any]) -> dict[str, Any]:
    """``st`` with every part :func:`_row` reads as an object made one (else empty), and
    texts it joins or splits made texts (else missing)."""

    def obj(value: Any) -> dict[str, Any]:
        return dict(value) if isinstance(value, Mapping) else {}

    out = obj(st)
    out["actor"] = {"account": obj(obj(out.get("actor")).get("account"))}
    verb = obj(out.get("verb")).get("id")
    out["verb"] = {"id": verb if isinstance(verb, str) else None}
    result = obj(out.get("result"))
    result["score"] = obj(result.get("score"))
    out["result"] = result
    context = obj(out.get("context"))
    ext = obj(context.get("extensions"))
    event = obj(ext.get(_E_EVENT))
    event["data"] = obj(event.get("data"))
    ext[_E_EVENT] = event
    many = ext.get(_E_COMPETENCIES)
    ext[_E_COMPETENCIES] = (
        [c for c in many if isinstance(c, str)] if isinstance(many, list) else None
    )
    context["extensions"] = ext
    out["context"] = context
    return out


def _row(st: Mapping[str, Any]) -> tuple[Any, ...]:
    account = (st.get("actor") or _EMPTY).get("account") or _EMPTY
    context = st.get("context") or _EMPTY
    ext = context.get("extensions") or _EMPTY
    result = st.get("result") or _EMPTY
    score = result.get("score") or _EMPTY
    event = ext.get(_E_EVENT) or _EMPTY
    competency = ext.get(_E_COMPETENCY)
    if competency is None:
        many = ext.get(_E_COMPETENCIES)
        competency = ",".join(many) if many else None
    return (
        st.get("id"),
        st.get("timestamp"),
        account.get("name"),
        account.get("homePage"),
        event.get("lesson"),
        event.get("step"),
        event.get("kind"),
        ((st.get("verb") or _EMPTY).get("id") or "").rpartition("/")[2] or None,
        result.get("response"),
        result.get("success"),
        result.get("completion"),
        score.get("raw"),
        score.get("min"),
        score.get("max"),
        score.get("scaled"),
        (event.get("data") or _EMPTY).get("duration"),
        ext.get(_E_ATTEMPT),
        ext.get(_E_HINTS),
        competency,
        ext.get(_E_BEFORE),
        ext.get(_E_AFTER),
        ext.get(_E_CHECKER),
        ext.get(_E_ITEM),
        ext.get(_E_SEED),
        context.get("registration"),
        ext.get(_E_SEQ),
        ext.get(_E_VERSION),
        ext.get(_E_HASH),
        context.get("language"),
        ext.get(_E_TO),
    )


def _timestamps(pd: Any, values: list[Any]) -> Any:
    """ISO 8601 texts as UTC microseconds; anything else (or unreadable) is NaT."""
    if not _only(values, (str,)):
        values = [v if type(v) is str else None for v in values]
    stamps = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    return stamps.as_unit("us")


def _only(values: list[Any], types: tuple[type, ...]) -> bool:
    """Whether every value is ``None`` or exactly of one of ``types`` (``bool`` is not an
    ``int`` here)."""
    return set(map(type, values)) <= {type(None), *types}


def _floats(values: list[Any]) -> Any:
    """``values`` as float64, NaN where missing or not a number."""
    import numpy as np

    if not _only(values, (float, int)):
        values = [v if type(v) in (float, int) else None for v in values]
    try:
        return np.array(values, dtype="float64")
    except OverflowError:  # an integer beyond a double
        return np.array([_float_or_none(v) for v in values], dtype="float64")


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except OverflowError:
        return None


def _ints(pd: Any, values: list[Any]) -> Any:
    """``values`` as nullable Int64: whole numbers (integral floats too); else NA."""
    if not _only(values, (int,)):
        values = [_whole(v) for v in values]
    try:
        return pd.array(values, dtype="Int64")
    except (OverflowError, TypeError, ValueError):  # beyond 64 bits
        return pd.array([v if v is None or -(2**63) <= v < 2**63 else None for v in values],
                        dtype="Int64")  # fmt: skip


def _whole(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def _bools(pd: Any, values: list[Any]) -> Any:
    """``values`` as nullable booleans: ``true``/``false`` only; else NA."""
    if not _only(values, (bool,)):
        values = [v if type(v) is bool else None for v in values]
    return pd.array(values, dtype="boolean")
