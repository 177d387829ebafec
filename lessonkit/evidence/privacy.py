"""Pseudonymised statements, shared by ``lessonkit export --pseudonymise`` and analytics.

Every value in a statement that is, or is derived from, a learner's identity is replaced by a
keyed pseudonym (HMAC-SHA256 under a secret ``salt``) or dropped:

========================================  ==================================================
field                                     in the export
========================================  ==================================================
``actor`` (account, ``mbox``, ``openid``)  account ``{homePage: urn:lessonkit:pseudonym,
                                          name: HMAC(salt, home page NUL id)}``; ``name``
                                          (display name) dropped
any other agent or group (``object``,     the same, members included
``context.instructor``/``team``,
``authority``)
``context.registration``                  a salted UUID (:func:`pseudo_registration`)
``id``                                    recomputed from the salted registration and
                                          ``seq`` (lessonkit's statements), else a salted
                                          UUID of the original id; statement references too
``…/ext/variant-seed`` and the event's    a salted 63-bit number (:func:`pseudo_seed`): the
``data.variant_seed``                     same seed gives the same number, nothing else
                                          does
``attachments``                           dropped
========================================  ==================================================

Kept as they are: what was answered (``result.response``, the event's ``response``/``raw``/
``feedback``) — free text stays as typed, and may contain anything a learner wrote, their name
included; profile values chosen in the lesson; timestamps; lesson, step and competency ids;
scores and mastery. These are not derived from the learner id, but together they may still
single a learner out to someone who knows them: share pseudonymised exports as personal data.

Without the salt the pseudonyms cannot be recomputed from candidate ids: a plain hash could
simply be recomputed for every name on a class list, so every function here needs one.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .statements import EXT, statement_id

__all__ = [
    "PSEUDONYM_HOME_PAGE",
    "pseudo_registration",
    "pseudo_seed",
    "pseudo_statement_id",
    "pseudonym",
    "pseudonymise",
]

PSEUDONYM_HOME_PAGE = "urn:lessonkit:pseudonym"
"""Account home page of pseudonymised learners."""

_SEED = EXT + "variant-seed"
_EVENT = EXT + "event"
_SEQ = EXT + "seq"
_IDENTITY_KEYS = ("account", "mbox", "mbox_sha1sum", "openid")


def pseudonym(salt: bytes, home_page: str, learner: str) -> str:
    """The pseudonym of a learner: hex HMAC-SHA256 of ``home_page NUL learner`` under ``salt``."""
    return hmac.new(salt, f"{home_page}\0{learner}".encode(), hashlib.sha256).hexdigest()


def pseudo_registration(salt: bytes, registration: str) -> str:
    """The salted UUID standing for ``registration`` in a pseudonymised export."""
    digest = hmac.new(salt, f"registration\0{registration}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def pseudo_statement_id(salt: bytes, statement: str) -> str:
    """The salted UUID standing for a statement id that lessonkit cannot recompute."""
    digest = hmac.new(salt, f"statement\0{statement}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def pseudo_seed(salt: bytes, seed: int) -> int:
    """The salted 63-bit number standing for a variant seed in a pseudonymised export.

    A variant seed is derived from the learner id (keyed in live sessions, but not in
    deterministic play), so it is re-keyed like the id itself. Re-rendering a variant from a
    pseudonymised export is therefore impossible: regrade from the original evidence.
    """
    digest = hmac.new(salt, f"variant-seed\0{seed}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def pseudonymise(statements: Iterable[dict[str, Any]], salt: bytes) -> Iterator[dict[str, Any]]:
    """``statements`` with every learner-derived value pseudonymised or dropped (see the
    module docstring). The statements are changed in place and yielded.

    Raises
    ------
    ValueError
        If ``salt`` is empty.
    """
    if not salt:
        raise ValueError("pseudonymising needs a non-empty secret salt")
    for statement in statements:
        _statement(statement, salt)
        yield statement


def _statement(statement: dict[str, Any], salt: bytes) -> None:
    """Pseudonymise one statement (or sub-statement) in place."""
    for key in ("actor", "authority"):
        if isinstance(statement.get(key), dict):
            _agent(statement[key], salt)
    statement.pop("attachments", None)
    obj = statement.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType")
        if kind in ("Agent", "Group"):
            _agent(obj, salt)
        elif kind == "SubStatement":
            _statement(obj, salt)
        elif kind == "StatementRef" and isinstance(obj.get("id"), str):
            obj["id"] = pseudo_statement_id(salt, obj["id"])
    context = statement.get("context")
    if isinstance(context, dict):
        _context(context, salt)
    if isinstance(statement.get("id"), str):
        statement["id"] = _new_id(statement, salt)


def _context(context: dict[str, Any], salt: bytes) -> None:
    for key in ("instructor", "team"):
        if isinstance(context.get(key), dict):
            _agent(context[key], salt)
    if isinstance(context.get("registration"), str):
        context["registration"] = pseudo_registration(salt, context["registration"])
    extensions = context.get("extensions")
    extensions = extensions if isinstance(extensions, dict) else {}
    recorded = extensions.get(_EVENT)
    data = recorded.get("data") if isinstance(recorded, dict) else None
    ref = context.get("statement")
    if isinstance(ref, dict) and isinstance(ref.get("id"), str):
        seq = data.get("answer_seq") if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(seq, int) and not isinstance(seq, bool):
            # a rubric grade: the answer it grades keeps lessonkit's recomputed id
            ref["id"] = data["answer"] = statement_id(str(context.get("registration")), seq)
        else:
            ref["id"] = pseudo_statement_id(salt, ref["id"])
    if _is_int(extensions.get(_SEED)):
        extensions[_SEED] = pseudo_seed(salt, extensions[_SEED])
    if isinstance(data, dict) and _is_int(data.get("variant_seed")):
        data["variant_seed"] = pseudo_seed(salt, data["variant_seed"])
    kind = recorded.get("kind") if isinstance(recorded, dict) else None
    named = {"grade-voided": ("grade", "by"), "grade-replied": ("grade",)}.get(str(kind), ())
    for key in named:  # grades named by their ids
        if isinstance(data, dict) and isinstance(data.get(key), str):
            data[key] = pseudo_statement_id(salt, data[key])
    seq = data.get("answer_seq") if isinstance(data, dict) else None
    if kind == "grade-replied" and isinstance(data, dict) and _is_int(seq):
        data["answer"] = statement_id(str(context.get("registration")), int(seq or 0))


def _new_id(statement: Mapping[str, Any], salt: bytes) -> str:
    """lessonkit's deterministic id from the salted registration, else a salted UUID."""
    context = statement.get("context") or {}
    seq = (context.get("extensions") or {}).get(_SEQ)
    registration = context.get("registration")
    if isinstance(registration, str) and isinstance(seq, int) and not isinstance(seq, bool):
        return statement_id(registration, seq)
    return pseudo_statement_id(salt, str(statement["id"]))


def _agent(agent: dict[str, Any], salt: bytes) -> None:
    """Replace an agent's (or identified group's) identity by a pseudonymous account."""
    identity = _identity(agent)
    for key in (*_IDENTITY_KEYS, "name"):
        agent.pop(key, None)
    if identity is not None:
        agent["account"] = {
            "homePage": PSEUDONYM_HOME_PAGE,
            "name": pseudonym(salt, identity[0], identity[1]),
        }
    members = agent.get("member")
    if isinstance(members, list):
        for member in members:
            if isinstance(member, dict):
                _agent(member, salt)


def _identity(agent: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(namespace, id)`` of an agent's inverse functional identifier, if it has one."""
    account = agent.get("account")
    if isinstance(account, Mapping) and "name" in account:
        return str(account.get("homePage", "")), str(account["name"])
    for key in ("mbox", "mbox_sha1sum", "openid"):
        if agent.get(key):
            return key, str(agent[key])
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
