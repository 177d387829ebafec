"""The fields stores index a statement by (learner, lesson, registration, sequence, time)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote

from .statements import EXT, format_timestamp, parse_timestamp

__all__ = ["StatementIndex", "index_statement"]

_LESSON_IN_IRI = re.compile(r"/lessons/([^/?#]+)")


class StatementIndex(NamedTuple):
    """The fields stores index a statement by."""

    id: str
    learner: str
    """``actor.account.name``."""
    learner_home: str
    """``actor.account.homePage``."""
    lesson: str
    registration: str
    seq: int
    """``…/ext/seq``, or -1 when absent."""
    timestamp: str
    """Normalised with :func:`format_timestamp`."""
    verb: str


def index_statement(statement: Mapping[str, Any]) -> StatementIndex:
    """The index fields of ``statement``.

    The lesson id comes from the ``…/ext/event`` extension, else from a ``/lessons/<id>`` part
    of the object or parent IRI, so statements made by other tools can be stored too if they
    carry an id, an account actor, a registration and a timestamp.

    Raises
    ------
    ValueError
        If a field is missing or malformed.
    """
    try:
        context = statement["context"]
        ext = context.get("extensions") or {}
        account = statement["actor"]["account"]
        recorded = ext.get(EXT + "event")
        lesson = recorded.get("lesson") if isinstance(recorded, Mapping) else None
        if not lesson:
            lesson = _lesson_from_iris(statement)
        seq = ext.get(EXT + "seq", -1)
        return StatementIndex(
            id=str(uuid.UUID(str(statement["id"]))),
            learner=str(account["name"]),
            learner_home=str(account["homePage"]),
            lesson=lesson,
            registration=str(uuid.UUID(str(context["registration"]))),
            seq=seq if isinstance(seq, int) else -1,
            timestamp=format_timestamp(parse_timestamp(statement["timestamp"])),
            verb=str(statement["verb"]["id"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"cannot index statement: bad or missing {exc}") from exc


def _lesson_from_iris(statement: Mapping[str, Any]) -> str:
    parents = statement["context"].get("contextActivities", {}).get("parent") or []
    if isinstance(parents, Mapping):
        parents = [parents]
    for iri in [statement["object"]["id"], *(p.get("id", "") for p in parents)]:
        match = _LESSON_IN_IRI.search(str(iri))
        if match:
            return unquote(match.group(1))
    raise KeyError("lesson")
