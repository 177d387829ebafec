"""Read YAML into plain data while remembering where every node came from.

PyYAML's composer gives nodes with marks; we build plain Python values from them ourselves so
that every key and value gets a ``(line, column)``, duplicate keys are caught (plain loaders
silently keep the last one), and hostile input (alias bombs, deep nesting, odd encodings, huge
files) becomes a :class:`~lessonkit.errors.Problem`, never a traceback.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import Problem

__all__ = ["MAX_ALIAS_NODES", "MAX_BYTES", "MAX_NODES", "Located", "decode_source", "parse_yaml"]

MAX_BYTES = 5 * 1024 * 1024
"""Lesson files larger than this are refused (a 500-step lesson is about 100 KB, a 20,000-step
one about 4 MB: split anything larger into several lessons)."""
MAX_NODES = 1_000_000
"""Refuse documents with more nodes than this (a typical step has 10-25; a 20,000-step lesson
about 250,000). Without aliases the size limit already bounds this; it is a second fence."""
MAX_ALIAS_NODES = 100_000
"""Refuse documents whose aliases expand to more nodes than this: "billion laughs" files
expand a few lines to billions of nodes. Counting only nodes reached again through an alias
keeps the guard tight without limiting how large a plain lesson may be."""
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
    """Plain data, and the YAML node tree it was built from (for positions, found on demand).

    Positions are looked up only for the few paths a problem names, by walking the node tree,
    rather than recorded for every node of every lesson loaded.
    """

    data: Any = None
    root: yaml.Node | None = None

    def _trail(self, path: Path) -> list[tuple[yaml.Node | None, yaml.Node]]:
        """``(key node, value node)`` for each prefix of ``path`` present in the tree."""
        if self.root is None:
            return []
        trail: list[tuple[yaml.Node | None, yaml.Node]] = [(None, self.root)]
        node = self.root
        for part in path:
            found: tuple[yaml.Node | None, yaml.Node] | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                # the first plain key of that name: the one the data kept
                found = next(
                    (
                        (k, v)
                        for k, v in node.value
                        if isinstance(k, yaml.ScalarNode) and str(k.value) == part
                    ),
                    None,
                )
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                found = (None, node.value[part])
            if found is None:
                break
            trail.append(found)
            node = found[1]
        return trail

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the node at ``path`` (or its key), else its nearest parent."""
        trail = self._trail(path)
        if not trail:
            return (1, 1)
        key_node, value_node = trail[-1]
        mark = (key_node if key and key_node is not None else value_node).start_mark
        return (mark.line + 1, mark.column + 1)

    def quote_style(self, path: Path) -> str | None:
        """``'`` or ``"`` when the value at ``path`` is a quoted scalar (offsets inside strings
        start one column later), else ``None``."""
        trail = self._trail(path)
        if len(trail) != len(path) + 1:
            return None
        style = getattr(trail[-1][1], "style", None)
        return style if style in ("'", '"') else None


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
        return located, [_marked_problem(exc, source, text)]
    except yaml.YAMLError as exc:
        return located, [Problem(f"YAML syntax error: {exc}", source, 1, 1)]
    except RecursionError:
        return located, [_depth_problem(text, source)]
    if node is None:
        return located, [
            Problem("the file is empty; a lesson needs id, title and steps", source, 1, 1)
        ]
    builder = _Builder(source)
    located.root = node
    located.data = builder.build(node, 0)
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


def _marked_problem(exc: yaml.MarkedYAMLError, source: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    hint = _yaml_hint(what, line, text)
    return Problem(f"YAML syntax error: {what}{context}{hint}", source, line, column)


def _yaml_hint(what: str, line: int, text: str) -> str:
    """What usually causes PyYAML's message, in an author's terms."""
    lines = text.split("\n", line)
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here[: len(here) - len(here.lstrip())]:
        return f"; line {line} is indented with a tab: YAML needs spaces"
    if "mapping values are not allowed" in what:
        return f"; check the indentation of line {line}, or quote a value containing ': '"
    if what.startswith(("did not find expected", "could not find expected", "expected <block")):
        return (
            f"; check the indentation of line {line} and the line above it (the keys of a "
            "mapping line up; list items start with '- '), or the quotes of a value there"
        )
    return ""


_STR = "tag:yaml.org,2002:str"


class _Builder:
    """Plain values from a node tree, within the size, depth and alias-expansion limits."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.count = 0
        self.expanded = 0
        self.seen: set[int] = set()
        self.constructor = _Loader("")

    def _problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(message, self.source, mark.line + 1, mark.column + 1))

    def build(self, node: yaml.Node, depth: int, aliased: bool = False) -> Any:
        self.count += 1
        if not aliased:
            # an alias is the very node object of its anchor: meeting one again means the
            # whole subtree below is an expansion
            aliased = id(node) in self.seen
            self.seen.add(id(node))
        if aliased:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_NODES:
                if self.expanded == MAX_ALIAS_NODES + 1:
                    self._problem(
                        node,
                        f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes "
                        "(an alias bomb?); repeat the content instead",
                    )
                return None
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                self._problem(
                    node,
                    f"document has more than {MAX_NODES} nodes; split it into several lessons",
                )
            return None
        if depth > MAX_DEPTH:
            self._problem(node, f"nested deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(node, yaml.ScalarNode):
            # most scalars are text, which needs no constructing
            return node.value if node.tag == _STR else self._scalar(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth, aliased)
        return [self.build(item, depth + 1, aliased) for item in node.value]

    def _scalar(self, node: yaml.Node) -> Any:
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

    def _mapping(self, node: yaml.MappingNode, depth: int, aliased: bool) -> dict[str, Any]:
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
            out[key] = self.build(value_node, depth + 1, aliased)
        return out
