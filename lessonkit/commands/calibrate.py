"""``lessonkit calibrate STORE LESSON``: refit a lesson's BKT parameters to class evidence."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..errors import LessonDefinitionError, StorageError
from ..lesson.model import MasteryParams


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``calibrate`` sub-command."""
    parser = sub.add_parser(
        "calibrate",
        help="fit a lesson's mastery parameters (BKT) to the evidence in a store",
        description="Fit prior, learn, guess and slip of each competency by EM to the first "
        "attempts recorded for the lesson, and write the lesson with the new `mastery:` values.",
    )
    parser.add_argument("store", metavar="STORE", help="store URL or folder")
    parser.add_argument("lesson", metavar="LESSON", help="lesson file (*.lesson.yaml)")
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="where to write (default: overwrite LESSON)"
    )
    parser.add_argument(
        "--min-sessions",
        type=int,
        default=20,
        help="skip competencies with fewer sessions of evidence (default 20)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Calibrate; 0 written, 1 unreadable store or lesson, or no evidence to fit."""
    from ..analytics.calibration import calibrate
    from ..analytics.frame import load_frame
    from ..lesson.loader import load_lesson, save_lesson

    try:
        lesson = load_lesson(args.lesson)
        frame = load_frame(args.store, lesson=lesson.id)
    except (LessonDefinitionError, StorageError) as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    fitted = calibrate(frame, lesson, min_sequences=args.min_sessions)
    if not fitted:
        print(
            f"lessonkit: error: no competency of {lesson.id!r} has evidence from "
            f"{args.min_sessions} sessions",
            file=sys.stderr,
        )
        return 1
    competencies = tuple(
        replace(c, mastery=_rounded(fitted[c.id])) if c.id in fitted else c
        for c in lesson.competencies
    )
    target = save_lesson(replace(lesson, competencies=competencies), args.output or args.lesson)
    for cid, p in fitted.items():
        print(
            f"{cid}: prior {p.prior:.3f}  learn {p.learn:.3f}  guess {p.guess:.3f}  "
            f"slip {p.slip:.3f}"
        )
    print(f"wrote {target}")
    return 0


def _rounded(params: MasteryParams) -> MasteryParams:
    return replace(
        params,
        prior=round(params.prior, 4),
        learn=round(params.learn, 4),
        guess=round(params.guess, 4),
        slip=round(params.slip, 4),
        forget=round(params.forget, 4),
    )
