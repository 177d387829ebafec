"""The course as a graph: competencies with their prerequisites, and the lessons developing them.

``lessonkit course graph`` prints it as Mermaid (default) or Graphviz DOT. An arrow goes from a
prerequisite to what requires it: a competency, or a lesson that lists it in its own
``requires`` (that arrow is labelled ``requires``); a lesson is a box with a dashed arrow to
each competency it develops (a placement check has none).
"""

from __future__ import annotations

from ..lesson.graph import dot_text as _dot_text
from ..lesson.graph import mermaid_text as _mermaid_text
from .model import Course

__all__ = ["to_dot", "to_mermaid"]


def to_mermaid(course: Course) -> str:
    """The course graph as a Mermaid flowchart (node ids ``c0…`` and ``l0…``, labels quoted)."""
    ids = {c.id: f"c{i}" for i, c in enumerate(course.competencies)}
    lines = ["flowchart LR"]
    for comp in course.competencies:
        lines.append(f'    {ids[comp.id]}(["{_mermaid_text(comp.label)}"])')
    for comp in course.competencies:
        lines.extend(f"    {ids[before]} --> {ids[comp.id]}" for before in comp.requires)
    for i, entry in enumerate(course.lessons):
        label = entry.label + (" (placement)" if entry.kind == "placement" else "")
        lines.append(f'    l{i}["{_mermaid_text(label)}"]')
        lines.extend(f"    l{i} -.-> {ids[cid]}" for cid in entry.develops)
        lines.extend(f"    {ids[cid]} -- requires --> l{i}" for cid in entry.requires)
    return "\n".join(lines)


def to_dot(course: Course) -> str:
    """The course graph in Graphviz DOT."""
    lines = [f"digraph {_dot_text(course.id)} {{", "    rankdir=LR;"]
    for comp in course.competencies:
        lines.append(f"    {_dot_text(comp.id)} [shape=ellipse, label={_dot_text(comp.label)}];")
    for comp in course.competencies:
        lines.extend(
            f"    {_dot_text(before)} -> {_dot_text(comp.id)};" for before in comp.requires
        )
    for entry in course.lessons:
        node = _dot_text(f"lesson:{entry.id}")
        lines.append(f"    {node} [shape=box, label={_dot_text(entry.label)}];")
        lines.extend(f"    {node} -> {_dot_text(cid)} [style=dashed];" for cid in entry.develops)
        lines.extend(
            f'    {_dot_text(cid)} -> {node} [label="requires"];' for cid in entry.requires
        )
    lines.append("}")
    return "\n".join(lines)
