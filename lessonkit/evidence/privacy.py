"""Pseudonyms for learner ids and registrations, shared by ``lessonkit export`` and analytics.

A pseudonym is ``HMAC-SHA256(salt, home page + NUL + id)`` (hex) under the home page
``urn:lessonkit:pseudonym``; a registration maps to a salted UUID, because a registration can
be derived from a learner id. Without a secret salt, hashes of known ids could simply be
recomputed, so every function here needs one.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from .statements import EXT, statement_id

__all__ = ["PSEUDONYM_HOME_PAGE", "pseudo_registration", "pseudonym", "pseudonymise"]

PSEUDONYM_HOME_PAGE = "urn:lessonkit:pseudonym"
"""Account home page of pseudonymised learners."""


def pseudonym(salt: bytes, home_page: str, learner: str) -> str:
    """The pseudonym of a learner: hex HMAC-SHA256 of ``home_page NUL learner`` under ``salt``."""
    return hmac.new(salt, f"{home_page}\0{learner}".encode(), hashlib.sha256).hexdigest()


def pseudo_registration(salt: bytes, registration: str) -> str:
    """The salted UUID standing for ``registration`` in a pseudonymised export."""
    digest = hmac.new(salt, f"registration\0{registration}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def pseudonymise(statements: Iterable[dict[str, Any]], salt: bytes) -> Iterator[dict[str, Any]]:
    """``statements`` with learner ids, display names and registrations pseudonymised."""
    for statement in statements:
        actor = statement.get("actor") or {}
        account = actor.get("account") or {}
        if "name" in account:
            account["name"] = pseudonym(salt, str(account.get("homePage", "")), account["name"])
            account["homePage"] = PSEUDONYM_HOME_PAGE
        actor.pop("name", None)
        context = statement.get("context") or {}
        registration = context.get("registration")
        if isinstance(registration, str):
            context["registration"] = pseudo_registration(salt, registration)
            seq = (context.get("extensions") or {}).get(EXT + "seq")
            if isinstance(seq, int):
                statement["id"] = statement_id(context["registration"], seq)
        yield statement
