"""``LessonSession``: the one place run state lives.

A session walks a learner through a lesson: it shows the current step, checks answers, gives
hints, records choices, updates mastery, decides where to go next (and says why), and emits an
:class:`~lessonkit.evidence.events.Event` for each of these. Widgets, ``lessonkit play``,
the nbgrader integration and tests all drive this same class.

A session can be rebuilt from its recorded events (:meth:`LessonSession.resume`), so a learner
who comes back continues where they stopped; a new session carries over the learner's attempts
from their other sessions.

>>> s = lk.LessonSession(lesson, learner="ada")  # doctest: +SKIP
>>> s.start(); s.current.step.id                 # doctest: +SKIP
'welcome'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import SessionStateError
from ..evidence.events import Event, LearnerRef
from ..evidence.identity import learner_ref
from ..evidence.secret import session_keys
from ..lesson.model import Choice, End, Lesson, Practice, Question, Step
from ..lesson.serialize import content_hash
from .answers import answer_data, recorded_data
from .decisions import RunContext, choose_branch, known_choice
from .history import carry_over, refuse_restart
from .journal import Journal, Listener, action
from .outcomes import Decision, Outcome, StepRecord, StepView
from .state import RunState
from .state_view import RunStateView
from .view import step_view

__all__ = ["LessonSession"]


class LessonSession(RunStateView):
    """A learner's run through a lesson.

    Parameters
    ----------
    lesson
        The lesson to run.
    learner
        A :class:`LearnerRef`, a learner id, or ``None`` to resolve it from the environment.
    store
        Where events go as xAPI statements (any ``lessonkit.evidence.stores`` store), or ``None``.
    registration
        Session id (UUID text); generated when omitted.
    seed
        Makes practice selection deterministic and, without a ``secret``, variant draws and the
        registration too (headless play: reproducible from the learner id by anyone).
    secret
        Keys variant seeds (and a seeded registration) with HMAC; by default a learner's live
        session (no ``seed``) uses :func:`lessonkit.evidence.secret.resolve_secret`.
    clock
        Returns the current UTC time (tests and headless play pass a fixed clock).
    namespace
        The notebook namespace code exercises look names up in (JupyterLab), if any.
    profile, mastery_start
        Profile fields and P(known) per competency carried in (e.g. from a course record).
    history
        The learner's other sessions' events (or statements); ``None`` reads them from ``store``.
        Attempts, hints and results carry over (:mod:`lessonkit.engine.history`); with
        ``allow_restart: false``, :meth:`start` refuses a second session.
    identity
        Who is working (e.g. nbgrader student, ``JUPYTERHUB_USER``), kept in ``started``.
    language
        The learner's language, a BCP 47 tag (``None``: the lesson's own): its translation is
        shown where there is one (:attr:`lesson`), numbers are read its way (``3,5`` in
        ``de``), events record the language shown (docs/translations.md).
    """

    def __init__(
        self,
        lesson: Lesson,
        *,
        learner: LearnerRef | str | None = None,
        store: Any = None,
        registration: str | None = None,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        namespace: Mapping[str, Any] | None = None,
        profile: Mapping[str, str] | None = None,
        mastery_start: Mapping[str, float] | None = None,
        history: Iterable[Event | Mapping[str, Any]] | None = None,
        identity: Mapping[str, str] | None = None,
        secret: bytes | str | None = None,
        language: str | None = None,
    ) -> None:
        from ..lesson.units import localize

        self.lesson = localize(lesson, language)  # as the learner sees it; ValueError: no tag
        self.language = language
        self.learner = learner_ref(learner)
        self.store = store
        self.seed = seed
        self.namespace = namespace
        self.clock = clock or (lambda: datetime.now(UTC))
        variants = any(q.params or q.derived for q in lesson.questions())
        keys = session_keys(lesson.id, self.learner.id, seed=seed, secret=secret, variants=variants)
        self.registration = registration or keys.registration
        self.state = RunState(
            self.lesson,
            learner_id=self.learner.id,
            seed=seed,
            profile=profile,
            variant_key=keys.variant_key,
        )
        """The run's state (records, path, choices, profile, mastery); see :class:`RunState`."""
        self.identity = dict(identity or {})
        self.events: list[Event] = []
        self._journal = Journal()
        self._hash = content_hash(lesson)  # the source's: the same evidence in any language
        self.earlier_sessions: tuple[str, ...] = carry_over(
            self.state, history, store=store, learner=self.learner, registration=self.registration
        )
        """Registrations of the learner's other sessions of this lesson, oldest first."""
        self.state.start_from(mastery_start)  # a course record's mastery wins over the history
        from ..checks.warmup import warm_up

        warm_up(q.check for q in self.lesson.questions())  # SymPy or pandas, before the first Check

    # ------------------------------------------------------------------ events

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every event emitted from now on, in order, once the
        event is durable (after its action's batch was written; see :mod:`.journal`)."""
        self._journal.listeners.append(listener)

    @property
    def unwritten(self) -> tuple[Event, ...]:
        """Events not yet written: empty between actions unless a write failed."""
        return tuple(self._journal.pending)

    def flush(self) -> None:
        """Retry writing pending events (actions write theirs before returning); a
        :class:`~lessonkit.errors.StorageError` leaves them pending."""
        self._journal.flush(self.store)

    def _emit(self, kind: str, step_id: str | None = None, **data: Any) -> Event:
        event = Event(
            kind=kind,
            learner=self.learner,
            lesson_id=self.lesson.id,
            lesson_version=self.lesson.version,
            content_hash=self._hash,
            registration=self.registration,
            seq=len(self.events),
            timestamp=self.clock(),
            step_id=step_id,
            data=data,
            language=self.lesson.language if self.language else None,
        )
        self.events.append(event)
        # Written with the rest of the action's events when the action ends (one sync).
        self._journal.record(event, self.store)
        return event

    # ------------------------------------------------------------------ reading

    def record(self, step_id: str) -> StepRecord:
        """The record of a step (created empty on first use)."""
        return self.state.record(step_id)

    @property
    def started(self) -> bool:
        """The session has been started (or resumed)."""
        return self.current_id is not None or self.finished

    @property
    def current(self) -> StepView:
        """The current step as the learner should see it."""
        if self.current_id is None:
            raise SessionStateError("the session has not started: call start()")
        return step_view(self.state)

    def score(self) -> tuple[float, float]:
        """(points earned, points available) over the questions met and judged so far."""
        return self.state.score()

    def pending(self) -> tuple[int, float]:
        """(questions, points) whose answers are recorded for grading, not judged live."""
        return self.state.pending()

    def context(self) -> RunContext:
        """The read-only view branching conditions are evaluated against."""
        return RunContext(self.state)

    # ------------------------------------------------------------------ actions

    @action
    def start(self) -> Outcome:
        """Begin the lesson at its start step."""
        if self.started:
            raise SessionStateError("the session has already started")
        refuse_restart(self.lesson, self.learner.id, self.earlier_sessions)
        extra: dict[str, Any] = {"identity": dict(self.identity)} if self.identity else {}
        extra.update({"language": self.language} if self.language else {})  # asked for
        self._emit("started", profile=dict(self.profile), **self.state.carried(), **extra)
        self._enter(self.lesson.start_id)
        return Outcome(action="start", step_id=self.lesson.start_id)

    @action
    def submit(self, response: Any, *, duration: float | None = None) -> Outcome:
        """Check an answer to the current question (or practice item)."""
        view = self.current
        question = view.question
        if question is None:
            raise SessionStateError(f"step {view.step.id!r} takes no answer")
        if not view.can_submit:
            why = "it is already correct" if view.record.correct else "no attempts are left"
            raise SessionStateError(f"cannot answer {question.id!r}: {why}")
        from ..checks import grade

        rec = view.record
        result = grade(
            question,
            response,
            attempt=rec.attempts + 1,
            hints_used=rec.hints_used,
            seed=rec.variant_seed,
            namespace=self.namespace,
            language=self.language or self.lesson.language,
        )
        mastery: dict[str, tuple[float, float]] = {}
        if result.understood and result.details.get("recorded") is True:  # judged at grading
            self.state.apply_recorded(question, response=result.response_text)
            self._emit(
                "answered", question.id, **recorded_data(self.state, question, result, duration)
            )
        elif result.understood:
            mastery = self._apply_result(question, rec, result, duration)
        return Outcome(action="submit", step_id=question.id, result=result, mastery=mastery)

    def _apply_result(
        self, question: Question, rec: StepRecord, result: Any, duration: float | None
    ) -> dict[str, tuple[float, float]]:
        changes = self.state.apply_answer(
            question,
            correct=bool(result.correct),
            score=float(result.score),
            response=result.response_text,
        )
        self._emit("answered", question.id, **answer_data(self.state, question, result, duration))
        for cid, (before, after) in changes.items():
            self._emit(
                "mastery",
                question.id,
                competency=cid,
                before=before,
                after=after,
                mastered=self.mastery.mastered(cid),
            )
        return changes

    @action
    def hint(self) -> Outcome:
        """Show the next hint of the current question."""
        view = self.current
        question = view.question
        if question is None or view.hints_left <= 0:
            raise SessionStateError("there is no further hint here")
        view.record.hints_used += 1
        index = view.record.hints_used - 1
        self._emit("hint", question.id, index=index, attempt=view.record.attempts)
        return Outcome(action="hint", step_id=question.id, hint=question.hints[index])

    @action
    def choose(self, value: str) -> Outcome:
        """Pick an option of the current choice step, then move on."""
        step = self.lesson.step(self.current_id or "")
        if not isinstance(step, Choice):
            raise SessionStateError(f"step {step.id!r} is not a choice")
        option = next((o for o in step.options if o.value == value), None)
        if option is None:
            allowed = ", ".join(repr(o.value) for o in step.options)
            raise SessionStateError(f"{value!r} is not an option of {step.id!r} ({allowed})")
        self.state.apply_choice(step.id, value, field=step.field, sets=option.sets)
        self._emit("chose", step.id, value=value, field=step.field, sets=dict(option.sets))
        if option.goto:
            return self._move(
                step, Decision(from_step=step.id, to_step=option.goto, reason="option"), "choose"
            )
        return self.advance(action="choose")

    @action
    def advance(self, *, action: str = "advance") -> Outcome:
        """Leave the current step for the next one the branching rules pick."""
        view = self.current
        if not view.can_advance:
            raise SessionStateError(f"cannot leave {view.step.id!r} yet: answer it first")
        step = view.step
        if isinstance(step, Practice):
            state = self.practice[step.id]
            if not state.done(self.state):
                self.state.next_item(step)
                self._emit("navigated", step.id, to=step.id, reason="practice", item=state.item_id)
                return Outcome(
                    action=action,
                    step_id=step.id,
                    decision=Decision(from_step=step.id, to_step=step.id, reason="practice"),
                )
        if step.next is None:  # a choice whose options all carry goto
            raise SessionStateError(f"step {step.id!r} has nowhere to go")
        self.state.leave(step.id)
        target, reason = choose_branch(step.next, self.context())
        return self._move(step, Decision(from_step=step.id, to_step=target, reason=reason), action)

    @action
    def skip(self, why: str) -> Outcome:
        """Leave the current question unchecked (see :func:`.skip.skip_question`)."""
        from .skip import skip_question

        return skip_question(self, why)

    @action
    def back(self) -> Outcome:
        """Return to the previous step on the path (answers already given stay recorded)."""
        view = self.current
        if not view.can_go_back:
            raise SessionStateError("going back is not possible here")
        target = self.state.back()
        return self._move(
            view.step, Decision(from_step=view.step.id, to_step=target, reason="back"), "back"
        )

    def _move(self, step: Step, decision: Decision, action: str, **extra: Any) -> Outcome:
        assert decision.to_step is not None
        self._emit("navigated", step.id, to=decision.to_step, reason=decision.reason, **extra)
        finished = self._enter(decision.to_step, ask=action == "back")
        return Outcome(action=action, step_id=step.id, decision=decision, finished=finished)

    def _enter(self, step_id: str, *, ask: bool = False) -> bool:
        step = self.state.enter(step_id)
        self._emit("experienced", step_id, visit=self.record(step_id).visits, title=step.title)
        known = None if ask else known_choice(step, self.profile)
        if known is not None:  # chosen before (a course carries the profile): not asked again
            return self.choose(known).finished
        if isinstance(step, Practice) and self.practice[step_id].item_id is None and not ask:
            return self._pass_mastered(step)  # going back, it shows (nothing left to ask)
        if isinstance(step, End):
            self._finish()
            return True
        return False

    def _pass_mastered(self, step: Practice) -> bool:
        """Leave a practice pool whose competencies are all mastered on arrival: no item is
        given; the ``navigated`` event says so (``skipped: "mastered"``, with the
        competencies) and the pool's branch picks where to go, as after its last item."""
        if step.next is None:  # pragma: no cover - the schema requires a pool's next
            raise SessionStateError(f"step {step.id!r} has nowhere to go")
        self.state.leave(step.id)
        target, reason = choose_branch(step.next, self.context())
        decision = Decision(from_step=step.id, to_step=target, reason=reason)
        competencies = list(self.practice[step.id].competencies())
        outcome = self._move(
            step, decision, "advance", skipped="mastered", competencies=competencies
        )
        return outcome.finished

    def _finish(self) -> None:
        earned, available = self.score()
        scaled = earned / available if available else 1.0
        path = list(self.path)
        self._emit(
            "completed",
            self.current_id,
            score=earned,
            max_score=available,
            scaled=scaled,
            path=path,
        )

    # ------------------------------------------------------------------ resume

    @classmethod
    def resume(cls, lesson: Lesson, events: Iterable[Event], **kwargs: Any) -> LessonSession:
        """Rebuild a session from its recorded events, ready to continue where it stopped.

        ``events`` are one registration's events (any order); ``kwargs`` are passed to the
        constructor (``store``, ``clock``, ``namespace``...); the learner defaults to the one
        recorded. Answers are not checked again: each event's effect is applied as recorded.
        """
        from .replay import replay, replayable

        ordered = replayable(lesson, events)
        kwargs.setdefault("learner", ordered[0].learner)
        session = cls(lesson, registration=ordered[0].registration, **kwargs)
        replay(session.state, ordered)
        session.events.extend(ordered)
        session._emit("resumed", session.current_id, from_seq=ordered[-1].seq)
        return session
