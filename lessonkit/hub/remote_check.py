"""The ``lessonkit.service`` checker: the learner's kernel asks the course service.

A lesson copy made by :func:`lessonkit.hub.keys.service_copy` names this checker for every
keyed question. It posts the response to ``<service>/api/check`` with the kernel's JupyterHub
token and turns the service's verdict into a :class:`~lessonkit.checks.CheckResult`. The
service URL is ``$LESSONKIT_SERVICE_URL``, else the ``hub+http(s)://`` URL in
``$LESSONKIT_STORE``.

When the service cannot be reached the answer is "not understood" (not counted as an attempt)
with a message asking to try again: the learner is told, never stuck, and no attempt is lost.
The same holds when the service limits the learner's checks (``429``): a wait of a few
seconds (another of the learner's checks still running) is waited out once; a longer one is
told to the learner ("too many checks, try again in N s") and honoured — until it has passed,
checks are answered so at once, without asking the service.

Beside the checker: :func:`fetch_lesson` (the learner's copy of a lesson) and
:func:`fetch_roster` (an instructor's LMS roster, for the teacher's view of a course).
This module is light (standard library only): kernels import it.
"""

from __future__ import annotations

import inspect
import math
import os
import time
from collections.abc import Mapping
from typing import Any

from ..checks.result import CheckResult, jsonable, not_understood
from ..evidence.stores.service import hub_token, request_json, split_url
from ..evidence.stores.wire import Reply, call
from ..i18n import N_, Translator, translator

__all__ = [
    "UNREACHABLE",
    "check_service",
    "fetch_lesson",
    "fetch_roster",
    "service_url",
    "too_many",
]

UNREACHABLE = N_(
    "Your answer could not be checked right now: the course service did not answer. "
    "It was not counted as an attempt; please try again in a moment."
)
SHORT_WAIT = 3.0
"""A ``Retry-After`` up to this many seconds is waited out (once) before answering."""
_blocked_until: dict[str, float] = {}  # service URL -> monotonic time its Retry-After ends


def too_many(seconds: float, t: Translator | None = None) -> str:
    """The learner's message when the service asks them to wait ``seconds``."""
    t = t or translator()
    wait = max(1, math.ceil(seconds))
    return t.gettext(
        "Too many checks in a short time: please try again in {n} s. "
        "This answer was not counted as an attempt."
    ).format(n=t.number(wait))


def service_url(env: Mapping[str, str] = os.environ) -> str:
    """The service's base URL (``http(s)://…/``), or ``""`` when none is configured."""
    url = env.get("LESSONKIT_SERVICE_URL", "")
    if url:
        return url if url.endswith("/") else url + "/"
    store = env.get("LESSONKIT_STORE", "")
    if store.lower().startswith(("hub+http://", "hub+https://")):
        return split_url(store)[0]
    return ""


def _response_payload(response: Any) -> Any:
    """What to send: source text for a function from the notebook, else the plain value."""
    if callable(response):
        try:
            return inspect.getsource(response)
        except (OSError, TypeError):
            pass
    return jsonable(response)


def check_service(
    response: Any, answer: Any = None, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Ask the service to check ``response`` to the question ``answer`` names; its messages
    come back in the learner's ``language``."""
    t = translator(language)
    unreachable = t.gettext(UNREACHABLE)
    raw = _response_payload(response)
    text = raw if isinstance(raw, str) else str(raw)
    base = service_url()
    if not isinstance(answer, Mapping) or not base:
        return not_understood(
            raw,
            t.gettext(
                "This question is checked by the course service, which is not configured here "
                "(set {store} or {url})."
            ).format(store="LESSONKIT_STORE", url="LESSONKIT_SERVICE_URL"),
        )
    body = {"lesson": answer.get("lesson"), "question": answer.get("question"), "response": raw}
    if language:
        body["language"] = t.language
    try:
        reply = _ask(base, body)
    except OSError:
        return not_understood(raw, unreachable, service="unreachable")
    if reply.status == 429:
        return not_understood(raw, too_many(reply.retry_after or 1.0, t), service="HTTP 429")
    verdict = reply.body
    if reply.status != 200 or not isinstance(verdict, dict):
        message = verdict.get("error") if isinstance(verdict, dict) else None
        return not_understood(raw, str(message or unreachable), service=f"HTTP {reply.status}")
    try:
        return _result(raw, text, verdict)
    except (TypeError, ValueError):  # a verdict this client cannot read: not counted either
        return not_understood(raw, unreachable, service="unreadable verdict")


def _ask(base: str, body: dict[str, Any]) -> Reply:
    """POST the check, honouring the service's ``Retry-After`` (see the module docstring)."""
    url = base + "api/check"
    left = _blocked_until.get(url, 0.0) - time.monotonic()
    if left > 0:
        return Reply(429, None, left)
    reply = call("POST", url, hub_token(), body, timeout=30)
    if reply.status == 429 and (reply.retry_after or 0.0) <= SHORT_WAIT:
        time.sleep(reply.retry_after or 1.0)
        reply = call("POST", url, hub_token(), body, timeout=30)
    if reply.status == 429:
        _blocked_until[url] = time.monotonic() + (reply.retry_after or 1.0)
    return reply


def _result(raw: Any, text: str, verdict: dict[str, Any]) -> CheckResult:
    details: dict[str, Any] = {
        "raw": raw,
        "service": {k: verdict.get(k) for k in ("attempt", "attempts_left", "recorded")},
    }
    if verdict.get("solution"):
        details["solution"] = str(verdict["solution"])
    return CheckResult(
        correct=bool(verdict.get("correct")),
        score=float(verdict.get("score") or 0.0),
        feedback=str(verdict.get("feedback") or ""),
        understood=bool(verdict.get("understood", True)),
        details=details,
        response_text=text,
    )


def fetch_lesson(
    lesson_id: str, *, language: str | None = None, env: Mapping[str, str] = os.environ
) -> Any:
    """The learner's copy of a course lesson, from the service (a :class:`Lesson`), in
    ``language`` where the lesson is translated into it; by default the language the learner's
    environment names (``LESSONKIT_LANGUAGE``, JupyterLab's, the browser's; see
    :mod:`lessonkit.i18n.choice`), else the lesson as written."""
    from urllib.parse import quote

    from ..errors import StorageError
    from ..i18n.choice import choose_language, environment_preferences
    from ..lesson.loader import loads_lesson

    base = service_url(env)
    if not base:
        raise StorageError("no course service configured (LESSONKIT_STORE=hub+https://…)")
    if language is None:
        chosen = choose_language(**environment_preferences(env))
        language = chosen.language if chosen.source != "default" else None
    query = f"?lang={quote(language, safe='')}" if language else ""
    try:
        url = f"{base}api/lessons/{lesson_id}{query}"
        status, text = request_json("GET", url, hub_token(env))
    except OSError as exc:
        raise StorageError(f"cannot reach the course service at {base}: {exc}") from exc
    if status != 200 or not isinstance(text, dict) or not isinstance(text.get("yaml"), str):
        raise StorageError(f"the course service has no lesson {lesson_id!r} for you ({status})")
    return loads_lesson(text["yaml"], f"{base}api/lessons/{lesson_id}")


def fetch_roster(course: str, *, env: Mapping[str, str] = os.environ) -> list[Any]:
    """The learners of the LMS course(s) connected to ``course`` (NRPS, as the service last
    read it), as learner references with their names: those who have not started included.
    For ``ClassPlan(..., roster=lambda: fetch_roster("algebra"))``; an instructor's token."""
    from ..errors import StorageError
    from ..evidence.events import LearnerRef

    base = service_url(env)
    if not base:
        raise StorageError("no course service configured (LESSONKIT_STORE=hub+https://…)")
    try:
        status, body = request_json("GET", f"{base}api/lti/roster/{course}", hub_token(env))
    except OSError as exc:
        raise StorageError(f"cannot reach the course service at {base}: {exc}") from exc
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("members"), list):
        why = body.get("error") if isinstance(body, dict) else body
        raise StorageError(
            f"the course service has no LMS roster of {course} for you (HTTP {status}: {why})"
        )
    return [
        LearnerRef(id=str(m["username"]), name=str(m.get("name") or ""))
        for m in body["members"]
        if isinstance(m, dict) and m.get("role") == "learner" and m.get("username")
    ]
