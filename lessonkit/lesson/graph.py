"""The branch graph of a lesson: Mermaid or Graphviz DOT text, and its strongly connected parts.

Nodes are steps (shaped by kind: choices are decisions, practice pools are subroutines with a
loop back to themselves, ends are terminals); edges are every way to leave a step, labelled with
the rule's condition, ``default`` for a branch's default when it has rules, or the option value
for a choice option that jumps somewhere. A plain ``next: step`` edge is unlabelled.

>>> from lessonkit.lesson.model import Lesson, Content, End, Branch, Rule
>>> lesson = Lesson(id="l", title="L", steps=(
...     Content(id="a", next=Branch(rules=(Rule(when="visits('a') < 2", goto="a"),), default="z")),
...     End(id="z")))
>>> print(to_mermaid(lesson))  # doctest: +NORMALIZE_WHITESPACE
flowchart TD
    n0["a"]
    n1(["z"])
    n0 -->|"visits('a') #lt; 2"| n0
    n0 -->|"default"| n1
    classDef start stroke-width:3px
    class n0 start
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import Choice, Lesson, Practice, Step

__all__ = [
    "Edge",
    "dot_text",
    "edges",
    "mermaid_text",
    "node_label",
    "strongly_connected",
    "to_dot",
    "to_mermaid",
]


@dataclass(frozen=True, slots=True)
class Edge:
    """A way to leave ``source`` for ``target``; ``label`` may be empty."""

    source: str
    target: str
    label: str
    kind: str
    """``rule``, ``default``, ``next``, ``option`` or ``practice`` (a pool's next item)."""


def edges(lesson: Lesson) -> list[Edge]:
    """Every edge of the branch graph, in step order then rule order."""
    found: list[Edge] = []
    for step in lesson.steps:
        if isinstance(step, Practice):
            found.append(
                Edge(step.id, step.id, f"next item until mastered or {step.max_items}", "practice")
            )
        if isinstance(step, Choice):
            found.extend(Edge(step.id, o.goto, o.value, "option") for o in step.options if o.goto)
        branch = step.next
        if branch is None:
            continue
        for rule in branch.rules:
            text = rule.when if isinstance(rule.when, str) else "(Python condition)"
            found.append(Edge(step.id, rule.goto, text, "rule"))
        # a lone `next:` needs no label, unless a choice also has option jumps beside it
        labelled = bool(branch.rules) or any(e.source == step.id for e in found)
        found.append(
            Edge(
                step.id,
                branch.default,
                "default" if labelled else "",
                "default" if labelled else "next",
            )
        )
    return found


def node_label(step: Step) -> str:
    """The step id, with its title when it has one."""
    return f"{step.id}: {step.title}" if step.title else step.id


def _mermaid_text(text: str) -> str:
    # Mermaid reads entity codes inside quoted labels; '#' starts one, so escape it first.
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text.replace("\n", " ")


_MERMAID_SHAPES = {  # (open, close) around the quoted label
    "content": ("[", "]"),
    "question": ("(", ")"),
    "exercise": ("(", ")"),
    "choice": ("{", "}"),
    "practice": ("[[", "]]"),
    "end": ("([", "])"),
}


def to_mermaid(lesson: Lesson) -> str:
    """The branch graph as a Mermaid ``flowchart``."""
    ids = {step.id: f"n{i}" for i, step in enumerate(lesson.steps)}
    lines = ["flowchart TD"]
    for step in lesson.steps:
        left, right = _MERMAID_SHAPES.get(step.kind, ("[", "]"))
        lines.append(f'    {ids[step.id]}{left}"{_mermaid_text(node_label(step))}"{right}')
    for edge in edges(lesson):
        arrow = "-.->" if edge.kind == "practice" else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"    {ids[edge.source]} {arrow}{label} {ids.get(edge.target, edge.target)}")
    lines.append("    classDef start stroke-width:3px")
    lines.append(f"    class {ids[lesson.start_id]} start")
    return "\n".join(lines)


def _dot_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


_DOT_SHAPES = {
    "content": "box",
    "question": "box, style=rounded",
    "exercise": "box, style=rounded",
    "choice": "diamond",
    "practice": "box3d",
    "end": "doublecircle",
}


def to_dot(lesson: Lesson) -> str:
    """The branch graph as a Graphviz ``digraph``."""
    lines = [f"digraph {_dot_text(lesson.id)} {{", "    rankdir=TB;", "    node [fontname=sans];"]
    for step in lesson.steps:
        shape = _DOT_SHAPES.get(step.kind, "box")
        extra = ", penwidth=3" if step.id == lesson.start_id else ""
        label = _dot_text(node_label(step))
        lines.append(f"    {_dot_text(step.id)} [label={label}, shape={shape}{extra}];")
    for edge in edges(lesson):
        attrs = [f"label={_dot_text(edge.label)}"] if edge.label else []
        if edge.kind == "practice":
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {_dot_text(edge.source)} -> {_dot_text(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines)


def strongly_connected(edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (lessons may have thousands of steps)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                result.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


dot_text = _dot_text
"""Text as a quoted, escaped DOT id or label (also used by course graphs)."""
mermaid_text = _mermaid_text
"""Text for a quoted Mermaid label, entity-escaped (also used by course graphs)."""
