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

__all__ = ["FRAME_COLUMNS", "statements_to_frame"]

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
        ``timestamp`` is a UTC ``datetime64``; ``success``/``completion`` are nullable
        booleans; ``attempt``, ``hints``, ``variant_seed`` and ``seq`` nullable integers;
        scores and mastery floats (NaN when absent); the rest strings (missing as NA).
    """
    import pandas as pd

    with gc_paused():
        rows = [_row(st) for st in statements]
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * len(FRAME_COLUMNS)
        del rows
    cols = {name: list(values) for name, values in zip(FRAME_COLUMNS, columns, strict=True)}
    frame: dict[str, Any] = {}
    for name in FRAME_COLUMNS:
        values = cols[name]
        if name == "timestamp":
            frame[name] = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
        elif name in _INT_COLUMNS:
            frame[name] = _typed(pd, values, "Int64")
        elif name in _FLOAT_COLUMNS:
            frame[name] = _floats(pd, values)
        elif name in _BOOL_COLUMNS:
            frame[name] = _typed(pd, values, "boolean")
        else:
            frame[name] = pd.array(values, dtype="str")
    return pd.DataFrame(frame, columns=list(FRAME_COLUMNS))


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


def _row(st: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of one statement, in :data:`FRAME_COLUMNS` order."""
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
    )


def _floats(pd: Any, values: list[Any]) -> Any:
    """``values`` as float64 with NaN for missing values (numpy turns ``None`` into NaN)."""
    import numpy as np

    try:
        return np.array(values, dtype="float64")
    except (TypeError, ValueError):
        return _typed(pd, values, "Float64").to_numpy(dtype="float64", na_value=float("nan"))


def _typed(pd: Any, values: list[Any], dtype: str) -> Any:
    """``values`` as a nullable pandas array; values of the wrong type (from statements made by
    other tools) become NA instead of failing the whole frame."""
    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        if dtype == "boolean":
            return pd.array([v if isinstance(v, bool) else None for v in values], dtype=dtype)
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        if dtype == "Int64":
            numbers = numbers.where(numbers == numbers.round())
        return pd.array(numbers, dtype=dtype)
