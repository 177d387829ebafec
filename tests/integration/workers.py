"""Writer processes for the crash and concurrency tests (run as scripts, never imported by
lessonkit).

``python workers.py zygote ACK_FD``
    Imports lessonkit once, then serves commands from stdin, one per line:
    ``write URL REGISTRATION LEARNER START COUNT`` forks a writer child and prints
    ``child PID``; the child appends statements ``START..START+COUNT-1`` one ``append`` each and
    writes ``ack PID SEQ`` to the pipe ``ACK_FD`` after each ``append`` returned (so an ack means
    "durable"), or ``failed PID`` if it cannot write. ``reap PID`` waits for that child and prints
    ``reaped PID STATUS``. The zygote's replies (stdout) and the children's acks (``ACK_FD``)
    travel on separate pipes, and every message is one ``os.write`` of less than ``PIPE_BUF``
    bytes, which POSIX makes atomic: messages can neither interleave nor be torn by a kill.
    Forking from a warm process makes hundreds of kill rounds affordable; each child is still
    a real, separate process.

``python workers.py session URL LEARNER``
    A learner working through :func:`crash_lesson` with real ``LessonSession`` actions (a hint,
    a wrong answer, a right one, moving on), resuming their latest session from the store if
    there is one. Prints ``ack SEQ`` after each action returned (``SEQ`` is the action's last
    event: everything up to it is durable), and ``done`` at the end of the lesson.

``python workers.py concurrent URL LEARNER COUNT OTHER``
    Prints ``ready``, waits for a line on stdin, then appends its ``COUNT`` statements one by
    one, and retries the statements of learner ``OTHER`` (another process's) as it goes, to
    race the stores' duplicate handling (``OTHER`` ``-``: no retries, for the JSON-lines store,
    whose files take one writer each). Prints ``done``.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import Event, LearnerRef

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
_NS = uuid.UUID("0b1b8a36-37a5-4b9e-8a5c-9f7a6c1d2e3f")


def registration_of(learner: str) -> str:
    """The (deterministic) registration of ``learner``'s session in the tests."""
    return str(uuid.uuid5(_NS, learner))


def make_statement(learner: str, registration: str, seq: int) -> dict[str, Any]:
    """Statement ``seq`` of a session: deterministic, so the tests know what to expect."""
    event = Event(
        kind="answered",
        learner=LearnerRef(id=learner, home_page="https://hub.example.org/"),
        lesson_id="crash-lesson",
        lesson_version="1",
        content_hash="ab" * 32,
        registration=registration,
        seq=seq,
        timestamp=T0 + timedelta(milliseconds=seq),
        step_id=f"q{seq % 7}",
        data={
            "response": f"answer {seq} " + "x" * (seq % 50),
            "correct": seq % 3 == 0,
            "score": 1.0 if seq % 3 == 0 else 0.0,
            "points": 1.0 if seq % 3 == 0 else 0.0,
            "max_points": 1,
            "attempt": 1 + seq % 4,
            "hints_used": 0,
            "checker": "text",
        },
    )
    return event_to_statement(event)


def _say(fd: int, message: str) -> None:
    """One protocol message: a single write of one short line (atomic on a pipe)."""
    data = (message + "\n").encode()
    assert len(data) < 512  # POSIX guarantees atomic pipe writes up to PIPE_BUF (>= 512)
    os.write(fd, data)


def _child(url: str, registration: str, learner: str, seqs: range, acks: int) -> None:
    from lessonkit.evidence.stores import open_store

    store = open_store(url)
    pid = os.getpid()
    for seq in seqs:
        store.append([make_statement(learner, registration, seq)])
        _say(acks, f"ack {pid} {seq}")
    store.close()


def zygote(acks: int) -> None:
    import lessonkit.evidence.stores
    import lessonkit.evidence.stores.sql  # noqa: F401 - warm: children must not pay for the import

    for line in sys.stdin:
        words = line.split()
        if words[0] == "write":
            url, registration, learner, start, count = words[1:]
            seqs = range(int(start), int(start) + int(count))
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    _child(url, registration, learner, seqs, acks)
                except BaseException as exc:  # report, then leave without running atexit
                    os.write(2, f"child failed: {exc!r}\n".encode())
                    _say(acks, f"failed {os.getpid()}")
                    code = 1
                os._exit(code)
            _say(1, f"child {pid}")
        elif words[0] == "reap":
            _, status = os.waitpid(int(words[1]), 0)
            _say(1, f"reaped {words[1]} {status}")


def concurrent(url: str, learner: str, count: int, other: str) -> None:
    from lessonkit.evidence.stores import open_store

    mine = registration_of(learner)
    theirs = registration_of(other) if other != "-" else ""
    with open_store(url) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        for seq in range(count):
            store.append([make_statement(learner, mine, seq)])
            if theirs and seq % 5 == 0:  # a retry of someone else's statements, racing them
                store.append([make_statement(other, theirs, s) for s in range(seq, seq + 5)])
    print("done", flush=True)


def crash_lesson() -> Any:
    """Twelve questions in a row, with a hint each, mastery and back navigation allowed."""
    import lessonkit as lk
    from lessonkit.checks import Numeric

    steps: list[Any] = [
        lk.Question(
            id=f"q{i}",
            prompt=f"What is {i} + {i}?",
            check=Numeric(answer=2 * i),
            competencies=("add",),
            hints=("Double it.",),
            next=f"q{i + 1}" if i < 11 else "done",
        )
        for i in range(12)
    ]
    return lk.Lesson(
        id="crash-session",
        title="Sums",
        competencies=(lk.Competency(id="add", title="Adds"),),
        steps=(*steps, lk.End(id="done")),
    )


def session(url: str, learner: str) -> None:
    import lessonkit as lk
    from lessonkit.evidence.stores import load_session_events, open_store

    lesson = crash_lesson()
    store = open_store(url)
    ref = LearnerRef(id=learner, home_page="https://hub.example.org/")
    events = load_session_events(store, ref, lesson.id)
    if events:
        run = lk.LessonSession.resume(lesson, events, store=store)
    else:
        run = lk.LessonSession(lesson, learner=ref, store=store, secret="crash test secret 123")
        run.start()
    os.write(1, f"ack {len(run.events) - 1}\n".encode())
    while not run.finished:
        view = run.current
        question = view.question
        if question is not None and not view.record.correct:
            if view.record.hints_used == 0:
                run.hint()
            else:
                right = int(question.id[1:]) * 2
                run.submit(right + 1 if view.record.attempts == 0 else right)
        else:
            run.advance()
        os.write(1, f"ack {len(run.events) - 1}\n".encode())
    os.write(1, b"done\n")
    store.close()


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote(int(sys.argv[2]))
    elif sys.argv[1] == "session":
        session(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "concurrent":
        concurrent(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
