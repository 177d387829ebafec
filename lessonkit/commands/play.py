"""``lessonkit play LESSON --responses FILE [--json]``: a headless, scripted run."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..engine.play import load_script, play
from ..errors import LessonDefinitionError
from ..lesson.loader import load_lesson


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``play`` sub-command."""
    parser = sub.add_parser(
        "play",
        help="run a lesson headless with scripted responses",
        description="Run a lesson with scripted responses (a YAML/JSON mapping from step id, "
        "or practice item id, to the answers, hints and choices given there; {correct: true} "
        "and {wrong: true} answer right or wrong without knowing the answer; see 'Try it "
        "headless' in docs/authoring.md) and report the path taken, the score and the mastery "
        "reached. Deterministic for a given seed.",
    )
    parser.add_argument("lesson", metavar="LESSON", help="lesson file (*.lesson.yaml)")
    parser.add_argument(
        "--responses", "-r", required=True, metavar="FILE", help="scripted responses (YAML or JSON)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=0, help="seed for variants (default 0)")
    parser.add_argument("--learner", default="player", help="learner id (default 'player')")
    parser.add_argument(
        "--lang",
        metavar="TAG",
        help="play in this language (BCP 47 tag, e.g. es): the lesson's translation where it "
        "has one, and numbers answered as that language writes them (3,5 in es or de)",
    )
    parser.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="also record the evidence in this store (e.g. sqlite:///x.db)",
    )
    parser.add_argument(
        "--course",
        metavar="COURSE",
        help="start from the learner's record in this course (mastery and profile carried in "
        "from --store), as a launcher with course= does",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Play the lesson; exit 0 when it completed, 1 when the script stopped early."""
    from ..lesson.translated import LANGUAGE_TAG

    if args.lang is not None and not LANGUAGE_TAG.fullmatch(args.lang):
        print(f"lessonkit: error: --lang {args.lang!r} is not a language tag", file=sys.stderr)
        return 2
    try:
        lesson = load_lesson(args.lesson)
    except LessonDefinitionError as exc:
        print(exc, file=sys.stderr)
        return 1
    script = load_script(args.responses)
    if args.course and not args.store:
        print(
            "lessonkit: error: --course reads the learner's record: give --store", file=sys.stderr
        )
        return 2
    store = None
    if args.store:
        from ..evidence.stores import open_store

        store = open_store(args.store)
    try:
        session = _stored_session(args, lesson, store) if store is not None else None
        if store is not None and session is None:
            return 1
        result = play(
            lesson,
            script,
            seed=args.seed,
            learner=args.learner,
            session=session,
            language=args.lang,
        )
    finally:
        if store is not None:
            store.close()
    data = result.to_json()
    if args.json:
        json.dump(data, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        print(f"path: {' -> '.join(data['path'])}")
        print(f"score: {data['score']:g} / {data['max_score']:g}")
        for cid, p in data["mastery"].items():
            print(f"mastery {cid}: {p:.2f}{' (mastered)' if cid in data['mastered'] else ''}")
        if result.error:
            print(f"stopped at {result.stopped_at}: {result.error}", file=sys.stderr)
    return 0 if result.completed else 1


def _stored_session(args: argparse.Namespace, lesson: Any, store: Any) -> Any:
    """A new session recording into ``store``, at the real time and with a fresh
    registration (each run is one more session of the learner, read back in the order it
    happened), started from the learner's course record with ``--course`` (``None`` once a
    problem is printed)."""
    import uuid

    from ..engine.session import LessonSession

    start: dict[str, Any] = {}
    if args.course:
        from ..course import load_course
        from ..course.model import CourseDefinitionError
        from ..course.storage import read_record

        try:
            course = load_course(args.course)
        except CourseDefinitionError as exc:
            print(exc, file=sys.stderr)
            return None
        if not course.has_lesson(lesson.id):
            message = f"course {course.id!r} has no lesson {lesson.id!r}"
            print(f"lessonkit: error: {message}", file=sys.stderr)
            return None
        start = read_record(course, store, args.learner).session_start(course, lesson.id)
    registration = str(uuid.uuid4())
    return LessonSession(
        lesson,
        learner=args.learner,
        seed=args.seed,
        store=store,
        registration=registration,
        language=args.lang,
        **start,
    )
