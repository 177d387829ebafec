"""Plain data across the sandbox boundary: exact round trips, nothing else gets through."""

from __future__ import annotations

import collections
import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonkit.isolation import plain

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=20)
    | st.complex_numbers(allow_nan=False)
)
HASHABLE = st.recursive(SCALARS, lambda inner: st.tuples(inner, inner), max_leaves=8)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(HASHABLE, inner, max_size=4)
        | st.frozensets(HASHABLE, max_size=4)
    ),
    max_leaves=20,
)


def through_json(value: Any) -> Any:
    return plain.decode(json.loads(json.dumps(plain.encode(value), allow_nan=True)))


def same(a: Any, b: Any) -> bool:
    """Equal, and of exactly the same types all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@given(VALUES)
def test_builtin_values_round_trip_exactly(value: Any) -> None:
    assert same(through_json(value), value)


def test_special_numbers_round_trip() -> None:
    assert math.isnan(through_json(float("nan")))
    assert through_json([float("inf"), -float("inf")]) == [math.inf, -math.inf]
    big = 7**5000  # more digits than int() may parse from decimal text
    assert through_json(big) == big and through_json(-big) == -big
    assert through_json({1: "a", (2, 3): [True]}) == {1: "a", (2, 3): [True]}
    assert through_json({1, 2}) == frozenset({1, 2}) and through_json(bytearray(b"ab")) == b"ab"


class Color(enum.IntEnum):
    RED = 1


class Lying(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__

    def __int__(self) -> int:
        return 99


def test_subclasses_become_their_exact_builtin_without_calling_overrides() -> None:
    assert same(through_json(Color.RED), 1)
    assert same(through_json(Lying(5)), 5)
    point = collections.namedtuple("point", "x y")(1, 2)
    assert same(through_json(point), (1, 2))
    assert same(through_json(collections.OrderedDict(a=1)), {"a": 1})
    assert same(through_json(collections.Counter("aab")), {"a": 2, "b": 1})


def test_numpy_values_arrive_as_lists_and_numbers() -> None:
    numpy = pytest.importorskip("numpy")
    assert same(through_json(numpy.arange(3)), [0, 1, 2])
    assert same(through_json(numpy.float64(1.5)), 1.5)


class Anything:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (Anything(), "an Anything"),
        (print, "a builtin_function_or_method"),
        ([1, Anything()], "an Anything"),
        (iter([1]), "a list_iterator"),
    ],
)
def test_other_objects_are_refused_by_name(value: Any, said: str) -> None:
    with pytest.raises(plain.UncomparableError, match=said):
        plain.encode(value)


def test_cycles_and_giants_are_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(plain.UncomparableError, match="nested too deeply"):
        plain.encode(loop)
    with pytest.raises(plain.UncomparableError, match="too large"):
        plain.encode(list(range(300_000)))
    with pytest.raises(plain.UncomparableError, match="too large"):
        plain.encode("x" * 3_000_000)


@pytest.mark.parametrize(
    "data",
    [
        {"a": 1},
        {"t": "tuple", "v": 1},
        {"t": "tuple", "v": [], "x": 1},
        {"t": "eval", "v": ["__import__('os')"]},
        {"t": "dict", "v": [[[1], 2]]},
        {"t": "dict", "v": [[1]]},
        {"t": "set", "v": [[1, 2]]},
        {"t": "complex", "v": ["1", 2]},
        {"t": "int", "v": "zz"},
        {"t": "bytes", "v": "xyz"},
    ],
)
def test_decode_accepts_only_what_encode_writes(data: Any) -> None:
    with pytest.raises(ValueError):
        plain.decode(data)


def test_frames_split_and_join() -> None:
    data = plain.frame({"kind": "a"}) + plain.frame({"kind": "b", "n": [1.5]})
    records, rest = plain.unframe(data[:-3])
    assert records == [{"kind": "a"}] and rest == data[len(plain.frame({"kind": "a"})) : -3]
    records, rest = plain.unframe(data)
    assert records == [{"kind": "a"}, {"kind": "b", "n": [1.5]}] and rest == b""


@pytest.mark.parametrize(
    "data",
    [
        (plain.MAX_FRAME + 1).to_bytes(4, "big"),
        (5).to_bytes(4, "big") + b"hello",
        (2).to_bytes(4, "big") + b"[]",
        (4).to_bytes(4, "big") + b"\xff\xfe{}",
    ],
)
def test_bad_frames_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        plain.unframe(data)


def test_hash_flooding_is_refused_before_anything_is_hashed() -> None:
    colliding = [k * (2**61 - 1) for k in range(plain.MAX_HASHED + 1)]  # all hash to 0
    with pytest.raises(plain.UncomparableError, match="too large to compare"):
        plain.encode(dict.fromkeys(colliding))
    with pytest.raises(plain.UncomparableError, match="too large to compare"):
        plain.encode([set(colliding[:600]), set(colliding[600:])])
    forged = {"t": "set", "v": colliding}  # written by hand, never by encode
    with pytest.raises(ValueError, match="more than"):
        plain.decode(forged)
    assert len(through_json(dict.fromkeys(colliding[:-1]))) == plain.MAX_HASHED
