"""Stored JSON parsed with orjson when installed: always exactly what ``json.loads`` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.evidence import jsontext

ODD = [
    b"123456789012345678901234567890",
    b'{"seq": -9223372036854775809}',
    b'{"a": [18446744073709551616, 1]}',
    b"[NaN, Infinity, -Infinity]",
    b"1e400",
    b'"\\ud800"',
    b'"\xed\xa0\x80"',
    b"\xef\xbb\xbf{}",
    b'{"a": 1, "a": 2}',
    b" {} \r",
    b"[" * 1010 + b"]" * 1010,
    b"[" * 600 + b"]" * 600,
    b"[" * 5000,
    b"{half",
    b"",
    '{"é": "\u00e9"}'.encode("utf-16"),
]


def outcome(parse: Any, text: bytes) -> str:
    try:
        return repr(parse(text))
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__


@pytest.mark.parametrize("text", ODD)
def test_odd_texts_read_as_json_reads_them(text: bytes) -> None:
    expected = outcome(json.loads, text)
    assert outcome(jsontext.loads, text) == expected
    assert outcome(jsontext.loads_all(text), text) == expected
    assert outcome(jsontext.loads_all(b"\n".join(ODD)), text) == expected


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(value=_JSON)
def test_any_json_value_reads_the_same(value: Any) -> None:
    text = json.dumps(value).encode()
    assert outcome(jsontext.loads, text) == outcome(json.loads, text)
    assert outcome(jsontext.loads_all(text), text) == outcome(json.loads, text)


def test_without_orjson_json_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "orjson", None)
    assert jsontext.loads_all(b"{}") is json.loads
    assert jsontext.loads(b'{"a": 10000000000000000000000}') == {"a": 10**22}
