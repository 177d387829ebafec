"""Read YAML into plain data while remembering where every node came from.

PyYAML's composer gives nodes with marks; we build plain Python values from them ourselves so
that every key and value gets a ``(line, column)``, duplicate keys are caught (plain loaders
silently keep the last one), and hostile input (alias bombs, deep nesting, odd encodings, huge
files) becomes a :class:`~lessonkit.errors.Problem`, never a traceback.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Problem

__all__ = ["MAX_BYTES", "Located", "decode_source", "parse_yaml"]

MAX_BYTES = 5 * 1024 * 1024
"""Lesson files larger than this are refused (a 500-step lesson is about 100 KB)."""
MAX_NODES = 200_000
"""Refuse documents that expand (e.g. through aliases) to more nodes than this."""
MAX_DEPTH = 64
"""Refuse documents nested deeper than this; no lesson needs more than about 10."""

Path = tuple[str | int, ...]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class Located:
    """Plain data plus the position of each value and each mapping key, by path."""

    data: Any = None
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    styles: dict[Path, str] = field(default_factory=dict)
    """Quote style of quoted scalars (``'`` or ``"``), for offsets inside strings."""

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the node at ``path`` (or its key), else its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))


def decode_source(raw: bytes, source: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text: UTF-8 (or a BOM-marked UTF-16/32); a precise problem otherwise."""
    if len(raw) > MAX_BYTES:
        size = f"{len(raw) / 1_048_576:.1f} MB"
        limit = f"{MAX_BYTES // 1_048_576} MB"
        return None, [Problem(f"file is too large ({size}; the limit is {limit})", source, 1, 1)]
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = (
            f"file is not valid {encoding.upper()} text (byte 0x{raw[exc.start]:02x}); "
            "save it as UTF-8"
        )
        return None, [Problem(msg, source, line, column)]


def parse_yaml(text: str, source: str) -> tuple[Located, list[Problem]]:
    """Parse one YAML document; returns located data and any problems found."""
    located = Located()
    try:
        node = yaml.compose(text, Loader=_ComposeLoader)
    except yaml.MarkedYAMLError as exc:
        return located, [_marked_problem(exc, source)]
    except yaml.YAMLError as exc:
        return located, [Problem(f"YAML syntax error: {exc}", source, 1, 1)]
    except RecursionError:
        return located, [_depth_problem(text, source)]
    if node is None:
        return located, [
            Problem("the file is empty; a lesson needs id, title and steps", source, 1, 1)
        ]
    builder = _Builder(source, located)
    located.data = builder.build(node, (), 0)
    return located, builder.problems


class _Loader(yaml.SafeLoader):
    """SafeLoader used only for constructing scalars."""


# libyaml's composer is much faster on large lessons; both give the same nodes and marks.
_ComposeLoader = getattr(yaml, "CSafeLoader", _Loader)


def _depth_problem(text: str, source: str) -> Problem:
    """Locate the first node nested deeper than MAX_DEPTH (the event parser is iterative)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_ComposeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    assert mark is not None  # the parser always sets marks
                    return Problem(
                        f"nested deeper than {MAX_DEPTH} levels",
                        source,
                        mark.line + 1,
                        mark.column + 1,
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return Problem(f"nested deeper than {MAX_DEPTH} levels", source, 1, 1)


def _marked_problem(exc: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return Problem(f"YAML syntax error: {what}{context}", source, line, column)


class _Builder:
    def __init__(self, source: str, located: Located) -> None:
        self.source = source
        self.located = located
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = _Loader("")

    def _problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(message, self.source, mark.line + 1, mark.column + 1))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                self._problem(
                    node, f"document expands to more than {MAX_NODES} nodes (too many aliases?)"
                )
            return None
        if depth > MAX_DEPTH:
            self._problem(node, f"nested deeper than {MAX_DEPTH} levels")
            return None
        self.located.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        style = getattr(node, "style", None)
        if style in ("'", '"'):
            self.located.styles[path] = style
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            if node.tag.startswith("tag:yaml.org,2002:python/") or "constructor" in str(exc):
                self._problem(
                    node, f"unsupported YAML tag {node.tag!r}: lesson files hold plain values only"
                )
            else:
                problem = getattr(exc, "problem", None) or str(exc)
                self._problem(node, f"unsupported YAML value: {problem}")
            return None
        except (ValueError, OverflowError, ArithmeticError):
            # PyYAML's resolver accepts scalars its constructor then fails on (e.g. '0b_').
            kind = node.tag.rsplit(":", 1)[-1]
            text = str(node.value)[:40]
            self._problem(
                node, f"{text!r} looks like a YAML {kind} but is not one; quote it for text"
            )
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._problem(key_node, "YAML merge keys ('<<') are not supported in lessons")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "mapping keys must be plain text")
                continue
            key = str(key_node.value)
            if key in first_seen:
                self._problem(
                    key_node, f"duplicate key {key!r} (first given on line {first_seen[key]})"
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            self.located.keys[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            out[key] = self.build(value_node, child, depth + 1)
        return out
