"""Parsing stored statements' JSON text fast, with exactly the standard library's results.

Reading a class's evidence is mostly JSON parsing: ``json.loads`` of a million statements takes
10 s or more on a 2-core machine, orjson 3-4 times less. orjson is used when it is installed
(``pip install 'lessonkit[fast]'``), but what is read never depends on it: the few texts where
the two parsers could disagree go to ``json.loads``, and so does any text orjson refuses (it
refuses ``NaN``, ``Infinity``, numbers beyond a double, lone surrogates, a byte-order mark,
UTF-16, which ``json`` accepts):

- integers of 19 digits or more (orjson turns some of them into floats): a number token that
  long anywhere in the text, even inside a string, sends the whole text to ``json``;
- nesting near the parsers' depth limits (orjson stops at 1,024 levels, ``json`` at Python's
  recursion limit): a text holding more than 512 brackets in all goes to ``json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["FAST", "loads", "loads_all"]

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by the tests with orjson hidden
    orjson = None  # type: ignore[assignment]

FAST = orjson is not None
"""Whether orjson is there to speed parsing up."""

_LONG_INT = re.compile(rb"(?:^|[:\[,])\s*-?\d{19}", re.MULTILINE)
_BRACKETS = 512


def loads(text: bytes | str) -> Any:
    """``json.loads(text)``, computed faster when orjson is installed.

    Raises
    ------
    ValueError, RecursionError
        As ``json.loads`` does.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if orjson is not None and not _risky(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def loads_all(data: bytes) -> Callable[[bytes], Any]:
    """A ``loads`` for the lines of ``data`` (one file's bytes): orjson's own function when
    nothing in ``data`` needs care, so that a million lines pay for no checks."""
    if orjson is None:
        return json.loads
    if _LONG_INT.search(data) is not None:
        return loads
    if data.count(b"[") + data.count(b"{") <= _BRACKETS:
        return _orjson_then_json
    return _shallow_then_orjson


def _orjson_then_json(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _shallow_then_orjson(line: bytes) -> Any:
    if line.count(b"[") + line.count(b"{") <= _BRACKETS:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line)


def _risky(data: bytes) -> bool:
    return _LONG_INT.search(data) is not None or data.count(b"[") + data.count(b"{") > _BRACKETS
