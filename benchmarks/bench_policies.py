"""Adaptive engine speed and value: a session step, simulating a class, items to mastery.

(a) one submit-and-decide step of a :class:`LessonSession` (check the answer, update mastery,
    record evidence in a memory store, evaluate the branch rules, enter the next step), against
    checking the same answer alone;
(b) 10 000 simulated learners through a generated 30-step lesson (the fast engine), against the
    full-session engine on a sample of the same learners;
(c) items a simulated learner needs to master three competencies: the mastery-driven selection
    policy against a fixed round-robin sequence of the same pool (both stop at mastery).
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from timing import per_call

import lessonkit as lk
from lessonkit.checks import Choice, Numeric
from lessonkit.checks.dispatch import check
from lessonkit.evidence.stores.memory import MemoryStore
from lessonkit.lesson.model import MasteryParams
from lessonkit.policies.mastery import MasteryTracker
from lessonkit.policies.selection import select_item
from lessonkit.simulation import LearnerModel, SimulatedLearner, simulate

COMPS = (
    lk.Competency(id="c0", mastery=MasteryParams(prior=0.2, learn=0.2, guess=0.2, slip=0.1)),
    lk.Competency(id="c1", mastery=MasteryParams(prior=0.4, learn=0.15, guess=0.15, slip=0.1)),
    lk.Competency(id="c2", mastery=MasteryParams(prior=0.1, learn=0.25, guess=0.1, slip=0.05)),
)


def chain_lesson(questions: int) -> lk.Lesson:
    """Numeric questions in a row, each with a branch rule (for the step benchmark)."""
    steps: list[lk.Step] = []
    for i in range(questions):
        nxt = f"q{i + 1}" if i + 1 < questions else "end"
        rule = lk.Rule(when="correct and attempts == 1 and mastery('c0') > 0.99", goto=nxt)
        steps.append(
            lk.Question(
                id=f"q{i}",
                prompt=f"{i} + 1 = ?",
                check=Numeric(answer=i + 1),
                competencies=("c0",),
                next=lk.Branch(rules=(rule,), default=nxt),
            )
        )
    return lk.Lesson(
        id="chain", title="Chain", competencies=COMPS, steps=(*steps, lk.End(id="end"))
    )


def thirty_step_lesson() -> lk.Lesson:
    """30 steps: a choice, content, questions with rules and remediation, a practice pool."""
    steps: list[lk.Step] = [
        lk.Choice(
            id="goal",
            prompt="Why are you here?",
            field="goal",
            options=(lk.ChoiceOption(value="exam"), lk.ChoiceOption(value="fun")),
            next=lk.Branch(
                rules=(lk.Rule(when="profile.goal == 'exam'", goto="s1"),), default="s1"
            ),
        )
    ]
    for i in range(1, 27):
        nxt = f"s{i + 1}" if i < 26 else "drill"
        cid = f"c{i % 3}"
        if i % 4 == 1:
            steps.append(lk.Content(id=f"s{i}", body=f"Part {i}", next=nxt))
        elif i % 4 == 3:
            steps.append(
                lk.Question(
                    id=f"s{i}",
                    prompt="Pick b",
                    check=Choice(options=("a", "b", "c"), answer="b"),
                    competencies=(cid,),
                    max_attempts=2,
                    next=lk.Branch(
                        rules=(
                            lk.Rule(when=f"not correct and visits('s{i}') < 2", goto=f"s{i - 1}"),
                            lk.Rule(when=f"mastered('{cid}')", goto=nxt),
                        ),
                        default=nxt,
                    ),
                )
            )
        else:
            steps.append(
                lk.Question(
                    id=f"s{i}",
                    prompt=f"{i} * 2 = ?",
                    check=Numeric(answer=2 * i),
                    competencies=(cid,),
                    hints=("Double it.",),
                    max_attempts=3,
                    attempt_scores=(1, 0.5, 0.25),
                    next=lk.Branch(
                        rules=(lk.Rule(when="total_score('s2', 's4') >= 1.5", goto=nxt),),
                        default=nxt,
                    ),
                )
            )
    items = tuple(
        lk.Question(id=f"p{j}", prompt="?", check=Numeric(answer=j), competencies=(f"c{j % 3}",))
        for j in range(6)
    )
    steps.append(lk.Practice(id="drill", items=items, max_items=8, next="wrap"))
    steps.append(lk.Content(id="wrap", body="Done.", next="end"))
    steps.append(lk.End(id="end"))
    return lk.Lesson(id="thirty", title="Thirty", competencies=COMPS, steps=tuple(steps))


def bench_step(quick: bool) -> list[dict[str, Any]]:
    count = 300 if quick else 3000
    lesson = chain_lesson(count + 10)
    session = lk.LessonSession(lesson, learner="bench", seed=1, store=MemoryStore())
    session.start()
    state = {"i": 0}

    def step() -> None:
        session.submit(str(state["i"] + 1))
        session.advance()
        state["i"] += 1

    ours = per_call(step, repeat=count - 5, warmup=3)
    spec = Numeric(answer=5)
    base = per_call(lambda: check(spec, "5"), repeat=count, warmup=3)
    return [
        {"name": "check a numeric answer alone [baseline]", **base},
        {
            "name": "session submit + decide (memory store)",
            **ours,
            "baseline": "check alone",
            "ratio": ours["median_s"] / base["median_s"],
            "target": "< 1 ms median",
            "ok": ours["median_s"] < 1e-3,
        },
    ]


def bench_simulate(quick: bool) -> list[dict[str, Any]]:
    lesson = thirty_step_lesson()
    learners = 1000 if quick else 10_000
    start = time.perf_counter()
    report = simulate(lesson, learners=learners, seed=0)
    fast = (time.perf_counter() - start) * 10_000 / learners
    sample = 100 if quick else 300
    start = time.perf_counter()
    full = simulate(lesson, learners=sample, seed=0, engine="session")
    session = (time.perf_counter() - start) * 10_000 / sample
    assert report.completed > 0.9 and full.learners == sample
    scaled = " (scaled from 1000)" if quick else ""
    return [
        {
            "name": f"simulate 10k learners, session engine (from {sample}) [baseline]",
            "value": session,
            "unit": "s",
        },
        {
            "name": f"simulate 10k learners x 30 steps{scaled}",
            "value": fast,
            "unit": "s",
            "baseline": "session engine",
            "ratio": fast / session,
            "target": "< 10 s",
            "ok": fast < 10.0,
        },
    ]


def items_to_mastery(policy: str, learners: int, max_items: int = 60) -> float:
    """Mean items answered until the tracker declares all of c0..c2 mastered (or max_items)."""
    pool = [
        lk.Question(id=f"i{j}", prompt="?", check=Numeric(answer=j), competencies=(f"c{j % 3}",))
        for j in range(9)
    ]
    params = {c.id: c.mastery for c in COMPS}
    counts = []
    for n in range(learners):
        tracker = MasteryTracker(params)
        learner = SimulatedLearner(LearnerModel(), tracker, random.Random(n))
        rng = random.Random(f"select{n}")
        used: dict[str, int] = {}
        given = 0
        while given < max_items and not all(tracker.mastered(c) for c in params):
            if policy == "mastery":
                mastery = {c: tracker.probability(c) for c in params}
                thresholds = {c: tracker.threshold(c) for c in params}
                item = select_item(pool, mastery=mastery, thresholds=thresholds, used=used, rng=rng)
            else:
                item = pool[given % len(pool)]
            used[item.id] = used.get(item.id, 0) + 1
            for cid in item.competencies:
                tracker.observe(cid, learner.answer(item, hinted=False))
            given += 1
        counts.append(given)
    return statistics.fmean(counts)


def bench_mastery(quick: bool) -> list[dict[str, Any]]:
    learners = 300 if quick else 3000
    fixed = items_to_mastery("fixed", learners)
    adaptive = items_to_mastery("mastery", learners)
    return [
        {"name": "items to master 3 competencies, fixed sequence [baseline]",
         "value": fixed, "unit": "items"},
        {"name": "items to master 3 competencies, mastery-driven", "value": adaptive,
         "unit": "items", "baseline": "fixed sequence", "ratio": adaptive / fixed,
         "target": "fewer than fixed", "ok": adaptive < fixed},
    ]  # fmt: skip


def run(quick: bool) -> list[dict[str, Any]]:
    return [*bench_step(quick), *bench_simulate(quick), *bench_mastery(quick)]
