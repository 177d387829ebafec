"""``lessonkit simulate LESSON --learners N --seed S [--json]``: simulated learners."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import LessonDefinitionError
from ..lesson.loader import load_lesson


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` sub-command."""
    parser = sub.add_parser(
        "simulate",
        help="run simulated learners through a lesson and report paths, mastery and stuck steps",
        description="Simulated learners with hidden knowledge (BKT, with the lesson's own "
        "parameters) run the lesson's real branching, mastery and practice-selection code. "
        "The report shows the distribution of paths, steps taken, the share completing and "
        "reaching mastery, and where learners get stuck. Deterministic for a given seed.",
    )
    parser.add_argument("lesson", metavar="LESSON", help="lesson file (*.lesson.yaml)")
    parser.add_argument(
        "--learners", "-n", type=_positive, default=1000, help="how many (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--hint-rate", type=_share, default=0.1, help="chance of taking a hint (default 0.1)"
    )
    parser.add_argument(
        "--patience",
        type=_positive,
        default=3,
        help="attempts at a question without a limit before moving on (default 3)",
    )
    parser.add_argument(
        "--engine",
        choices=("fast", "session"),
        default="fast",
        help="'session' runs a full LessonSession per learner (slower; cannot answer code, "
        "frame, free or custom checks)",
    )
    parser.add_argument("--top", type=_positive, default=5, help="paths to list (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate; exit 0 when the run finished (whatever it found), 1 for a broken lesson."""
    from ..simulation import LearnerModel, UnanswerableError, simulate

    try:
        lesson = load_lesson(args.lesson)
    except LessonDefinitionError as exc:
        print(exc, file=sys.stderr)
        return 1
    model = LearnerModel(hint_rate=args.hint_rate, patience=args.patience)
    try:
        report = simulate(
            lesson, learners=args.learners, seed=args.seed, model=model, engine=args.engine
        )
    except UnanswerableError as exc:
        print(f"lessonkit: error: the session engine cannot answer: {exc}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(report.to_json(top=args.top), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(report.to_text(top=args.top))
    return 0
