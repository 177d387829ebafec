"""``lessonkit play LESSON --responses FILE [--json]``: a headless, scripted run."""

from __future__ import annotations

import argparse
import json
import sys

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
        "--store",
        default=None,
        metavar="URL",
        help="also record the evidence in this store (e.g. sqlite:///x.db)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Play the lesson; exit 0 when it completed, 1 when the script stopped early."""
    try:
        lesson = load_lesson(args.lesson)
    except LessonDefinitionError as exc:
        print(exc, file=sys.stderr)
        return 1
    script = load_script(args.responses)
    store = None
    if args.store:
        from ..evidence.stores import open_store

        store = open_store(args.store)
    try:
        result = play(lesson, script, seed=args.seed, learner=args.learner, store=store)
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
