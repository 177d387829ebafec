"""``lessonkit hub serve|copy|status|upgrade-db|delete-learner|purge``: the JupyterHub course
service and the administration of its database."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``hub`` sub-command and its actions."""
    parser = sub.add_parser(
        "hub",
        help="the JupyterHub course service (evidence, keys on the server, class view)",
        description="Run the lessonkit course service for JupyterHub, make learners' copies "
        "of lessons whose keys stay on the service, and manage stored learner data. "
        "See docs/jupyterhub.md.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve", help="run the service (as a hub-managed or external service)"
    )
    serve.add_argument("--config", metavar="FILE", help="default $LESSONKIT_HUB_CONFIG")
    serve.add_argument("--ip", help="address to bind (default: from $JUPYTERHUB_SERVICE_URL)")
    serve.add_argument("--port", type=int, help="port (default: from $JUPYTERHUB_SERVICE_URL)")
    serve.set_defaults(func=run_serve)

    copy = actions.add_parser(
        "copy", help="write the learner's copy of a lesson: every key stays on the service"
    )
    copy.add_argument("lesson", metavar="LESSON", help="the instructor's lesson file")
    copy.add_argument("-o", "--output", metavar="FILE", default="-", help="default stdout")
    copy.add_argument(
        "--code-checks",
        choices=("service", "learner"),
        default="service",
        help="run learners' code on the service (default) or in their own server",
    )
    copy.set_defaults(func=run_copy)

    status = actions.add_parser("status", help="check the configuration and count stored data")
    status.add_argument("--config", metavar="FILE", help="default $LESSONKIT_HUB_CONFIG")
    status.set_defaults(func=run_status)

    upgrade = actions.add_parser(
        "upgrade-db",
        help="upgrade the service database's schema (the service also does at start)",
        description="Bring the service database to the schema this lessonkit needs, in one "
        "transaction. --dry-run lists the pending changes, --sql prints their SQL; neither "
        "changes anything.",
    )
    upgrade.add_argument("--config", metavar="FILE", help="default $LESSONKIT_HUB_CONFIG")
    show = upgrade.add_mutually_exclusive_group()
    show.add_argument("--dry-run", action="store_true", help="list what would change")
    show.add_argument("--sql", action="store_true", help="print the SQL that would run")
    upgrade.set_defaults(func=run_upgrade)

    delete = actions.add_parser(
        "delete-learner", help="delete everything stored about a learner (all or one course)"
    )
    delete.add_argument("learner", metavar="NAME", help="the learner's JupyterHub user name")
    delete.add_argument("--config", metavar="FILE", help="default $LESSONKIT_HUB_CONFIG")
    delete.add_argument("--course", help="only this course's lessons (default: everything)")
    delete.add_argument(
        "--include-shared",
        action="store_true",
        help="with --course: also the lessons the course shares with other courses",
    )
    delete.set_defaults(func=run_delete)

    purge = actions.add_parser("purge", help="delete everything stored before a date (retention)")
    purge.add_argument("--config", metavar="FILE", help="default $LESSONKIT_HUB_CONFIG")
    purge.add_argument("--before", required=True, metavar="DATE", help="e.g. 2026-01-01")
    purge.set_defaults(func=run_purge)

    from .hub_lti import register_lti

    register_lti(actions)


def run_serve(args: argparse.Namespace) -> int:
    """Run the service until interrupted."""
    from ..hub.config import load_config
    from ..hub.serve import serve

    serve(load_config(args.config), host=args.ip, port=args.port)
    return 0


def run_copy(args: argparse.Namespace) -> int:
    """Write the learner's copy."""
    from ..hub.keys import keyed_questions, service_copy
    from ..lesson.loader import dumps_lesson, load_lesson

    lesson = load_lesson(args.lesson)
    text = dumps_lesson(service_copy(lesson, code_checks=args.code_checks))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        keyed = [q.id for q in keyed_questions(lesson, args.code_checks)]
        print(
            f"wrote {args.output}: {len(keyed)} question(s) checked by the service", file=sys.stderr
        )
    return 0


def _ledger(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ..hub.config import load_config
    from ..hub.ledger import Ledger

    # An administrator's command never changes the schema behind their back: upgrade-db does.
    return Ledger(load_config(args.config), migrate=False)


def run_status(args: argparse.Namespace) -> int:
    """Print the configuration's courses and what is stored."""
    from ..hub.lrs import pending

    ledger = _ledger(args)
    try:
        info = {
            "courses": {n: sorted(c.lessons) for n, c in ledger.config.courses.items()},
            "home_page": ledger.config.home_page or None,
            "home_pages_stored": ledger.home_pages(),
            **ledger.counts(),
            "lrs": pending(ledger) if ledger.config.lrs else None,
        }
    finally:
        ledger.close()
    json.dump(info, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the database's schema, or show what an upgrade would do."""
    from ..evidence.stores.sql import prepare_database_file
    from ..hub import db, schema
    from ..hub.config import load_config

    config = load_config(args.config)
    prepare_database_file(config.database)
    engine = db.make_engine(config.database)
    try:
        if args.sql:
            sys.stdout.write(schema.upgrade_sql(engine))
            return 0
        before = schema.state(engine)
        if args.dry_run:
            print(json.dumps(before.as_json(), indent=2))
            return 0
        applied = schema.upgrade(engine)
        print(json.dumps({"from": before.current, "to": schema.HEAD, "applied": applied}))
        return 0
    finally:
        engine.dispose()


def run_delete(args: argparse.Namespace) -> int:
    """Delete a learner's data; prints what was removed and what is left (exit 1 if any)."""
    from ..hub.erasure import ErasureRefusedError, erase, scope_for

    ledger = _ledger(args)
    try:
        config = ledger.config
        if args.course and args.course not in config.courses:
            print(f"lessonkit: error: no course {args.course!r}", file=sys.stderr)
            return 1
        scope = scope_for(config, args.learner, args.course, include_shared=args.include_shared)
        try:
            done = erase(ledger, scope)
        except ErasureRefusedError as exc:
            print(json.dumps({"learner": args.learner, "refused": exc.shared}))
            print(f"lessonkit: error: {exc} (or add --include-shared)", file=sys.stderr)
            return 1
    finally:
        ledger.close()
    print(json.dumps(done.as_json()))
    for note in done.notes(config.lrs.url if config.lrs else None):
        print(f"lessonkit: {note}", file=sys.stderr)
    return 0 if done.complete else 1


def run_purge(args: argparse.Namespace) -> int:
    """Delete everything stored before ``--before``."""
    try:
        moment = datetime.fromisoformat(args.before)
    except ValueError:
        print(f"lessonkit: error: --before: not a date: {args.before!r}", file=sys.stderr)
        return 2
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ledger = _ledger(args)
    try:
        done = ledger.purge_before(moment)
    finally:
        ledger.close()
    print(json.dumps({"before": moment.isoformat(), "deleted": done}))
    return 0
