"""``lessonkit course new|validate|graph|simulate|plan|assign|unassign|goal|export-record``.

- ``new TITLE`` — write a course file over lesson files (``course.scaffold``).
- ``validate COURSE...`` — check course files and the lessons they name (``FILE:LINE:COL``).
- ``graph COURSE`` — the prerequisite graph and the lessons, as Mermaid or DOT.
- ``simulate COURSE`` — simulated learners through the whole course: steps to each milestone
  and false mastery under the recommendation policy and under a fixed order.
- ``plan COURSE --learner ID`` — a learner's plan from a store; ``--class`` for the class by
  competency and the learners falling behind.
- ``assign`` / ``unassign`` — a teacher assigns a milestone, competency or lesson to learners.
- ``goal`` — set (or ``--remove``) a learner's own goal.
- ``export-record COURSE --learner ID`` — everything recorded about a learner, and their record.

Exit codes: 0 done, 1 the input was found wanting (invalid course, unreadable store, unknown
target), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._course_records import load_or_say, register_store_actions


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``course`` sub-command and its actions."""
    parser = sub.add_parser(
        "course",
        help="courses: validate, graph, simulate, learning plans, assignments, exports",
        description="Work with a course file (*.course.yaml): competencies with prerequisites, "
        "lessons, milestones, and each learner's record and plan from an evidence store.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    parser.set_defaults(func=lambda _args: _usage(parser))

    p = actions.add_parser(
        "new",
        help="create a course file over lesson files (like `lessonkit new` for a lesson)",
        description="Write DIR/ID.course.yaml for TITLE over the given lessons (default: every "
        "*.lesson.yaml under DIR; with none, a first lesson is created too). Each lesson "
        "develops the competencies it is the first to declare and requires those an earlier "
        "lesson develops. An existing file is never overwritten.",
    )
    p.add_argument("title", metavar="TITLE", help="the course's title, e.g. 'Probability'")
    p.add_argument("--dir", default=".", help="where to write it (default: here)")
    p.add_argument(
        "--lesson",
        dest="lessons",
        action="append",
        default=[],
        metavar="FILE",
        help="a lesson file of the course, in teaching order (repeatable)",
    )
    p.set_defaults(func=_new)

    p = actions.add_parser("validate", help="check course files and their lessons")
    p.add_argument("courses", nargs="+", metavar="COURSE", help="course file(s) or folder(s)")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(func=_validate)

    p = actions.add_parser("graph", help="draw the prerequisite graph (Mermaid or DOT)")
    p.add_argument("course", metavar="COURSE")
    p.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    p.set_defaults(func=_graph)

    p = actions.add_parser(
        "simulate", help="simulated learners: recommendation policy vs a fixed order"
    )
    p.add_argument("course", metavar="COURSE")
    p.add_argument("--learners", "-n", type=_positive, default=500, help="default 500")
    p.add_argument("--seed", type=int, default=0, help="default 0")
    p.add_argument(
        "--known",
        type=_share,
        help="P(knowing a competency at the start, given its "
        "prerequisites); default: each competency's prior",
    )
    p.add_argument(
        "--unready-learn",
        type=_share,
        default=1.0,
        help="factor on P(learn) while a prerequisite is not known (default 1: no effect)",
    )
    p.add_argument("--max-steps", type=_positive, default=600, help="budget per learner")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_simulate)

    register_store_actions(actions)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate_paths

    return validate_paths(args.courses, quiet=args.quiet, only="course")


def _new(args: argparse.Namespace) -> int:
    from ..course.scaffold import new_course
    from ..errors import LessonDefinitionError

    try:
        path = new_course(args.title, Path(args.dir), [Path(f) for f in args.lessons])
    except LessonDefinitionError as exc:
        for problem in exc.problems:
            print(
                f"lessonkit: error: {problem if problem.line else problem.message}", file=sys.stderr
            )
        return 1
    print(f"created {path}")
    print(f"  next: edit it, then run `lessonkit course validate {path}`")
    return 0


def _graph(args: argparse.Namespace) -> int:
    from ..course.graph import to_dot, to_mermaid

    course = load_or_say(args.course)
    if course is None:
        return 1
    print(to_dot(course) if args.format == "dot" else to_mermaid(course))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from ..course.report import simulation_text
    from ..course.simulate import CourseLearnerModel, simulate_course, summary

    course = load_or_say(args.course)
    if course is None:
        return 1
    model = CourseLearnerModel(
        known=args.known, unready_learn=args.unready_learn, max_steps=args.max_steps
    )
    try:
        results = simulate_course(course, learners=args.learners, seed=args.seed, model=model)
    except ValueError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    data = summary(course, results, model.max_steps)
    if args.json:
        print(json.dumps({**data, "learners": args.learners, "seed": args.seed}, indent=2))
    else:
        print(simulation_text(course, data, args.learners))
    return 0
