"""Learner scripts that together take every edge of a lesson's branch graph.

A *script* is what one learner does, move by move (continue, pick an option, answer right or
wrong, use a hint, skip, practise, restart). :func:`plan` searches the moves a learner can make
at each step, running the real :class:`~lessonkit.LessonSession` (the engine is the oracle),
and keeps a small set of scripts that together take every edge ``lessonkit graph`` draws
(``lessonkit.lesson.graph.edges``) and meet every kind of feedback. :func:`replay` plays a
script headlessly and says which steps the learner sees and which edges it takes; the browser
tests play the same scripts in Voilà and JupyterLab and expect exactly those steps.

The two front ends differ in what they can check: a Voilà page types code into the page and
cannot check DataFrame answers (the learner skips them), JupyterLab checks code and DataFrames
in the notebook's kernel. :class:`Front` holds the difference; a lesson's edges that no learner
can take in a front end must be listed with a reason, else :func:`plan` fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import lessonkit as lk
from lessonkit.evidence.stores.memory import MemoryStore
from lessonkit.lesson.graph import Edge, edges
from lessonkit.lesson.model import Choice, Lesson, Practice, Question

from .gradecache import CachedGrading
from .scripts import Front, Move, Played, Script, Shown, can_answer, response

__all__ = ["Front", "Move", "Played", "Script", "Shown", "plan", "replay"]


# --------------------------------------------------------------------------- headless play


class _Run:
    """A learner's sessions of a lesson, in memory, driven move by move."""

    def __init__(self, lesson: Lesson, front: Front, learner: str) -> None:
        self.lesson, self.front, self.learner = lesson, front, learner
        self.store = MemoryStore()
        self.namespace: dict[str, Any] = {}
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        if front.prior is not None:
            front.prior(self.store, learner)
        self.edges: set[Edge] = set()
        self.states: set[str] = set()
        self.runs = 1
        self.session = self._new()

    def _clock(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def _new(self) -> lk.LessonSession:
        extra: dict[str, Any] = {}
        if self.front.course is not None:
            from lessonkit.course.storage import read_record

            record = read_record(self.front.course, self.store, self.learner)
            extra = record.session_start(self.front.course, self.lesson.id)
        session = lk.LessonSession(
            self.lesson,
            learner=self.learner,
            store=self.store,
            clock=self._clock,
            namespace=self.namespace if self.front.in_kernel else None,
            **extra,
        )
        session.start()
        return session

    def shown(self) -> Shown:
        s = self.session
        if s.finished:
            return Shown(s.current_id or "", s.current.step.title, 0)
        return Shown(s.current_id or "", s.current.step.title, len(s.path))

    def moves(self) -> list[Move]:
        """Every move worth trying here."""
        s = self.session
        if s.finished:
            return []  # a restart is searched from the chosen scripts' ends (see plan)
        view = s.current
        step = view.step
        if isinstance(step, Choice):
            return [Move(step.id, "choose", option=o.value) for o in step.options]
        if isinstance(step, Practice):
            return [Move(step.id, "practice")]
        question = view.question
        if question is None:
            return [Move(step.id, "continue")]
        if not view.can_submit:  # answered in an earlier session
            return [Move(step.id, "continue")] if view.can_advance else []
        found = []
        left = view.attempts_left
        if can_answer(question, True, self.front):
            found.append(Move(step.id, "answer"))
            if view.hints_left > 0:
                found.append(Move(step.id, "answer", hints=1))
            if (left is None or left >= 2) and can_answer(question, False, self.front):
                found.append(Move(step.id, "answer", wrong=1))
        if can_answer(question, False, self.front):
            found.append(Move(step.id, "answer", wrong=1, right=False))
            if left is not None and left > 1:
                found.append(Move(step.id, "answer", wrong=left, right=False))
        if not can_answer(question, True, self.front) and step.next is not None:
            found.append(Move(step.id, "skip"))
        return found

    def apply(self, move: Move) -> None:
        s = self.session
        before = len(s.events)
        if move.do == "restart":
            self.session = self._new()
            self.runs += 1
            return
        if move.do == "choose":
            s.choose(move.option)
        elif move.do == "continue":
            s.advance()
        elif move.do == "skip":
            s.skip("not checked here")
        elif move.do == "practice":
            pool = s.current.step
            while s.current_id == pool.id and not s.finished:
                question = s.current.question
                assert question is not None
                self._submit(question, True)
                s.advance()
        else:
            question = s.current.question
            assert question is not None
            for _ in range(move.hints):
                s.hint()
                self.states.add(f"{_kind(question)}: hint")
            for _ in range(move.wrong):
                self._submit(question, False)
            if move.right:
                self._submit(question, True)
            s.advance()
        self._taken(s.events[before:])

    def _submit(self, question: Question, right: bool) -> None:
        s = self.session
        if self.front.in_kernel and question.id in self.front.kernel:
            # the test's own code, as the notebook's cell would run it
            exec(self.front.kernel[question.id][0 if right else 1], self.namespace)
        answer = response(question, right, self.front)
        if isinstance(question.check, lk.checks.Frame):  # the page reads the named variable
            answer = self.namespace[answer]
        result = s.submit(answer).result
        assert result is not None and result.understood, (question.id, result)
        if bool(result.correct) != right:
            raise AssertionError(
                f"{question.id}: a {'right' if right else 'wrong'} answer "
                f"was judged {'right' if result.correct else 'wrong'}"
            )
        kind = "right" if right else "wrong"
        if not right and s.current.attempts_left == 0:
            kind = "out of attempts"
        self.states.add(f"{_kind(question)}: {kind}")

    def _taken(self, events: list[Any]) -> None:
        for event in events:
            if event.kind != "navigated" or event.data.get("reason") == "back":
                continue
            self.edges.add(_edge(self.lesson, event.step_id, event.data))


def _kind(question: Question) -> str:
    return type(question.check).__name__.lower()


def _edge(lesson: Lesson, source: str, data: Mapping[str, Any]) -> Edge:
    """The graph edge a ``navigated`` event took."""
    target, reason = data["to"], data.get("reason", "")
    mine = [e for e in edges(lesson) if e.source == source]
    for edge in mine:
        if reason == "practice" and edge.kind == "practice":
            return edge
        if reason == "option" and edge.kind == "option" and edge.target == target:
            return edge
        if edge.kind == "rule" and edge.label == reason and edge.target == target:
            return edge
        if reason == "default" and edge.kind in ("default", "next"):
            return edge
    same = [e for e in mine if e.target == target and e.kind != "practice"]
    if reason == "skipped" and same:
        return same[0]
    raise AssertionError(f"no edge of the graph matches {source} -> {target} ({reason})")


def replay(lesson: Lesson, script: Script, front: Front, learner: str = "headless") -> Played:
    """Play ``script`` through the engine: the steps shown, edges taken, feedback met."""
    run = _Run(lesson, front, learner)
    shown = []
    for move in script:
        screen = run.shown()
        shown.append(screen)
        if screen.step != move.step:
            raise AssertionError(f"{move}: the learner is at {screen.step!r}")
        run.apply(move)
    shown.append(run.shown())
    return Played(script, shown, run.edges, run.states)


# --------------------------------------------------------------------------- search


def _signature(run: _Run, uses_mastery: bool, named: set[str]) -> tuple[Any, ...]:
    s = run.session
    state = s.state
    recs = tuple(
        (sid, r.correct, r.attempts, r.hints_used, r.visits)
        if sid in named or sid == s.current_id or run.runs > 1
        else ()
        for sid, r in sorted(state.records.items())
    )
    mastery = tuple(
        (
            c.id,
            s.mastery.mastered(c.id),
            round(s.mastery.probability(c.id), 4) if uses_mastery else 0,
        )
        for c in lesson_competencies(s.lesson)
    )
    return (
        run.runs,
        s.current_id,
        s.finished,
        tuple(sorted(s.profile.items())),
        tuple(sorted(state.choices.items())),
        recs,
        mastery,
    )


def lesson_competencies(lesson: Lesson) -> tuple[Any, ...]:
    return tuple(lesson.competencies)


def _conditions(lesson: Lesson) -> str:
    return " ".join(e.label for e in edges(lesson) if e.kind == "rule")


def plan(lesson: Lesson, front: Front) -> list[Played]:
    """A few scripts that together take every edge of ``lesson`` a learner can take in
    ``front``; fails on an edge no script takes that ``front`` gives no reason for."""
    text = _conditions(lesson)
    named = {s.id for s in lesson.steps if re.search(rf"\b{re.escape(s.id)}\b", text)}
    uses_mastery = "mastery(" in text
    key_of: Callable[[_Run], Any] = lambda run: _signature(run, uses_mastery, named)  # noqa: E731
    targets = {e for e in edges(lesson) if (e.source, e.label) not in front.unreachable}
    chosen: list[Played] = []
    covered: set[Any] = set()
    starts: list[Script] = [()]
    with CachedGrading():
        for _ in range(front.runs):
            for prefix in starts:
                graph: dict[Any, list[tuple[Move, frozenset[Any], Any]]] = {}
                start = _Run(lesson, front, "search")
                for move in prefix:
                    start.apply(move)
                _explore(start, prefix, graph, key_of)
                while targets - covered:
                    best = _best_path(graph, covered)
                    if best is None:
                        break
                    played = replay(lesson, prefix + best, front, f"plan-{len(chosen)}")
                    gained = (played.edges | played.states) - covered
                    if not gained:
                        break
                    covered |= gained
                    chosen.append(played)
            if not targets - covered:
                break
            # A restart carries the first session over: search on from each script's end.
            starts = [(*p.script, Move(p.shown[-1].step, "restart")) for p in chosen]
    missing = {e for e in targets - covered if not front.why_unreachable(e)}
    if missing:
        listed = "\n".join(
            f"  {e.source} -> {e.target} [{e.label}]"
            for e in sorted(missing, key=lambda e: (e.source, e.target))
        )
        raise AssertionError(f"{lesson.id} in {front.name}: no learner script takes\n{listed}")
    needless = [
        k
        for k in front.unreachable
        if any((e.source, e.label) == k for e in covered if isinstance(e, Edge))
    ]
    if needless:
        raise AssertionError(f"{lesson.id}: listed as unreachable but taken: {needless}")
    return chosen


def _explore(
    run: _Run,
    prefix: Script,
    graph: dict[Any, list[tuple[Move, frozenset[Any], Any]]],
    key_of: Callable[[_Run], Any],
) -> Any:
    """Depth first over moves, one visit per distinct learner state; returns its key."""
    key = key_of(run)
    if key in graph:
        return key
    graph[key] = []
    for move in run.moves():
        child = _Run(run.lesson, run.front, "search")
        for earlier in prefix:
            child.apply(earlier)
        child.edges.clear()
        child.states.clear()
        child.apply(move)
        gained = frozenset(child.edges | child.states)
        sub = _explore(child, (*prefix, move), graph, key_of)
        graph[key].append((move, gained, sub))
    return key


def _best_path(graph: dict[Any, Any], covered: set[Any]) -> Script | None:
    """The complete path (from the start) that gains most targets not yet covered."""
    start = next(iter(graph))
    memo: dict[Any, tuple[int, list[Move]]] = {}

    def best(key: Any) -> tuple[int, list[Move]]:
        """Most targets gained from ``key``, and the moves (fewest on a tie)."""
        if key in memo:
            return memo[key]
        memo[key] = (0, [])  # a cycle gains nothing
        top: tuple[int, list[Move]] = (0, [])
        for move, gained, sub in graph[key]:
            score, rest = best(sub)
            score += len(gained - covered)
            if score > top[0] or (score == top[0] > 0 and len(rest) + 1 < len(top[1])):
                top = (score, [move, *rest])
        memo[key] = top
        return top

    score, moves = best(start)
    if score == 0:
        return None
    # finish the script: continue along first moves to the end of the last run
    return _complete(graph, start, moves)


def _complete(graph: dict[Any, Any], start: Any, moves: list[Move]) -> Script:
    key = start
    path: list[Move] = []
    for move in moves:
        nxt = next(sub for m, _, sub in graph[key] if m == move)
        path.append(move)
        key = nxt
    while graph[key]:
        children = [(m, sub) for m, _, sub in graph[key] if m.do != "restart"]
        if not children:
            break
        move, key = children[0]
        path.append(move)
    return tuple(path)
