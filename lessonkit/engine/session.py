"""``LessonSession``: the one place run state lives.

A session walks a learner through a lesson: it shows the current step, checks answers, gives
hints, records choices, updates mastery, decides where to go next (and says why), and emits an
:class:`~lessonkit.evidence.events.Event` for each of these. Widgets, ``lessonkit play``,
the nbgrader integration and tests all drive this same class.

A session can be rebuilt from its recorded events (:meth:`LessonSession.resume`), so a learner
who comes back continues where they stopped.

>>> import lessonkit as lk
>>> lesson = lk.load_lesson("lessons/loops/loops.lesson.yaml")  # doctest: +SKIP
>>> s = lk.LessonSession(lesson, learner="ada")                  # doctest: +SKIP
>>> s.start(); s.current.step.id                                 # doctest: +SKIP
'welcome'
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import SessionStateError
from ..evidence.events import Event, LearnerRef
from ..lesson.model import Choice, End, Lesson, Practice, Question, Step
from .decisions import (
    PracticeState,
    RunContext,
    choose_branch,
    mastery_tracker,
    next_practice_item,
    prepare_question,
)
from .outcomes import Decision, Outcome, StepRecord, StepView

__all__ = ["LessonSession"]

Listener = Callable[[Event], None]
_NS = uuid.UUID("6f1c2a52-93a4-4b6e-9d43-6c1d1f1b6a10")


def _learner_ref(learner: LearnerRef | str | None) -> LearnerRef:
    if isinstance(learner, LearnerRef):
        return learner
    if learner:
        return LearnerRef(id=learner)
    from ..evidence.identity import resolve_learner

    return resolve_learner()


class LessonSession:
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
        Makes variant draws, practice selection and the registration deterministic.
    clock
        Returns the current UTC time (tests and headless play pass a fixed clock).
    namespace
        The notebook namespace code exercises look names up in (JupyterLab), if any.
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
    ) -> None:
        self.lesson = lesson
        self.learner = _learner_ref(learner)
        self.store = store
        self.seed = seed
        self.namespace = namespace
        self.clock = clock or (lambda: datetime.now(UTC))
        if registration is None:
            registration = str(
                uuid.uuid5(_NS, f"{lesson.id}|{self.learner.id}|{seed}")
                if seed is not None
                else uuid.uuid4()
            )
        self.registration = registration
        self.profile: dict[str, str] = dict(profile or {})
        self.choices: dict[str, str] = {}
        self.records: dict[str, StepRecord] = {}
        self.path: list[str] = []
        self.events: list[Event] = []
        self.mastery = mastery_tracker(lesson)
        self.practice: dict[str, PracticeState] = {}
        self.current_id: str | None = None
        self.finished = False
        self._listeners: list[Listener] = []
        self._hash = lesson.content_hash()
        self._last_left: str | None = None
        self._shown: dict[str, Question] = {}
        self._replaying = False

    # ------------------------------------------------------------------ events

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every event emitted from now on."""
        self._listeners.append(listener)

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
        )
        self.events.append(event)
        if not self._replaying:
            if self.store is not None:
                from ..evidence import event_to_statement

                self.store.append([event_to_statement(event)])
            for listener in self._listeners:
                listener(event)
        return event

    # ------------------------------------------------------------------ reading

    def record(self, step_id: str) -> StepRecord:
        """The record of a step (created empty on first use)."""
        return self.records.setdefault(step_id, StepRecord())

    @property
    def started(self) -> bool:
        """The session has been started (or resumed)."""
        return self.current_id is not None or self.finished

    @property
    def current(self) -> StepView:
        """The current step as the learner should see it."""
        if self.current_id is None:
            raise SessionStateError("the session has not started: call start()")
        step = self.lesson.step(self.current_id)
        question = self._active_question()
        rec = self.record(question.id) if question else self.record(step.id)
        limit = question.max_attempts if question else None
        attempts_left = None if limit is None else max(0, limit - rec.attempts)
        hints = question.hints[: rec.hints_used] if question else ()
        solution = ""
        if (
            question
            and question.show_solution_after is not None
            and question.solution
            and (rec.attempts >= question.show_solution_after or rec.correct)
        ):
            solution = question.solution
        practice = self.practice.get(step.id)
        return StepView(
            step=step,
            question=question,
            record=rec,
            hints=hints,
            hints_left=(len(question.hints) - rec.hints_used) if question else 0,
            attempts_left=attempts_left,
            can_submit=bool(question)
            and not rec.correct
            and attempts_left != 0
            and not self.finished,
            can_advance=self._can_advance(step, question, rec, attempts_left),
            can_go_back=self.lesson.settings.allow_back
            and len(self.path) > 1
            and not self.finished,
            solution=solution,
            position=len(self.path),
            practice_progress=(practice.given, practice.max_items) if practice else None,
        )

    def _can_advance(
        self, step: Step, question: Question | None, rec: StepRecord, attempts_left: int | None
    ) -> bool:
        if self.finished or isinstance(step, End):
            return False
        if isinstance(step, Choice):
            return self.choices.get(step.id) is not None
        if question is None:
            return True
        return rec.correct or attempts_left == 0 or rec.attempts > 0

    def _active_question(self) -> Question | None:
        step = self.lesson.step(self.current_id) if self.current_id else None
        if isinstance(step, Question):
            return self._shown.get(step.id)
        if isinstance(step, Practice):
            state = self.practice.get(step.id)
            return self._shown.get(state.item_id) if state and state.item_id else None
        return None

    def score(self) -> tuple[float, float]:
        """(points earned, points available) over the questions met so far."""
        earned = sum(r.points for r in self.records.values())
        available = sum(r.max_points for r in self.records.values())
        return earned, available

    def context(self) -> RunContext:
        """The read-only view branching conditions are evaluated against."""
        return RunContext(self)

    # ------------------------------------------------------------------ actions

    def start(self) -> Outcome:
        """Begin the lesson at its start step."""
        if self.started:
            raise SessionStateError("the session has already started")
        self._emit("started", profile=dict(self.profile))
        self._enter(self.lesson.start_id)
        return Outcome(action="start", step_id=self.lesson.start_id)

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
        )
        mastery: dict[str, tuple[float, float]] = {}
        if result.understood:
            rec.attempts += 1
            mastery = self._apply_result(question, rec, result, duration)
        return Outcome(action="submit", step_id=question.id, result=result, mastery=mastery)

    def _apply_result(
        self, question: Question, rec: StepRecord, result: Any, duration: float | None
    ) -> dict[str, tuple[float, float]]:
        rec.last_correct = bool(result.correct)
        rec.correct = rec.correct or rec.last_correct
        rec.last_score = float(result.score)
        rec.best_score = max(rec.best_score, rec.last_score)
        rec.points = rec.best_score * rec.max_points
        rec.responses.append(result.response_text)
        self._emit(
            "answered",
            question.id,
            response=result.response_text,
            raw=_jsonable(result.details.get("raw")),
            correct=rec.last_correct,
            score=rec.last_score,
            points=rec.last_score * question.points,
            max_points=question.points,
            attempt=rec.attempts,
            hints_used=rec.hints_used,
            checker=question.check.type,
            variant_seed=rec.variant_seed,
            competencies=list(question.competencies),
            duration=duration,
            feedback=result.feedback,
            item_id=question.id if self._in_practice() else None,
        )
        changes: dict[str, tuple[float, float]] = {}
        for cid in question.competencies:
            change = self.mastery.observe(
                cid, rec.last_correct, attempt=rec.attempts, hinted=rec.hints_used > 0
            )
            if change is not None:
                changes[cid] = change
                self._emit(
                    "mastery",
                    question.id,
                    competency=cid,
                    before=change[0],
                    after=change[1],
                    mastered=self.mastery.mastered(cid),
                )
        return changes

    def _in_practice(self) -> bool:
        return isinstance(self.lesson.step(self.current_id or ""), Practice)

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

    def choose(self, value: str) -> Outcome:
        """Pick an option of the current choice step, then move on."""
        step = self.lesson.step(self.current_id or "")
        if not isinstance(step, Choice):
            raise SessionStateError(f"step {step.id!r} is not a choice")
        option = next((o for o in step.options if o.value == value), None)
        if option is None:
            allowed = ", ".join(repr(o.value) for o in step.options)
            raise SessionStateError(f"{value!r} is not an option of {step.id!r} ({allowed})")
        self.choices[step.id] = value
        self.record(step.id).choice = value
        if step.field:
            self.profile[step.field] = value
        self.profile.update(option.sets)
        self._emit("chose", step.id, value=value, field=step.field, sets=dict(option.sets))
        if option.goto:
            return self._move(
                step, Decision(from_step=step.id, to_step=option.goto, reason="option"), "choose"
            )
        return self.advance(action="choose")

    def advance(self, *, action: str = "advance") -> Outcome:
        """Leave the current step for the next one the branching rules pick."""
        view = self.current
        if not view.can_advance:
            raise SessionStateError(f"cannot leave {view.step.id!r} yet: answer it first")
        step = view.step
        if isinstance(step, Practice):
            state = self.practice[step.id]
            if not state.done(self):
                self._next_item(step)
                self._emit("navigated", step.id, to=step.id, reason="practice", item=state.item_id)
                return Outcome(
                    action=action,
                    step_id=step.id,
                    decision=Decision(from_step=step.id, to_step=step.id, reason="practice"),
                )
        if step.next is None:  # a choice whose options all carry goto
            raise SessionStateError(f"step {step.id!r} has nowhere to go")
        self._last_left = step.id
        target, reason = choose_branch(step.next, self.context())
        return self._move(step, Decision(from_step=step.id, to_step=target, reason=reason), action)

    def back(self) -> Outcome:
        """Return to the previous step on the path (answers already given stay recorded)."""
        view = self.current
        if not view.can_go_back:
            raise SessionStateError("going back is not possible here")
        self.path.pop()
        target = self.path.pop()
        return self._move(
            view.step, Decision(from_step=view.step.id, to_step=target, reason="back"), "back"
        )

    def _move(self, step: Step, decision: Decision, action: str) -> Outcome:
        assert decision.to_step is not None
        self._emit("navigated", step.id, to=decision.to_step, reason=decision.reason)
        finished = self._enter(decision.to_step)
        return Outcome(action=action, step_id=step.id, decision=decision, finished=finished)

    def _enter(self, step_id: str) -> bool:
        step = self.lesson.step(step_id)
        self.current_id = step_id
        self.path.append(step_id)
        rec = self.record(step_id)
        rec.visits += 1
        self._emit("experienced", step_id, visit=rec.visits, title=step.title)
        if isinstance(step, Question) and step_id not in self._shown:
            self._show(step, variant=0)
        if isinstance(step, Practice):
            self.practice[step_id] = PracticeState(step, self.seed)
            self._next_item(step)
        if isinstance(step, End):
            self._finish()
            return True
        return False

    def _show(self, question: Question, variant: int, *, graded: bool = True) -> None:
        rec = self.record(question.id)
        shown, seed = prepare_question(question, self.learner.id, self.lesson.id, variant)
        rec.variant_seed = seed
        # Practice items are formative: they drive mastery, not the lesson's points.
        rec.max_points = question.points if graded else 0.0
        self._shown[question.id] = shown

    def _next_item(self, step: Practice) -> None:
        state = self.practice[step.id]
        item, variant = next_practice_item(state, self)
        state.item_id = item.id
        # A repeated item is a fresh question with a new variant: reset its attempt record.
        self.records[item.id] = StepRecord(visits=1)
        self._show(item, variant, graded=False)
        state.given += 1

    def _finish(self) -> None:
        earned, available = self.score()
        scaled = earned / available if available else 1.0
        self.finished = True
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
        """Rebuild a session from its recorded events, ready to continue where it stopped."""
        from .replay import replay

        return replay(cls, lesson, events, **kwargs)


def _jsonable(value: Any) -> Any:
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value
