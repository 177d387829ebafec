"""The ``lessonkit course`` actions that read or write an evidence store: ``plan``,
``assign``, ``unassign``, ``goal`` and ``export-record`` (registered by :mod:`.course`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from ..course.model import CourseDefinitionError

__all__ = ["load_or_say", "register_store_actions"]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def load_or_say(path: str) -> Any:
    """The course at ``path``, or ``None`` once its problems are printed."""
    from ..course import load_course

    try:
        return load_course(path)
    except CourseDefinitionError as exc:
        print(exc, file=sys.stderr)
        return None


def register_store_actions(actions: Any) -> None:
    """The actions that read or write a store."""
    p = actions.add_parser("plan", help="a learner's plan, or the class view (--class)")
    _store_args(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--learner", metavar="ID", help="default: the current learner")
    group.add_argument(
        "--class",
        dest="whole_class",
        action="store_true",
        help="the class by competency, and who is falling behind",
    )
    p.add_argument(
        "--today", type=_date, help="judge milestones and forgetting as of this date (noon UTC)"
    )
    p.add_argument(
        "--roster",
        metavar="FILE",
        help="with --class: the class list, one learner id a line (those without evidence "
        "are listed as not started)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_plan)

    p = actions.add_parser("assign", help="assign a milestone, competency or lesson")
    _store_args(p)
    p.add_argument("--learner", metavar="ID", action="append", default=[], help="repeatable")
    p.add_argument("--learners-file", metavar="FILE", help="a group: one learner id a line")
    _target_args(p, lesson=True)
    p.add_argument("--due", type=_date, help="target date YYYY-MM-DD")
    p.add_argument("--note", default="", help="a note to the learners")
    p.add_argument("--teacher", metavar="ID", help="default: the current user")
    p.set_defaults(func=_assign)

    p = actions.add_parser("unassign", help="withdraw an assignment")
    _store_args(p)
    p.add_argument("--learner", metavar="ID", required=True)
    p.add_argument("--goal", metavar="GOAL_ID", required=True, help="the assignment's id")
    p.add_argument("--teacher", metavar="ID", help="default: the current user")
    p.set_defaults(func=_unassign)

    p = actions.add_parser("goal", help="set (or remove) a learner's own goal")
    _store_args(p)
    p.add_argument("--learner", metavar="ID", help="default: the current learner")
    _target_args(p, lesson=False, remove=True)
    p.add_argument("--due", type=_date, help="target date YYYY-MM-DD")
    p.set_defaults(func=_goal)

    p = actions.add_parser("export-record", help="everything recorded about a learner")
    _store_args(p)
    p.add_argument("--learner", metavar="ID", help="default: the current learner")
    p.add_argument("--output", "-o", metavar="FILE", default="-", help="default stdout")
    p.set_defaults(func=_export)


def _store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("course", metavar="COURSE")
    p.add_argument("--store", metavar="URL", help="store URL or folder (default: configured)")


def _target_args(p: argparse.ArgumentParser, *, lesson: bool, remove: bool = False) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--milestone", metavar="ID")
    group.add_argument("--competency", metavar="ID")
    if lesson:
        group.add_argument("--lesson", metavar="ID")
    if remove:
        group.add_argument("--remove", metavar="GOAL_ID", help="remove this goal")


def _store(args: argparse.Namespace, *, create: bool = False) -> Any:
    from ..evidence.stores import open_store

    return open_store(args.store, create=create)


def _who(args: argparse.Namespace) -> Any:
    from ..evidence.identity import resolve_learner

    return args.learner or resolve_learner()


def _plan(args: argparse.Namespace) -> int:
    from ..course.recommend import recommend
    from ..course.report import class_report, plan_data, plan_text
    from ..course.storage import read_record, read_records
    from ..course.teacher import with_roster

    if args.roster and not args.whole_class:
        print("lessonkit: error: --roster goes with --class", file=sys.stderr)
        return 2
    course = load_or_say(args.course)
    if course is None:
        return 1
    as_of = datetime.combine(args.today, time(12), UTC) if args.today else None
    with _store(args) as store:
        if args.whole_class:
            records = read_records(course, store, as_of=as_of)
            if args.roster:
                records = with_roster(course, records, _lines(args.roster), as_of=as_of)
            print(class_report(course, records, today=args.today, as_json=args.json))
            return 0
        record = read_record(course, store, _who(args), as_of=as_of)
        if record.is_empty:
            _no_evidence(record.learner.id, read_records(course, store, as_of=as_of))
    plan = recommend(course, record, today=args.today)
    if args.json:
        print(json.dumps(plan_data(course, record, plan), indent=2))
    else:
        print(plan_text(course, record, plan))
    return 0


def _lines(path: str) -> list[str]:
    """The learner ids of a class-list file, one a line (blank lines skipped)."""
    from ..errors import StorageError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"{path}: cannot read the list of learners: {exc}") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def _no_evidence(learner: str, records: Mapping[Any, Any]) -> None:
    """Say that a plan is a newcomer's because the store knows nothing of ``learner``, and
    name the learners it does know that are spelt alike."""
    import difflib

    known = sorted({ref.id for ref in records})
    close = difflib.get_close_matches(learner, known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    print(
        f"lessonkit: warning: the store has no evidence of learner {learner!r} in this course"
        f"{hint}; the plan below is a newcomer's ({len(known)} learner(s) have evidence)",
        file=sys.stderr,
    )


def _target(args: argparse.Namespace) -> tuple[str, str]:
    for kind in ("milestone", "competency", "lesson"):
        value = getattr(args, kind, None)
        if value:
            return kind, value
    raise AssertionError("argparse requires one target")  # pragma: no cover


def _teacher(args: argparse.Namespace) -> Any:
    from ..evidence.events import LearnerRef
    from ..evidence.identity import resolve_learner

    return LearnerRef(id=args.teacher) if args.teacher else resolve_learner()


def _assign(args: argparse.Namespace) -> int:
    from ..course.storage import assign, read_record

    course = load_or_say(args.course)
    if course is None:
        return 1
    ids = list(args.learner)
    if args.learners_file:
        ids += _lines(args.learners_file)
    if not ids:
        print("lessonkit: error: name learners with --learner or --learners-file", file=sys.stderr)
        return 2
    kind, target = _target(args)
    with _store(args, create=True) as store:
        learners = [read_record(course, store, i).learner for i in dict.fromkeys(ids)]
        try:
            events = assign(
                store,
                course,
                learners,
                kind,
                target,
                teacher=_teacher(args),
                due=args.due,
                note=args.note,
            )
        except ValueError as exc:
            print(f"lessonkit: error: {exc}", file=sys.stderr)
            return 1
    for event in events:
        print(f"assigned {kind} {target} to {event.learner.id} (id {event.goal})")
    return 0


def _unassign(args: argparse.Namespace) -> int:
    from ..course.storage import read_record, unassign

    course = load_or_say(args.course)
    if course is None:
        return 1
    with _store(args, create=True) as store:
        record = read_record(course, store, args.learner)
        if all(a.id != args.goal for a in record.assignments):
            print(
                f"lessonkit: error: {args.learner} has no assignment {args.goal!r}", file=sys.stderr
            )
            return 1
        unassign(store, course, record.learner, args.goal, teacher=_teacher(args))
    print(f"withdrew {args.goal} from {args.learner}")
    return 0


def _goal(args: argparse.Namespace) -> int:
    from ..course.storage import read_record, remove_goal, set_goal

    course = load_or_say(args.course)
    if course is None:
        return 1
    with _store(args, create=True) as store:
        learner = read_record(course, store, _who(args)).learner
        if args.remove:
            remove_goal(store, course, learner, args.remove)
            print(f"removed goal {args.remove}")
            return 0
        kind, target = _target(args)
        try:
            event = set_goal(store, course, learner, kind, target, due=args.due)
        except ValueError as exc:
            print(f"lessonkit: error: {exc}", file=sys.stderr)
            return 1
    print(f"goal {event.goal}: {kind} {target}" + (f" by {args.due}" if args.due else ""))
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..course.export import export_record
    from ..course.storage import read_record

    course = load_or_say(args.course)
    if course is None:
        return 1
    with _store(args) as store:
        learner = read_record(course, store, _who(args)).learner
        data = export_record(course, store, learner, as_of=datetime.now(UTC))
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0
