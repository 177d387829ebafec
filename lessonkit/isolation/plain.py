"""Plain data across the sandbox boundary: encoding values, and framing records on a pipe.

Only values built from builtin types cross: ``None``, ``bool``, ``int``, ``float``, ``str``,
``bytes``, ``complex``, lists, tuples, dicts and sets of those (numpy and pandas values through
their ``tolist()``). Subclasses are read through the builtin's own methods (``list.__iter__``,
``dict.items``, ``int.__int__``...), so an overridden ``__eq__``, ``__iter__`` or ``__int__`` is
never called and never survives: what the parent compares is an exact builtin it built itself.
Anything else raises :class:`UncomparableError`.

JSON holds the encoded form; the containers JSON cannot tell apart are tagged objects,
``{"t": "tuple" | "dict" | "set" | "int" | "bytes" | "complex", "v": ...}`` (every dict is
tagged, so a learner's dict can never pass for a tag). :func:`decode` accepts exactly this
shape and nothing else.

Records travel as frames: a 4-byte big-endian length, then that many bytes of JSON.

Standard library only and free of relative imports: the sandbox child imports this file by
path, without importing lessonkit.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "DROP_FAILED",
    "MAX_FRAME",
    "MAX_HASHED",
    "OUT_OF_MEMORY",
    "UncomparableError",
    "decode",
    "encode",
    "frame",
    "unframe",
]

MAX_FRAME = 4 * 2**20
"""Largest record accepted, in bytes of JSON."""
DROP_FAILED = 70
"""Exit status of the child when it could not give up root."""
OUT_OF_MEMORY = 71
"""Exit status of the child when memory ran out while reporting."""
_MAX_DEPTH = 60
_MAX_NODES = 200_000
# Dict entries and set members in one value. Numbers can be chosen to share one hash, making
# every insertion scan all earlier ones: 20,000 such keys cost the comparing process 25 s of
# CPU; 1,000 cost about 50 ms.
MAX_HASHED = 1_000
_MAX_CHARS = 2_000_000  # all strings together, and hex digits of big ints
_SAFE_INT = 2**53


class UncomparableError(Exception):
    """A value that is not plain data (the message says what it was)."""


def encode(value: Any) -> Any:
    """``value`` as JSON-ready plain data; raises :class:`UncomparableError` for anything else."""
    try:
        return _Encoder().encode(value, 0)
    except (UncomparableError, MemoryError):
        raise
    except RecursionError as exc:
        raise UncomparableError("a value nested too deeply to compare") from exc
    except Exception as exc:  # e.g. a numpy-like tolist() that raises
        raise UncomparableError(f"{_a(type(value).__name__)} that cannot be read") from exc


def _a(name: str) -> str:
    """``a list``, ``an object``."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


class _Encoder:
    def __init__(self) -> None:
        self.nodes = _MAX_NODES
        self.chars = _MAX_CHARS
        self.hashed = MAX_HASHED

    def _hash(self, count: int) -> None:
        self.hashed -= count
        if self.hashed < 0:
            raise UncomparableError(
                f"a dict or set too large to compare (more than {MAX_HASHED} entries)"
            )

    def _spend(self, chars: int = 0) -> None:
        self.nodes -= 1
        self.chars -= chars
        if self.nodes < 0 or self.chars < 0:
            raise UncomparableError("a value too large to compare")

    def encode(self, value: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise UncomparableError("a value nested too deeply to compare")
        kind = type(value)  # type(), not isinstance(): a fake __class__ cannot pass
        if value is None or kind is bool:
            self._spend()
            return value
        if issubclass(kind, str):
            text = str.__str__(value)
            self._spend(len(text))
            return text
        if issubclass(kind, int):
            number = int.__int__(value)
            if -_SAFE_INT < number < _SAFE_INT:
                self._spend()
                return number
            digits = hex(number)  # hex has no digit limit (decimal conversion has one)
            self._spend(len(digits))
            return {"t": "int", "v": digits}
        if issubclass(kind, float):
            self._spend()
            return float.__float__(value)
        if issubclass(kind, complex):
            self._spend()
            pair = complex.__complex__(value)
            return {"t": "complex", "v": [pair.real, pair.imag]}
        if issubclass(kind, (bytes, bytearray)):
            data = bytes(memoryview(value))  # the buffer, never a __bytes__ method
            self._spend(2 * len(data))
            return {"t": "bytes", "v": data.hex()}
        if issubclass(kind, list):
            self._spend()
            return [self.encode(item, depth + 1) for item in list.__iter__(value)]
        if issubclass(kind, tuple):
            self._spend()
            return {
                "t": "tuple",
                "v": [self.encode(item, depth + 1) for item in tuple.__iter__(value)],
            }
        if issubclass(kind, dict):
            self._spend()
            self._hash(dict.__len__(value))
            pairs = [
                [self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in dict.items(value)
            ]
            return {"t": "dict", "v": pairs}
        if issubclass(kind, (set, frozenset)):
            self._spend()
            base = frozenset if issubclass(kind, frozenset) else set
            self._hash(base.__len__(value))
            items = base.__iter__(value)
            return {"t": "set", "v": [self.encode(item, depth + 1) for item in items]}
        if kind.__module__.split(".")[0] in ("numpy", "pandas") and hasattr(value, "tolist"):
            try:
                converted = value.tolist()
            except Exception as exc:
                raise UncomparableError(f"{_a(kind.__name__)} that cannot be converted") from exc
            if type(converted) is kind:
                raise UncomparableError(_a(kind.__name__))
            return self.encode(converted, depth + 1)
        raise UncomparableError(_a(kind.__name__))


def decode(data: Any) -> Any:
    """The value :func:`encode` produced ``data`` from; ``ValueError`` for any other shape."""
    return _Decoder().decode(data, 0)


class _Decoder:
    def __init__(self) -> None:
        self.hashed = MAX_HASHED

    def _hash(self, count: int) -> None:
        self.hashed -= count
        if self.hashed < 0:
            raise ValueError(f"more than {MAX_HASHED} dict entries and set members")

    def decode(self, data: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH + 2:
            raise ValueError("nested too deeply")
        kind = type(data)
        if data is None or kind in (bool, int, float, str):
            return data
        if kind is list:
            return [self.decode(item, depth + 1) for item in data]
        if kind is not dict or set(data) != {"t", "v"}:
            raise ValueError(f"not plain data: {kind.__name__}")
        tag, inner = data["t"], data["v"]
        if tag == "int" and type(inner) is str and len(inner) <= _MAX_CHARS:
            return int(inner, 16)
        if tag == "bytes" and type(inner) is str:
            return bytes.fromhex(inner)
        if tag == "complex" and type(inner) is list and len(inner) == 2:
            real, imag = inner
            if type(real) in (int, float) and type(imag) in (int, float):
                return complex(real, imag)
        if type(inner) is not list:
            raise ValueError(f"malformed {tag!r} value")
        if tag == "tuple":
            return tuple(self.decode(item, depth + 1) for item in inner)
        if tag not in ("set", "dict"):
            raise ValueError(f"unknown tag {tag!r}")
        self._hash(len(inner))  # before hashing any of them
        try:
            if tag == "set":
                return frozenset(self.decode(item, depth + 1) for item in inner)
            if not all(type(pair) is list and len(pair) == 2 for pair in inner):
                raise ValueError("malformed dict value")
            return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in inner}
        except TypeError as exc:  # an unhashable key or member
            raise ValueError(str(exc)) from exc


def frame(record: dict[str, Any]) -> bytes:
    """``record`` as one frame: 4-byte big-endian length, then compact JSON."""
    payload = json.dumps(record, separators=(",", ":"), allow_nan=True).encode("utf-8")
    return len(payload).to_bytes(4, "big") + payload


def unframe(buffer: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """Complete frames at the start of ``buffer`` and the unconsumed rest.

    Raises ``ValueError`` on a frame that is too long or is not a JSON object.
    """
    records: list[dict[str, Any]] = []
    at = 0
    while len(buffer) - at >= 4:
        size = int.from_bytes(buffer[at : at + 4], "big")
        if size > MAX_FRAME:
            raise ValueError(f"a record of {size} bytes is too long")
        if len(buffer) - at - 4 < size:
            break
        try:
            record = json.loads(buffer[at + 4 : at + 4 + size].decode("utf-8"))
        except (UnicodeDecodeError, RecursionError, ValueError) as exc:
            raise ValueError(f"a record is not JSON: {exc}") from exc
        if not isinstance(record, dict):
            raise ValueError("a record is not a JSON object")
        records.append(record)
        at += 4 + size
    return records, buffer[at:]
