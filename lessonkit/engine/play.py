"""Headless play: drive a :class:`LessonSession` with scripted responses.

A script maps step ids (and practice-item ids) to what the learner does there::

    confidence: confident             # a choice step: the value picked
    q-range: [5, 4]                   # a question: answers in order, until one is correct
    ex-sum:                           # actions: hints, answers, a list-valued answer
      - {hint: true}
      - {answer: "def total(xs): return sum(xs)"}
    pick-two: [{answer: [a, c]}]      # wrap list-valued answers in {answer: ...}
    loop-step: {visits: [[1], [2]]}   # different actions on each visit
    p-item: [{wrong: true}, {correct: true}]  # a wrong answer, then a right one, made up
                                              # from the check as shown (variants drawn)
    pool: {correct: true}             # a practice pool: each item it gives (or by item id)

On a question the answers are submitted in order until one is correct or no attempts are
left; then the learner moves on. Content steps are passed through. A practice item is looked
up by its own id first (each time the pool gives it is a visit), then by the pool's id.
``{correct: true}`` and ``{wrong: true}`` answer right or wrong without knowing the answer, so a
randomized item needs no drawn values (code, DataFrame, free-response and custom checks need
the answer itself). The same lesson, script and seed always give the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import LessonDefinitionError, SessionStateError
from ..lesson.model import Choice, Content, End, Lesson, Practice
from .session import LessonSession

__all__ = ["PlayResult", "Script", "play"]

MAX_MOVES = 10_000
"""A script that keeps a learner looping is stopped after this many moves."""


class Script:
    """Scripted actions per step id and visit."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise LessonDefinitionError("a responses script must be a mapping of step ids")
        self._visits: dict[str, list[list[Any]]] = {}
        self._used: dict[str, int] = {}
        for key, value in data.items():
            if isinstance(value, Mapping) and "visits" in value:
                visits = value["visits"]
                if not isinstance(visits, list) or not all(isinstance(v, list) for v in visits):
                    raise LessonDefinitionError(f"{key}: 'visits' must be a list of lists")
                self._visits[str(key)] = visits
            elif isinstance(value, list):
                self._visits[str(key)] = [value]
            else:
                self._visits[str(key)] = [[value]]

    def next_visit(self, key: str) -> list[Any] | None:
        """Actions for the next visit of ``key`` (the last visit repeats), or ``None``."""
        visits = self._visits.get(key)
        if not visits:
            return None
        n = self._used.get(key, 0)
        self._used[key] = n + 1
        return visits[min(n, len(visits) - 1)]


@dataclass
class PlayResult:
    """What a headless run did."""

    session: LessonSession
    completed: bool
    stopped_at: str | None = None
    error: str | None = None
    feedback: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``lessonkit play --json`` object."""
        s = self.session
        earned, available = s.score()
        out: dict[str, Any] = {
            "lesson": s.lesson.id,
            "lesson_version": s.lesson.version,
            "language": s.lesson.language,
            "learner": s.learner.id,
            "registration": s.registration,
            "path": list(s.path),
            "completed": self.completed,
            "score": round(earned, 6),
            "max_score": round(available, 6),
            "mastery": {c.id: round(s.mastery.probability(c.id), 6) for c in s.lesson.competencies},
            "mastered": sorted(c.id for c in s.lesson.competencies if s.mastery.mastered(c.id)),
            "profile": dict(sorted(s.profile.items())),
            "steps": {
                sid: {
                    "visits": r.visits,
                    "attempts": r.attempts,
                    "hints": r.hints_used,
                    "correct": r.correct,
                    "score": round(r.best_score, 6),
                }
                for sid, r in s.records.items()
                if r.attempts or r.hints_used
            },
            "feedback": self.feedback,
            "events": len(s.events),
        }
        if self.stopped_at is not None:
            out["stopped_at"] = self.stopped_at
            out["error"] = self.error
        return out


def play(
    lesson: Lesson,
    script: Script | Mapping[str, Any],
    *,
    seed: int = 0,
    learner: str = "player",
    store: Any = None,
    session: LessonSession | None = None,
    language: str | None = None,
) -> PlayResult:
    """Run ``lesson`` headless with the scripted responses.

    ``session`` drives a session made by the caller (e.g. one started from a course record,
    with its own clock) instead of a new one; it is started here if it has not started.
    ``language`` plays a new session in that language (translated text, numbers written its
    way: a script for ``de`` may answer ``"3,5"``).
    """
    if not isinstance(script, Script):
        script = Script(script)
    if session is None:
        session = LessonSession(
            lesson,
            learner=learner,
            seed=seed,
            store=store,
            clock=_fixed_clock(),
            language=language,
        )
    result = PlayResult(session=session, completed=False)
    if not session.started:
        session.start()
    for _ in range(MAX_MOVES):
        if session.finished:
            result.completed = True
            return result
        step = session.current.step
        try:
            _play_step(session, step, script, result)
        except _ScriptEndedError as stop:
            result.stopped_at, result.error = step.id, str(stop)
            return result
        except SessionStateError as exc:
            result.stopped_at, result.error = step.id, str(exc)
            return result
    result.stopped_at = session.current_id
    result.error = f"stopped after {MAX_MOVES} moves: the script keeps the learner looping"
    return result


class _ScriptEndedError(Exception):
    pass


def _play_step(session: LessonSession, step: Any, script: Script, result: PlayResult) -> None:
    if isinstance(step, (Content, End)):
        session.advance()
        return
    if isinstance(step, Choice):
        actions = script.next_visit(step.id)
        if not actions:
            raise _ScriptEndedError(f"no choice scripted for step {step.id!r}")
        action = actions[0]
        value = action.get("choose") if isinstance(action, Mapping) else action
        session.choose(str(value))
        return
    key = session.current.question.id if session.current.question else step.id
    actions = script.next_visit(key)
    if actions is None and isinstance(step, Practice):
        actions = script.next_visit(step.id)
    if not actions:
        raise _ScriptEndedError(f"no response scripted for {key!r}")
    for action in actions:
        view = session.current
        if isinstance(action, Mapping) and action.get("hint"):
            if view.hints_left:
                session.hint()
            continue
        if not view.can_submit:
            break
        outcome = session.submit(_answer(action, view.question))
        result.feedback.append(
            {
                "step": key,
                "correct": bool(outcome.result.correct),
                "understood": bool(outcome.result.understood),
                "feedback": outcome.result.feedback,
            }
        )
        if outcome.result.correct:
            break
    session.advance()


def _answer(action: Any, question: Any) -> Any:
    """The response an action gives: ``{answer: x}`` or ``x``, or one made up from the
    question as shown for ``{correct: true}`` / ``{wrong: true}``."""
    if not isinstance(action, Mapping):
        return action
    if "answer" in action:
        return action["answer"]
    for token, right in (("correct", True), ("wrong", False)):
        if action.get(token) is True:
            from ..checks.respond import UnanswerableError, respond

            try:
                return respond(question.check, right)
            except UnanswerableError as exc:
                raise _ScriptEndedError(
                    f"{question.id}: {{{token}: true}} cannot answer it ({exc}); "
                    "script the answer itself"
                ) from exc
    return action


def _fixed_clock() -> Any:
    """A clock advancing one second per reading from a fixed epoch (deterministic runs)."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = iter(range(10**9))
    return lambda: start + timedelta(seconds=next(ticks))


def load_script(path: str) -> Script:
    """Read a responses script (YAML or JSON)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise LessonDefinitionError(f"{path}: cannot read responses: {exc.strerror}") from exc
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: e.g. an integer too long to read
        raise LessonDefinitionError(f"{path}: not valid YAML/JSON: {exc}") from exc
    return Script(data or {})
