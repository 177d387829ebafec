"""Parsing stored statements' JSON text fast, with exactly the standard library's results.

Reading a class's evidence is mostly JSON parsing: ``json.loads`` of a million statements takes
10 s or more on a 2-core machine, orjson 3-4 times less. orjson is used when it is installed
(``pip install 'lessonkit[fast]'``), but what is read never depends on it: texts where the two
parsers could disagree go to ``json.loads``, and so does any text orjson refuses (it refuses
``NaN``, ``Infinity``, numbers beyond a double, lone surrogates, a byte-order mark, UTF-16,
which ``json`` accepts). They could disagree on

- integers beyond 64 bits, which orjson turns into floats: a text with a number token of 19
  digits or more goes to ``json``;
- nesting near the parsers' depth limits (orjson stops at 1,024 levels, ``json`` near Python's
  recursion limit, about 1,000): a text long enough to nest 800 levels and holding more than
  512 brackets goes to ``json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["FAST", "loads", "loads_all"]

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by the tests with orjson hidden
    orjson = None  # type: ignore[assignment]

FAST = orjson is not None
"""Whether orjson is there to speed parsing up."""

_CONTEXT = bytes.maketrans(b"0123456789:[,\n\t\r", b"9999999999NNNN  ")
"""Digits become ``9``, the bytes a number token may follow ``N``, blanks a space."""
_RUN = b"9" * 19
_SHALLOW = 1600
"""A text this long or shorter cannot nest deeper than 800 levels."""
_BRACKETS = 512


def loads(text: bytes | str) -> Any:
    """``json.loads(text)``, computed faster when orjson is installed.

    Raises
    ------
    ValueError, RecursionError
        As ``json.loads`` does.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if orjson is not None and not _long_number(data):
        return _shallow_then_orjson(data) if isinstance(text, bytes) else _via(data, text)
    return json.loads(text)


def loads_all(data: bytes) -> Callable[[bytes], Any]:
    """A ``loads`` for the lines of ``data`` (one file's bytes) that checks the whole file for
    long numbers once, so that a million lines pay for (almost) no checks."""
    if orjson is None:
        return json.loads
    return loads if _long_number(data) else _shallow_then_orjson


def _via(data: bytes, text: str) -> Any:
    try:
        if len(data) <= _SHALLOW or data.count(b"[") + data.count(b"{") <= _BRACKETS:
            return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    return json.loads(text)


def _shallow_then_orjson(line: bytes) -> Any:
    if len(line) <= _SHALLOW or line.count(b"[") + line.count(b"{") <= _BRACKETS:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line)


def _long_number(data: bytes) -> bool:
    """Whether ``data`` may hold a number token of 19 digits or more.

    Runs of digits inside strings (hashes, ids) are told apart by what precedes them: a number
    token follows ``:``, ``[``, ``,`` or a line start, with blanks and a minus sign between.
    The search for runs is done by ``bytes`` methods; only each run found is looked at.
    """
    mapped = b"N" + data.translate(_CONTEXT)
    at = mapped.find(_RUN)
    while at != -1:  # ``at`` starts a run of digits (the search resumes after each run)
        before = at - 1
        if mapped[before] == 0x2D:  # a minus sign
            before -= 1
        while mapped[before] == 0x20:
            before -= 1
        if mapped[before] == 0x4E:  # N: where a number token may start
            return True
        stop = at + len(_RUN)
        while stop < len(mapped) and mapped[stop] == 0x39:  # the run goes on
            stop += 1
        at = mapped.find(_RUN, stop)
    return False
