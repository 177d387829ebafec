"""``lessonkit graph LESSON --format mermaid|dot``: print a lesson's branch graph."""

from __future__ import annotations

import argparse
import sys

from ..errors import LessonDefinitionError
from ..lesson.loader import load_lesson


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``graph`` sub-command."""
    parser = sub.add_parser(
        "graph",
        help="print a lesson's branch graph (Mermaid or Graphviz DOT)",
        description="Print the branch graph of a lesson: one node per step (shaped by kind), "
        "one edge per way to leave it, labelled with the rule's condition, 'default', or the "
        "choice option that jumps there. Paste Mermaid into Markdown (GitHub, JupyterLab) or "
        "render DOT with `dot -Tsvg`.",
    )
    parser.add_argument("lesson", metavar="LESSON", help="lesson file (*.lesson.yaml)")
    parser.add_argument(
        "--format",
        "-f",
        choices=("mermaid", "dot"),
        default="mermaid",
        help="output format (default mermaid)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the graph; exit 1 when the lesson does not load."""
    from ..lesson.graph import to_dot, to_mermaid

    try:
        lesson = load_lesson(args.lesson)
    except LessonDefinitionError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(to_mermaid(lesson) if args.format == "mermaid" else to_dot(lesson))
    return 0
