"""Events as xAPI 1.0.3 statements, and back.

:func:`event_to_statement` maps one :class:`~lessonkit.evidence.events.Event` to one
statement (a plain ``dict`` ready for ``json.dumps`` or an LRS). The mapping, kind by kind:

===============  =====================================  ==============================
event kind       verb                                   object
===============  =====================================  ==============================
``started``      ADL ``initialized``                    the lesson
``resumed``      ADL ``resumed``                        the lesson
``experienced``  ADL ``experienced``                    the step
``answered``     ADL ``answered``                       the step (``cmi.interaction``)
``hint``         ADL ``interacted``                     the step
``chose``        ADL ``preferred``                      the step (``cmi.interaction``)
``mastery``      ADL ``mastered`` / ADL ``scored``      the competency (``objective``)
``navigated``    ADL ``progressed``                     the step left
``passed``       ADL ``passed``                         the lesson
``failed``       ADL ``failed``                         the lesson
``completed``    ADL ``completed``                      the lesson
===============  =====================================  ==============================

A session given a language records the language the learner saw in ``context.language``
(an RFC 5646 tag), and names a step in that language (``object.definition.name``).

Every statement carries the whole event in the context extension ``…/ext/event``
(``{"kind", "lesson", "step", "data"}``), so :func:`statement_to_event` rebuilds the event
exactly and a session can be resumed from its statements. The statement ``id`` is a UUID5 of
``(registration, seq)``: writing the same event twice writes the same statement.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from .events import Event, LearnerRef

__all__ = [
    "ACTIVITY_TYPES",
    "DEFAULT_BASE_IRI",
    "EXT",
    "VERBS",
    "XAPI_VERSION",
    "event_to_statement",
    "format_timestamp",
    "parse_timestamp",
    "statement_id",
    "statement_to_event",
]

XAPI_VERSION = "1.0.3"
"""The xAPI version every statement declares."""
DEFAULT_BASE_IRI = "https://lessonkit.org/xapi"
"""Prefix of activity IRIs; override with ``base_iri=`` or ``LESSONKIT_XAPI_BASE``."""
EXT = "https://lessonkit.org/xapi/ext/"
"""Prefix of lessonkit's extension keys (fixed, whatever the activity base IRI)."""

_ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, str] = {
    "started": _ADL + "initialized",
    "resumed": _ADL + "resumed",
    "experienced": _ADL + "experienced",
    "answered": _ADL + "answered",
    "hint": _ADL + "interacted",
    "chose": _ADL + "preferred",
    "mastered": _ADL + "mastered",
    "mastery": _ADL + "scored",
    "navigated": _ADL + "progressed",
    "passed": _ADL + "passed",
    "failed": _ADL + "failed",
    "completed": _ADL + "completed",
}
"""Verb IRI per event kind (``mastered`` is used for a ``mastery`` event that reached mastery)."""

_ACT = "http://adlnet.gov/expapi/activities/"
ACTIVITY_TYPES = {
    "lesson": _ACT + "lesson",
    "interaction": _ACT + "cmi.interaction",
    "objective": _ACT + "objective",
}
"""Activity types used in object definitions."""

_INTERACTION_TYPES = {
    "choice": "choice",
    "numeric": "numeric",
    "text": "fill-in",
    "expression": "fill-in",
    "ordering": "sequencing",
    "free": "long-fill-in",
    "code": "other",
    "frame": "other",
    "custom": "other",
}
"""xAPI ``interactionType`` per checker spec type (``other`` when none fits)."""

_STATEMENT_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://lessonkit.org/xapi/statements")
_LESSON_KINDS = frozenset({"started", "resumed", "passed", "failed", "completed"})


def statement_id(registration: str, seq: int) -> str:
    """The deterministic statement id of event ``seq`` in ``registration`` (a UUID5)."""
    return str(uuid.uuid5(_STATEMENT_NS, f"{registration}/{seq}"))


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: sortable as text, exact to parse back."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """Parse an xAPI timestamp; one without a time zone is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _base(base_iri: str | None) -> str:
    return (base_iri or os.environ.get("LESSONKIT_XAPI_BASE") or DEFAULT_BASE_IRI).rstrip("/")


def _iri(*parts: str) -> str:
    return "/".join(quote(p, safe="") if i else p for i, p in enumerate(parts))


def _duration(seconds: float) -> str:
    """ISO 8601 duration with 0.01 s precision, as xAPI asks."""
    text = f"{max(0.0, seconds):.2f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def _score(raw: Any, maximum: Any, scaled: Any) -> dict[str, float]:
    """A valid xAPI score: ``scaled`` clamped to [-1, 1]; ``raw`` only when 0 <= raw <= max."""
    score: dict[str, float] = {}
    if _is_number(scaled):
        score["scaled"] = min(1.0, max(-1.0, float(scaled)))
    if _is_number(raw) and _is_number(maximum) and 0 <= float(raw) <= float(maximum):
        score.update(raw=float(raw), min=0.0, max=float(maximum))
    return score


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``target[EXT + key]`` unless ``value`` is ``None``."""
    if value is not None:
        target[EXT + key] = value


class _Parts:
    """The pieces of a statement that the per-kind builders fill in."""

    __slots__ = (
        "context_activities",
        "ext",
        "language",
        "lesson_iri",
        "obj",
        "result",
        "step_obj",
        "verb",
    )

    def __init__(self, event: Event, base_iri: str | None) -> None:
        self.language = event.language
        self.lesson_iri = _iri(_base(base_iri), "lessons", event.lesson_id)
        self.verb = VERBS[event.kind]
        self.result: dict[str, Any] = {}
        self.ext: dict[str, Any] = {
            EXT + "lesson-version": event.lesson_version,
            EXT + "content-hash": event.content_hash,
            EXT + "seq": event.seq,
            EXT + "event": {
                "kind": event.kind,
                "lesson": event.lesson_id,
                "step": event.step_id,
                "data": dict(event.data),
            },
        }
        self.context_activities: dict[str, Any] = {}
        self.step_obj: dict[str, Any] | None = None
        if event.step_id:
            self.step_obj = _activity(_iri(self.lesson_iri, "steps", event.step_id))
        self.obj = _activity(self.lesson_iri, type=ACTIVITY_TYPES["lesson"])
        if event.kind not in _LESSON_KINDS and self.step_obj is not None:
            self.obj = self.step_obj
            self.context_activities["parent"] = [_activity(self.lesson_iri)]


def _activity(iri: str, **definition: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {"objectType": "Activity", "id": iri}
    if definition:
        activity["definition"] = definition
    return activity


def _experienced(parts: _Parts, data: Mapping[str, Any]) -> None:
    if data.get("title"):
        parts.obj["definition"] = {"name": {parts.language or "und": str(data["title"])}}
    _put(parts.ext, "visit", data.get("visit"))


def _answered(parts: _Parts, data: Mapping[str, Any]) -> None:
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES["interaction"]}
    interaction = _INTERACTION_TYPES.get(str(data.get("checker")))
    if interaction:
        definition["interactionType"] = interaction
    parts.obj["definition"] = definition
    result = parts.result
    if data.get("response") not in (None, ""):
        result["response"] = str(data["response"])
    if isinstance(data.get("correct"), bool):
        result["success"] = data["correct"]
    score = _score(data.get("points"), data.get("max_points"), data.get("score"))
    if score:
        result["score"] = score
    if _is_number(data.get("duration")):
        result["duration"] = _duration(float(data["duration"]))
    for key in ("attempt", "hints_used", "checker", "variant_seed", "item_id"):
        _put(parts.ext, key.replace("_", "-"), data.get(key))
    if data.get("competencies"):
        parts.ext[EXT + "competencies"] = list(data["competencies"])


def _hint(parts: _Parts, data: Mapping[str, Any]) -> None:
    index = data.get("index")
    _put(parts.ext, "hint-index", index)
    _put(parts.ext, "attempt", data.get("attempt"))
    if isinstance(index, int):
        parts.ext[EXT + "hints-used"] = index + 1


def _chose(parts: _Parts, data: Mapping[str, Any]) -> None:
    parts.obj["definition"] = {"type": ACTIVITY_TYPES["interaction"], "interactionType": "choice"}
    if data.get("value") not in (None, ""):
        parts.result["response"] = str(data["value"])


def _mastery(parts: _Parts, data: Mapping[str, Any]) -> None:
    competency = str(data.get("competency", ""))
    parts.obj = _activity(
        _iri(parts.lesson_iri, "competencies", competency), type=ACTIVITY_TYPES["objective"]
    )
    parts.context_activities["parent"] = [_activity(parts.lesson_iri)]
    if parts.step_obj is not None:
        parts.context_activities["other"] = [parts.step_obj]
    if data.get("mastered") is True:
        parts.verb = VERBS["mastered"]
    if isinstance(data.get("mastered"), bool):
        parts.result["success"] = data["mastered"]
    score = _score(data.get("after"), 1.0, data.get("after"))
    if score:
        parts.result["score"] = score
    parts.ext[EXT + "competency"] = competency
    _put(parts.ext, "mastery-before", data.get("before"))
    _put(parts.ext, "mastery-after", data.get("after"))


def _navigated(parts: _Parts, data: Mapping[str, Any]) -> None:
    _put(parts.ext, "to-step", data.get("to"))
    _put(parts.ext, "reason", data.get("reason"))


def _outcome(parts: _Parts, data: Mapping[str, Any], kind: str) -> None:
    score = _score(data.get("score"), data.get("max_score"), data.get("scaled"))
    if score:
        parts.result["score"] = score
    if kind == "completed":
        parts.result["completion"] = True
    else:
        parts.result["success"] = kind == "passed"


_BUILDERS = {
    "experienced": _experienced,
    "answered": _answered,
    "hint": _hint,
    "chose": _chose,
    "mastery": _mastery,
    "navigated": _navigated,
}


def event_to_statement(event: Event, *, base_iri: str | None = None) -> dict[str, Any]:
    """The xAPI 1.0.3 statement recording ``event``.

    Parameters
    ----------
    event
        Any event a session emits.
    base_iri
        Prefix of activity IRIs (default ``LESSONKIT_XAPI_BASE`` or :data:`DEFAULT_BASE_IRI`).

    Returns
    -------
    dict
        A JSON-ready statement with ``id``, ``actor``, ``verb``, ``object``, ``context``,
        ``timestamp``, ``version`` and, where the event has an outcome, ``result``. Empty values
        are left out (the spec forbids them outside extensions).
    """
    parts = _Parts(event, base_iri)
    if event.kind in _BUILDERS:
        _BUILDERS[event.kind](parts, event.data)
    elif event.kind in ("passed", "failed", "completed"):
        _outcome(parts, event.data, event.kind)

    context: dict[str, Any] = {
        "registration": event.registration,
        "platform": "lessonkit",
        "extensions": parts.ext,
    }
    if event.lesson_version:
        context["revision"] = event.lesson_version
    if event.language:
        context["language"] = event.language
    if parts.context_activities:
        context["contextActivities"] = parts.context_activities
    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": event.learner.home_page, "name": event.learner.id},
    }
    if event.learner.name:
        actor["name"] = event.learner.name
    statement: dict[str, Any] = {
        "id": statement_id(event.registration, event.seq),
        "actor": actor,
        "verb": {"id": parts.verb, "display": {"en-US": parts.verb.rsplit("/", 1)[1]}},
        "object": parts.obj,
    }
    if parts.result:
        statement["result"] = parts.result
    statement["context"] = context
    statement["timestamp"] = format_timestamp(event.timestamp)
    statement["version"] = XAPI_VERSION
    return statement


def statement_to_event(statement: Mapping[str, Any]) -> Event:
    """Rebuild the event a lessonkit statement records (the inverse of
    :func:`event_to_statement`).

    Raises
    ------
    ValueError
        If ``statement`` was not made by lessonkit (no ``…/ext/event`` extension) or is
        malformed.
    """
    try:
        context = statement["context"]
        ext = context["extensions"]
        recorded = ext[EXT + "event"]
        account = statement["actor"]["account"]
        return Event(
            kind=recorded["kind"],
            learner=LearnerRef(
                id=account["name"],
                home_page=account["homePage"],
                name=statement["actor"].get("name", ""),
            ),
            lesson_id=recorded["lesson"],
            lesson_version=ext.get(EXT + "lesson-version", ""),
            content_hash=ext.get(EXT + "content-hash", ""),
            registration=context["registration"],
            seq=int(ext[EXT + "seq"]),
            timestamp=parse_timestamp(statement["timestamp"]),
            step_id=recorded.get("step"),
            data=dict(recorded.get("data") or {}),
            language=context.get("language") or None,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a lessonkit statement (missing {exc})") from exc
