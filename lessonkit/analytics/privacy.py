"""Pseudonymised learner ids in analytics tables, the same pseudonyms as ``lessonkit export``."""

from __future__ import annotations

from typing import Any

from ..evidence.privacy import (
    PSEUDONYM_HOME_PAGE,
    pseudo_registration,
    pseudo_seed,
    pseudo_statement_id,
    pseudonym,
)
from ..evidence.statements import statement_id
from ..i18n import N_

__all__ = ["PERSONAL_DATA_NOTE", "pseudonymise_frame"]

PERSONAL_DATA_NOTE = N_(
    "Contains per-learner evidence: learner ids ({ids}), answer texts as typed (free text may "
    "include anything a learner wrote), timestamps and time spent per step, hints used, and "
    "estimated mastery. No display names."
)
"""What a report holds; ``{ids}`` says whether learner ids are real or pseudonymised."""


def pseudonymise_frame(frame: Any, salt: bytes | str) -> Any:
    """A copy of ``frame`` whose ``learner`` ids are the salted HMAC-SHA256 pseudonyms of
    :func:`lessonkit.evidence.privacy.pseudonym` (so they match ``lessonkit export
    --pseudonymise`` with the same salt) and whose registrations are export's salted UUIDs."""
    import pandas as pd

    key = salt.encode() if isinstance(salt, str) else salt
    if not key:
        raise ValueError("pseudonymising needs a non-empty secret salt")
    out = frame.copy()
    pairs = out[["learner_home", "learner"]].drop_duplicates()
    mapping = {
        (home, name): pseudonym(key, "" if pd.isna(home) else str(home), str(name))
        for home, name in pairs.itertuples(index=False)
        if not pd.isna(name)
    }
    keys = list(zip(out["learner_home"], out["learner"], strict=True))
    out["learner"] = pd.array([mapping.get(k) for k in keys], dtype="str")
    out["learner_home"] = PSEUDONYM_HOME_PAGE
    regs = {r: pseudo_registration(key, str(r)) for r in out["registration"].dropna().unique()}
    out["registration"] = pd.array(out["registration"].map(regs), dtype="str")
    # A variant seed is derived from the learner id (and a statement id from the registration):
    # re-keyed like the id, as `lessonkit export --pseudonymise` does.
    seeds = out["variant_seed"]
    out["variant_seed"] = pd.array(
        [None if pd.isna(s) else pseudo_seed(key, int(s)) for s in seeds], dtype="Int64"
    )
    out["id"] = pd.array(
        [
            _new_id(key, i, r, s)
            for i, r, s in zip(out["id"], out["registration"], out["seq"], strict=True)
        ],
        dtype="str",
    )
    return out


def _new_id(key: bytes, old: Any, registration: Any, seq: Any) -> str | None:
    """The statement id export gives: lessonkit's id from the pseudonymous registration and
    the sequence number, else a salted UUID."""
    import pandas as pd

    if not pd.isna(registration) and not pd.isna(seq):
        return statement_id(str(registration), int(seq))
    return None if pd.isna(old) else pseudo_statement_id(key, str(old))
