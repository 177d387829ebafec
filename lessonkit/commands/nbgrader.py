"""``lessonkit nbgrader generate SOURCE DEST``: a lesson as an nbgrader source assignment;
``lessonkit nbgrader grade KEY EVIDENCE``: the grade a submission's evidence earns, computed
in this process from the files alone (nothing a student ran can change it), with copied
evidence, edited claims and deleted events flagged."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``nbgrader`` sub-command and its ``generate`` and ``grade`` actions."""
    parser = sub.add_parser(
        "nbgrader",
        help="use a lesson in an nbgrader assignment",
        description="Generate an nbgrader source assignment from a lesson, or grade the "
        "evidence of one submission (what autograde's grade cells compute).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    gen = actions.add_parser(
        "generate",
        help="write an nbgrader source notebook and the student copy of the lesson",
        description="Write <DEST>/<name>.ipynb (locked player and grade cells, answer key in "
        "hidden-test regions) and <DEST>/<name>.lesson.yaml (graded keys hashed or removed). "
        "DEST is normally <course>/source/<assignment>.",
    )
    gen.add_argument("source", metavar="SOURCE", help="lesson file or launcher notebook")
    gen.add_argument("dest", metavar="DEST", help="the assignment's source folder")
    gen.add_argument("--name", help="base name of the notebook (default: the lesson id)")
    gen.add_argument(
        "--mode",
        choices=("question", "total", "competency"),
        default="question",
        help="one grade cell per graded question (default), one in total, or one per "
        "competency (mastery from the graded questions)",
    )
    gen.add_argument("--points", type=float, help="points of each grade cell")
    gen.add_argument(
        "--force",
        action="store_true",
        help="generate even if DEST holds a lessonkit-evidence folder (a try-out)",
    )
    gen.set_defaults(func=run_generate)
    grade = actions.add_parser(
        "grade",
        help="grade one submission's evidence against the instructor's lesson",
    )
    grade.add_argument("key", metavar="LESSON", help="the instructor's lesson file (the key)")
    grade.add_argument(
        "evidence",
        metavar="EVIDENCE",
        help="a lessonkit-evidence folder, or a store URL such as the course service's "
        "hub+https://HUB/services/lessonkit/?learner=NAME (token: $LESSONKIT_HUB_TOKEN)",
    )
    grade.add_argument(
        "--student",
        help="the student to grade: their nbgrader student id or JupyterHub user name "
        "(default: <student> of a .../submitted/<student>/<assignment>/lessonkit-evidence "
        "path, else the one learner in EVIDENCE); only their evidence counts, anyone else's "
        "is named and not counted",
    )
    grade.add_argument(
        "--grades",
        metavar="STORE",
        help="a grade store you trust for teachers' rubric grades (the course's "
        "lessonkit-grades folder that import-grades writes, or a store URL); grades in "
        "EVIDENCE itself never count",
    )
    grade.add_argument("--json", action="store_true", help="print the report as JSON")
    grade.set_defaults(func=run_grade)
    imp = actions.add_parser(
        "import-grades",
        help="turn formgrader's manual rubric grades into lessonkit grade evidence",
        description="Read the manual scores and comments of the rubric criteria's task cells "
        "of ASSIGNMENT from the course's gradebook and write each graded answer's rubric grade "
        "to a grade store (default: <course>/lessonkit-grades). Unchanged grades are not "
        "written again; a changed one replaces the grade before it.",
    )
    imp.add_argument("assignment", metavar="ASSIGNMENT", help="the nbgrader assignment")
    imp.add_argument("--course", default=".", help="the course root (default: here)")
    imp.add_argument("--to", dest="store", help="the grade store (folder or store URL)")
    imp.add_argument("--grader", help="who graded (default: your login name)")
    imp.add_argument("--student", action="append", help="only this student (repeatable)")
    imp.set_defaults(func=run_import)


def run_generate(args: argparse.Namespace) -> int:
    """Generate the source assignment; exit 1 when the lesson cannot become one."""
    from ..errors import LessonDefinitionError
    from ..integrations.nbgrader_source import AssignmentError, generate_source

    try:
        made = generate_source(
            args.source,
            args.dest,
            name=args.name,
            mode=args.mode,
            points=args.points,
            force=args.force,
        )
    except (LessonDefinitionError, AssignmentError) as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {made.notebook}")
    print(f"wrote {made.lesson}")
    for grade_id, points in made.grade_cells.items():
        print(f"  grade cell {grade_id}: {points:g} points")
    for grade_id, points in made.task_cells.items():
        print(f"  task cell {grade_id}: {points:g} points, graded by hand with the rubric")
    recorded = sorted(q for q, how in made.live_checking.items() if how == "recorded")
    if recorded:
        print(
            "  answers to these graded questions are recorded for grading, not checked live "
            f"(their keys cannot be hidden otherwise): {', '.join(recorded)}"
        )
    for note in made.notes:
        print(f"  note: {note}")
    return 0


def _student_of(evidence: Path) -> str | None:
    """``<student>`` of ``…/{submitted,autograded}/<student>/<assignment>/<evidence>``."""
    parts = evidence.resolve().parts
    if len(parts) >= 4 and parts[-4] in ("submitted", "autograded"):
        return parts[-3]
    return None


def _trusted(store: str | None) -> list[Any] | None:
    """Every statement of a trusted grade store (``None``: no grades are trusted)."""
    if store is None:
        return None
    from ..evidence.stores import open_store

    with open_store(store, create=False) as opened:
        return list(opened.read())


def run_import(args: argparse.Namespace) -> int:
    """Import formgrader's rubric grades; exit 1 when a score names no level."""
    import getpass

    from ..errors import LessonkitError
    from ..integrations.nbgrader_import import import_grades

    try:
        done = import_grades(
            Path(args.course),
            args.assignment,
            store=args.store,
            grader=args.grader or getpass.getuser(),
            students=args.student,
        )
    except (LessonkitError, OSError) as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    for label, items in (("written", done.written), ("unchanged", done.unchanged)):
        print(f"{label}: {len(items)} grade(s){': ' if items else ''}{', '.join(items)}")
    if done.waiting:
        print(f"not graded in formgrader yet: {', '.join(done.waiting)}")
    for line in done.problems:
        print(f"lessonkit: error: {line}", file=sys.stderr)
    return 1 if done.problems else 0


def run_grade(args: argparse.Namespace) -> int:
    """Print what the evidence earns per question and competency, and anything to look at."""
    from ..errors import LessonDefinitionError
    from ..integrations.nbgrader import grade_report

    url = "://" in args.evidence  # a store URL such as the course service's
    evidence: str | Path = args.evidence if url else Path(args.evidence)
    student = args.student or (None if url else _student_of(Path(evidence)))
    try:
        report = grade_report(
            args.key, evidence=evidence, student=student, grades=_trusted(args.grades)
        )
    except LessonDefinitionError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    if report.student is None and report.learners:
        print(
            f"lessonkit: error: {args.evidence} holds the evidence of several learners "
            f"({', '.join(report.learners)}): pass --student NAME to say whose to grade",
            file=sys.stderr,
        )
        return 2
    earned, available = report.question_points()
    data = {
        "lesson": report.lesson_id,
        "student": report.student or student,
        "learners": report.learners,
        "sessions": report.sessions,
        "completed": report.completed,
        "score": earned,
        "max_score": available,
        "questions": {q.id: q.points for q in report.questions.values()},
        "pending": [q.id for q in report.questions.values() if q.pending],
        "mastery": {c.id: c.mastery for c in report.competencies.values()},
        "identity": report.identity,
        "impossible": report.impossible,
        "discrepancies": report.discrepancies,
        "gaps": report.gaps,
        "problems": report.problems,
    }
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    who = f" for {report.student}" if report.student else ""
    print(
        f"{report.lesson_id}{who}: {earned:g} / {available:g} points, {report.sessions} session(s)"
    )
    for q in report.questions.values():
        print(f"  question {q.id}: {q.points:g} / {q.max_points:g}")
    for c in report.competencies.values():
        print(f"  mastery {c.id}: {c.mastery:.2f}")
    for line in report.flagged + report.problems:
        print(f"  ! {line}")
    return 0
