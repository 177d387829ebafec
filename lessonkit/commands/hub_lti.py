"""``lessonkit hub lti keys|platforms|push-grades|status|roster``: the LMS connection.

The actions hang under ``lessonkit hub`` (:func:`register_lti`, called by
:mod:`lessonkit.commands.hub`); :func:`register` adds nothing at the top level.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register", "register_lti"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Nothing at the top level: see :func:`register_lti`."""


def register_lti(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hub lti`` and its actions."""
    parser = actions.add_parser(
        "lti",
        help="the LMS connection (LTI 1.3): keys, platforms, grades",
        description="Manage the course service's LMS connection. See docs/lms.md.",
    )
    lti = parser.add_subparsers(dest="lti_action", metavar="ACTION", required=True)
    keys = lti.add_parser("keys", help="show the tool's keys (made on first use); rotate them")
    keys.add_argument("--rotate", action="store_true", help="make a new signing key")
    keys.add_argument("--jwks", action="store_true", help="print the public JWKS")
    keys.set_defaults(func=run_keys)
    platforms = lti.add_parser(
        "platforms",
        help="the values to enter in each LMS, and the items (custom parameters) of each course",
    )
    platforms.set_defaults(func=run_platforms)
    push = lti.add_parser("push-grades", help="send a course's grades to the LMS now")
    push.add_argument("--course", required=True, help="the lessonkit course")
    only = push.add_mutually_exclusive_group()
    only.add_argument("--lesson", help="only this lesson (default: every linked item)")
    only.add_argument("--milestone", help="only this milestone of the course file")
    push.add_argument("--learner", metavar="NAME", help="only this learner (hub user name)")
    push.set_defaults(func=run_push)
    status = lti.add_parser("status", help="grades pending, delivered, refused (and why)")
    status.add_argument("--course", help="only this course")
    status.set_defaults(func=run_status)
    roster = lti.add_parser("roster", help="read the LMS rosters now (NRPS) and print them")
    roster.add_argument("--course", required=True, help="the lessonkit course")
    roster.set_defaults(func=run_roster)
    for sub in (keys, platforms, push, status, roster):
        sub.add_argument("--config", metavar="FILE", help="default $LESSONKIT_HUB_CONFIG")


def _runtime(args: argparse.Namespace) -> Any:
    """A service-less runtime on the configured database (no hub needed)."""
    from ..hub.config import HubConfigError, load_config
    from ..hub.ledger import Ledger
    from ..hub.lti_runtime import LtiRuntime

    config = load_config(args.config)
    if config.lti is None:
        raise HubConfigError("the service configuration has no `lti:` section (docs/lms.md)")

    class _Service:  # what LtiRuntime reads from a service
        def __init__(self) -> None:
            self.config = config
            # an administrator's command never changes the schema: upgrade-db does
            self.ledger = Ledger(config, migrate=False)
            self.directory = None

    return LtiRuntime(_Service(), config.lti)


def _print(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def run_keys(args: argparse.Namespace) -> int:
    """Show, rotate or print the keys."""
    from ..hub.config import load_config
    from ..lti.keys import ToolKeys

    lti = load_config(args.config).lti
    if lti is None:
        print("lessonkit: error: no `lti:` section in the configuration", file=sys.stderr)
        return 1
    keys = ToolKeys(lti.keys, lti.rotation_days)
    if args.rotate:
        old, new = keys.rotate()
        print(f"new signing key {new}; {old} stays in the JWKS for {lti.rotation_days:g} days")
    _print(keys.jwks() if args.jwks else keys.describe())
    return 0


def run_platforms(args: argparse.Namespace) -> int:
    """Each platform, what to enter in it, and what each course's links can open."""
    from ..hub.config import load_config
    from ..hub.lti_items import course_items

    config = load_config(args.config)
    lti = config.lti
    if lti is None:
        print("lessonkit: error: no `lti:` section in the configuration", file=sys.stderr)
        return 1
    hub = lti.hub_url
    _print(
        {
            "tool": {
                "target_link_uri": hub + "hub/",
                "oidc_login_initiation_url": hub + "hub/lti13/oauth_login",
                "redirect_uri": hub + "hub/lti13/oauth_callback",
                "public_jwks_url": hub + lti.service_prefix.lstrip("/") + "lti/jwks",
                "deep_linking_url": hub + "hub/",
            },
            "platforms": [
                {
                    "issuer": p.issuer,
                    "client_id": p.client_id,
                    "deployment_ids": sorted(p.deployment_ids),
                    "contexts": dict(p.contexts),
                    "username_claim": p.username_claim,
                    "service_hosts": sorted(p.service_hosts),
                }
                for p in lti.platforms
            ],
            "items": {
                name: [
                    {"custom": f"lessonkit_item={i.key}", "title": i.title, "points": i.points}
                    for i in course_items(course)
                ]
                for name, course in config.courses.items()
            },
        }
    )
    return 0


def run_push(args: argparse.Namespace) -> int:
    """Queue the course's grades and deliver what the LMS takes now."""
    from ..hub.lti_grades import NotInContextError, push
    from ..hub.lti_items import find_item
    from ..lti import spool, store

    rt = _runtime(args)
    config = rt.service.config
    if args.course not in config.courses:
        print(f"lessonkit: error: no course {args.course!r}", file=sys.stderr)
        return 1
    item = f"lesson:{args.lesson}" if args.lesson else None
    item = f"milestone:{args.milestone}" if args.milestone else item
    if item and find_item(config.courses[args.course], item) is None:
        what = item.replace(":", " ", 1)
        print(f"lessonkit: error: no {what!r} in {args.course}", file=sys.stderr)
        return 1
    try:
        rt.find_lineitems()
        queued = push(rt.service.ledger, config, args.course, item, args.learner)
        done = spool.deliver(rt.engine, rt.post, interval=rt.config.interval, course=args.course)
    except NotInContextError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    finally:
        rt.service.ledger.close()
    counts = store.spool_counts(rt.engine, args.course)
    _print({"queued": queued, "delivered": done.delivered, "refused": done.refused, **counts})
    return 1 if done.refused else 0


def run_status(args: argparse.Namespace) -> int:
    """Spool counts and the scores the LMS refused."""
    from ..lti import store

    rt = _runtime(args)
    try:
        refused = [
            {"learner": r.username, "item": r.item, "course": r.course, "error": r.error}
            for r in store.refused(rt.engine, args.course)
        ]
        _print({**store.spool_counts(rt.engine, args.course), "refused_scores": refused})
    finally:
        rt.service.ledger.close()
    return 0


def run_roster(args: argparse.Namespace) -> int:
    """Read every roster now and print the course's."""
    from ..lti import store

    rt = _runtime(args)
    try:
        rt.read_rosters(force=True)
        rows = store.roster(rt.engine, args.course)
        _print([{"username": r.username, "name": r.name, "role": r.role} for r in rows])
    finally:
        rt.service.ledger.close()
    return 0
