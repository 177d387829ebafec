"""Writers killed with SIGKILL at random moments lose no acknowledged statement.

A warm process forks writer children (real processes); each appends statements one
``append`` at a time and acknowledges each after ``append`` returned. The test kills each child
at a random moment — sometimes while it is still opening the store, usually in the middle of
writing — then starts the next one where the last acknowledgement left off. Afterwards every
acknowledged statement must be in the store, exactly once and intact, with no gaps.

What this cannot show: survival of a power loss (the data of a killed process is already in
the OS's page cache). That part rests on fsync/``synchronous=FULL`` and is documented.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from lessonkit.evidence.stores import StoreWarning, open_store

from .workers import make_statement, registration_of

pytestmark = pytest.mark.integration

LEARNERS = [f"writer-{i}" for i in range(4)]
WORKERS = Path(__file__).with_name("workers.py")
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0
"""Seconds to wait for one protocol message before calling the writer process stuck."""


class _Lines:
    """Complete lines from a pipe, read with a timeout."""

    def __init__(self, fd: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.fd = fd
        self.proc = proc
        self.log = log
        self.buffer = b""

    def _fill(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            raise RuntimeError(f"the writer process closed its pipe; see {self.log}")
        self.buffer += chunk
        return True

    def next(self) -> list[str]:
        """The next line, split into words (waits up to TIMEOUT seconds)."""
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in self.buffer:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the writer process died; see {self.log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no message from the writer process; see {self.log}")
            self._fill(0.5)
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode().split()

    def drain(self) -> list[list[str]]:
        """Every complete line already written, without waiting for more."""
        while self._fill(0):
            pass
        *lines, self.buffer = self.buffer.split(b"\n")
        assert self.buffer == b"", f"a torn message: {self.buffer!r}"
        return [line.decode().split() for line in lines]


class Zygote:
    """A warm writer process (``workers.py zygote``) that forks writer children.

    Its replies come on its stdout, its children's acknowledgements on a second pipe, so the
    two streams cannot interleave.
    """

    def __init__(self, log: Path) -> None:
        self.log = log
        self._stderr = open(log, "wb")  # noqa: SIM115 - closed in close()
        ack_read, ack_write = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKERS), "zygote", str(ack_write)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=ROOT,
            bufsize=0,
            pass_fds=(ack_write,),
        )
        os.close(ack_write)  # the zygote and its children hold the write end
        self._ack_fd = ack_read
        assert self.proc.stdout is not None
        self.replies = _Lines(self.proc.stdout.fileno(), self.proc, log)
        self.acks = _Lines(ack_read, self.proc, log)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def reply(self, kind: str) -> int:
        """The pid in the zygote's next reply, which must be of ``kind``."""
        words = self.replies.next()
        assert words[0] == kind, words
        return int(words[1])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its handle
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        os.close(self._ack_fd)
        self._stderr.close()


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    """A warm writer process, closed after the test."""
    z = Zygote(tmp_path / "writers.log")
    try:
        yield z
    finally:
        z.close()


def _take_ack(words: list[str], pid: int, zygote: Zygote) -> int:
    assert words[0] != "failed", f"a writer failed; see {zygote.log}"
    assert words[0] == "ack" and int(words[1]) == pid, words
    return int(words[2])


def kill_rounds(zygote: Zygote, url: str, rounds: int, rng: random.Random) -> dict[str, set[int]]:
    """Run ``rounds`` writer children, killing each; returns the acknowledged seqs by learner.

    One child lives at a time, and every ack of a child is read before the next one starts, so
    each ack read must name the current child.
    """
    acked: dict[str, set[int]] = {learner: set() for learner in LEARNERS}
    for number in range(rounds):
        learner = LEARNERS[number % len(LEARNERS)]
        start = max(acked[learner], default=-1) + 1
        zygote.send(f"write {url} {registration_of(learner)} {learner} {start} 100000")
        pid = zygote.reply("child")
        if rng.random() < 0.2:  # maybe still opening the store
            time.sleep(rng.uniform(0, 0.01))
        else:  # in the middle of writing
            for _ in range(rng.randint(1, 8)):
                acked[learner].add(_take_ack(zygote.acks.next(), pid, zygote))
            time.sleep(rng.uniform(0, 0.004))
        os.kill(pid, signal.SIGKILL)  # our own forked child, by its pid (a zombie until reaped)
        zygote.send(f"reap {pid}")
        assert zygote.reply("reaped") == pid
        # The child is dead: whatever it acknowledged is in the pipe already.
        for words in zygote.acks.drain():
            acked[learner].add(_take_ack(words, pid, zygote))
    return acked


def check_store(url: str, acked: dict[str, set[int]]) -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_store(url, create=False) as store:
            statements = list(store.read())
    assert all(issubclass(w.category, StoreWarning) for w in caught), [
        str(w.message) for w in caught
    ]
    ids = [s["id"] for s in statements]
    assert len(ids) == len(set(ids)), "a statement is stored twice"
    for learner in LEARNERS:
        registration = registration_of(learner)
        mine = [s for s in statements if s["actor"]["account"]["name"] == learner]
        seqs = sorted(
            s["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"] for s in mine
        )
        assert acked[learner] <= set(seqs), f"lost acknowledged statements of {learner}"
        assert seqs == list(range(len(seqs))), f"gap in {learner}'s statements"
        for statement in mine:
            seq = statement["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"]
            assert statement == make_statement(learner, registration, seq)
    return len(statements)


@pytest.mark.parametrize(
    ("backend", "rounds"), [("jsonl", 200), ("sqlite", 200), ("postgresql", 60)]
)
def test_acknowledged_statements_survive_sigkill(
    backend: str,
    rounds: int,
    tmp_path: Path,
    zygote: Zygote,
    request: pytest.FixtureRequest,
) -> None:
    url = {
        "jsonl": str(tmp_path / "evidence"),
        "sqlite": f"sqlite:///{tmp_path / 'evidence.db'}",
    }.get(backend) or request.getfixturevalue("pg_url")
    seed = random.randrange(2**32)
    print(f"random seed {seed}")
    acked = kill_rounds(zygote, url, rounds, random.Random(seed))
    total_acked = sum(len(s) for s in acked.values())
    assert total_acked >= rounds  # most rounds acknowledged something before the kill
    stored = check_store(url, acked)
    assert stored >= total_acked
    if backend == "sqlite":
        with sqlite3.connect(tmp_path / "evidence.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    repairs = zygote.log.read_text(errors="replace").count("cut off a torn last line")
    print(f"{rounds} kills, {total_acked} acknowledged, {stored} stored, {repairs} torn tails cut")


def test_a_torn_last_line_from_a_real_kill_reads_with_a_warning(tmp_path: Path) -> None:
    """Kill a writer in the middle of one huge line: readers warn and read the rest."""
    import subprocess
    import sys

    root = tmp_path / "evidence"
    code = (
        "import sys, os\n"
        "from lessonkit.evidence.stores import open_store\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from workers import make_statement, registration_of\n"
        "s = open_store(sys.argv[1])\n"
        "r = registration_of('big')\n"
        "s.append([make_statement('big', r, 0)])\n"
        "huge = make_statement('big', r, 1)\n"
        "huge['result']['response'] = 'y' * 200_000_000\n"
        "print('ack 0', flush=True)\n"
        "s.append([huge])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(root), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ack 0"
        (path,) = root.rglob("*.jsonl")
        deadline = time.monotonic() + 60
        size = path.stat().st_size
        while path.stat().st_size == size:  # wait until the huge write is under way
            assert time.monotonic() < deadline, "the big write never started"
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout is not None:
            proc.stdout.close()
    assert not path.read_bytes().endswith(b"\n"), "the kill did not tear the line"
    with pytest.warns(StoreWarning, match="torn"):
        statements = list(open_store(root).read())
    assert [
        s["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"] for s in statements
    ] == [0]


def session_rounds(url: str, learner: str, rng: random.Random, limit: int) -> tuple[set[int], int]:
    """Run a learner's session in fresh processes, killing each at a random moment, until the
    lesson is done; returns the acknowledged seqs and how many processes were killed."""
    acked: set[int] = set()
    kills = 0
    for _ in range(limit):
        proc = subprocess.Popen(
            [sys.executable, str(WORKERS), "session", url, learner],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert proc.stdout is not None
        try:
            wanted = 0 if rng.random() < 0.2 else rng.randint(1, 3)  # acks, the first is the start
            done = False
            while wanted:
                line = proc.stdout.readline().decode()
                if line == "done\n":
                    done = True
                    break
                assert line.startswith("ack "), (line, proc.stderr.read() if proc.stderr else "")
                acked.add(int(line.split()[1]))
                wanted -= 1
            if done:
                assert proc.wait(timeout=60) == 0
                return acked, kills
            time.sleep(rng.uniform(0, 0.004))
            proc.send_signal(signal.SIGKILL)  # our own child, by its handle
            kills += 1
        finally:
            proc.wait(timeout=60)
            # acks the child wrote before it died are acknowledged too
            for line in proc.stdout.read().decode().splitlines():
                if line.startswith("ack "):
                    acked.add(int(line.split()[1]))
            proc.stdout.close()
            if proc.stderr is not None:
                proc.stderr.close()
    raise AssertionError(f"the lesson was not finished in {limit} rounds")


@pytest.mark.parametrize("backend", ["jsonl", "sqlite", "postgresql"])
def test_learner_actions_survive_sigkill(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Real sessions, batched writes (one append per action): killed at random moments and
    resumed from the store each time, the learner loses no acknowledged action, and what is
    stored is a gap-free sequence that replays into a finished lesson."""
    from lessonkit import LessonSession
    from lessonkit.evidence.events import LearnerRef
    from lessonkit.evidence.stores import load_session_events

    from .workers import crash_lesson

    url = {
        "jsonl": str(tmp_path / "evidence"),
        "sqlite": f"sqlite:///{tmp_path / 'evidence.db'}",
    }.get(backend) or request.getfixturevalue("pg_url")
    seed = random.randrange(2**32)
    print(f"random seed {seed}")
    rng = random.Random(seed)
    acked, kills = session_rounds(url, "learner-0", rng, limit=200)
    assert kills >= 5  # about 50 actions, a few per round: many rounds were killed
    lesson = crash_lesson()
    ref = LearnerRef(id="learner-0", home_page="https://hub.example.org/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StoreWarning)  # torn tails of killed writes
        with open_store(url, create=False) as store:
            assert len(store.registrations(ref, lesson.id)) == 1  # always resumed, never restarted
            events = load_session_events(store, ref, lesson.id)
    seqs = [e.seq for e in events]
    assert seqs == list(range(len(seqs))), "a gap or a duplicate in the stored events"
    assert acked <= set(seqs), "an acknowledged action was lost"
    assert [e.kind for e in events].count("completed") == 1
    replayed = LessonSession.resume(lesson, events)
    assert replayed.finished and replayed.score() == (12.0, 12.0)
    resumes = sum(e.kind == "resumed" for e in events)
    print(f"{kills} kills, {resumes} resumes, {len(events)} events stored")
