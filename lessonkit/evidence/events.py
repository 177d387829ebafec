"""Learner events: what a session emits, and what the evidence layer turns into xAPI statements.

An :class:`Event` is immutable and self-contained: it carries the lesson's identity (id,
version, content hash), the learner, the session's registration id and a per-session sequence
number, so a statement id derived from ``(registration, seq)`` is deterministic and a retried
write is the same statement. A session can be rebuilt by replaying its events in ``seq`` order.

Event kinds and the keys of their ``data``:

=================  ===========================================================================
kind               data
=================  ===========================================================================
``started``        ``profile`` (dict) learner profile at start; ``mastery_start`` (dict,
                   only when carried in from a course record) competency -> P(known);
                   ``identity`` (dict, optional) who is working, e.g. ``nbgrader_student``,
                   ``jupyterhub_user``; ``language`` (str, optional) the language asked for
                   (the one shown is the event's :attr:`Event.language`)
``resumed``        ``from_seq`` (int) last sequence number before the resume
``experienced``    ``visit`` (int) visit count of the step, ``title`` (str)
``answered``       ``response`` (str, canonical text of the raw response), ``raw`` (JSON value),
                   ``correct`` (bool), ``score`` (0..1 after the attempt schedule), ``points``
                   (earned), ``max_points``, ``attempt`` (1-based), ``hints_used`` (int),
                   ``checker`` (spec type), ``variant_seed`` (int or None), ``competencies``
                   (list), ``duration`` (seconds or None), ``feedback`` (str),
                   ``item_id`` (practice-pool item id or None); an answer recorded for grading
                   without a live verdict has ``recorded`` true and ``correct``, ``score``,
                   ``points`` and ``attempt`` None
``hint``           ``index`` (0-based hint shown), ``attempt`` (attempts so far)
``chose``          ``value`` (str), ``field`` (profile field set or ""), ``sets`` (dict)
``mastery``        ``competency`` (id), ``before`` (float), ``after`` (float), ``mastered`` (bool)
``navigated``      ``to`` (step id), ``reason`` (str: rule text, "default", "back", "option",
                   "skipped"), ``why`` (str, for "skipped": e.g. "not checked here")
``passed``         ``score``, ``max_score`` (lesson totals), ``scaled`` (0..1)
``failed``         same keys as ``passed``
``completed``      ``score``, ``max_score``, ``scaled``, ``path`` (list of step ids)
=================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["EVENT_KINDS", "Event", "LearnerRef"]

EVENT_KINDS = frozenset(
    {
        "started",
        "resumed",
        "experienced",
        "answered",
        "hint",
        "chose",
        "mastery",
        "navigated",
        "passed",
        "failed",
        "completed",
    }
)
"""Every event kind a session emits."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerRef:
    """Who the learner is, as the evidence layer names them."""

    id: str
    """Stable identifier (login name, or a persisted anonymous id)."""
    home_page: str = "urn:lessonkit:local"
    """Namespace of ``id``: the JupyterHub URL, or ``urn:lessonkit:local`` / ``:anonymous``."""
    name: str = ""
    """Display name, if known and allowed to be recorded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One thing that happened in a lesson session."""

    kind: str
    """One of :data:`EVENT_KINDS`."""
    learner: LearnerRef
    """Who did it."""
    lesson_id: str
    """The lesson's id."""
    lesson_version: str
    """The lesson's author version."""
    content_hash: str
    """SHA-256 of the lesson content (see ``Lesson.content_hash``)."""
    registration: str
    """UUID of the session (an xAPI registration); shared by every event of one attempt."""
    seq: int
    """0-based position of the event within its registration."""
    timestamp: datetime
    """When it happened (timezone-aware, UTC)."""
    step_id: str | None = None
    """The step concerned, if any."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific details (see the module docstring); JSON-serializable values only."""
    language: str | None = None
    """The language the learner saw the lesson in (a BCP 47 tag), when the session was given
    one; recorded as the statement's ``context.language``."""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if self.timestamp.tzinfo is None:
            raise ValueError("event timestamps must be timezone-aware")
