"""Adaptive engine speed and value: a session step, simulating a class, items to mastery.

(a) one learner step of a :class:`LessonSession` (check the answer, update mastery, record the
    evidence, evaluate the branch rules, enter the next step) on the default store (JSON lines,
    each event durable before the call returns) and on the memory store, against checking an
    answer alone;
(b) 10 000 simulated learners through a generated 30-step lesson (the fast engine), against the
    full-session engine on a sample of the same learners;
(c) items a simulated learner needs to master three competencies: the mastery-driven selection
    policy against a fixed round-robin sequence of the same pool (both stop at mastery).
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from typing import Any

from timing import compared, filesystem, row, samples, scratch_dir

import lessonkit as lk
from lessonkit.checks import Choice, Numeric
from lessonkit.checks.dispatch import check
from lessonkit.evidence.stores import JsonlStore, MemoryStore
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


def _step_times(store: Any, steps: int) -> list[float]:
    """Seconds per learner step (submit a right answer, then advance) over ``steps`` steps."""
    lesson = chain_lesson(steps + 10)
    session = lk.LessonSession(lesson, learner="bench", seed=1, store=store)
    session.start()
    times = []
    for i in range(steps):
        answer = str(i + 1)
        start = time.perf_counter()
        session.submit(answer)
        session.advance()
        times.append(time.perf_counter() - start)
    return times[5:]  # the first steps warm caches


def bench_step(quick: bool) -> list[dict[str, Any]]:
    """A learner step on the default store (JSON lines, durable), on memory, and checking alone.

    The default store makes each event durable before ``submit``/``advance`` return (one
    ``fdatasync`` per event), so its times are mostly the disk's; the memory store shows the
    engine's own share.
    """
    count = 300 if quick else 3000
    folder = scratch_dir("step-")
    try:
        with JsonlStore(folder / "evidence") as store:
            durable = _step_times(store, count)
        kind = filesystem(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    memory = _step_times(MemoryStore(), count)
    spec = Numeric(answer=5)
    answers = [str(i % 9) for i in range(count)]
    checked = iter(answers * 2)
    base = samples(lambda: check(spec, next(checked)), repeat=count, warmup=3)
    return [
        row("check a numeric answer alone [baseline]", base),
        row("learner step: submit + advance, memory store", memory, target="< 1 ms median",
            ok=statistics.median(memory) < 1e-3),
        row(f"learner step: submit + advance, default store (JSON lines on {kind})", durable,
            target="< 16 ms median (a frame)", ok=statistics.median(durable) < 16e-3,
            note="each event made durable (fdatasync) before the call returns"),
    ]  # fmt: skip


def bench_simulate(quick: bool) -> list[dict[str, Any]]:
    lesson = thirty_step_lesson()
    learners = 1000 if quick else 10_000
    sample = 100 if quick else 300
    fast: list[float] = []
    full: list[float] = []
    for rep in range(3 if quick else 5):
        start = time.perf_counter()
        report = simulate(lesson, learners=learners, seed=rep)
        fast.append((time.perf_counter() - start) * 10_000 / learners)
        start = time.perf_counter()
        sessions = simulate(lesson, learners=sample, seed=rep, engine="session")
        full.append((time.perf_counter() - start) * 10_000 / sample)
        assert report.completed > 0.9 and sessions.learners == sample
    scaled = " (scaled from 1000)" if quick else ""
    return [
        row(f"simulate 10k learners, session engine (scaled from {sample}) [baseline]", full),
        {
            **compared(f"simulate 10k learners x 30 steps{scaled}", fast, full, "session engine"),
            "target": "< 10 s",
            "ok": statistics.median(fast) < 10.0,
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
