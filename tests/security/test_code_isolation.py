"""Learner code attacking the checker, one class of attack at a time; every one is stopped.

Each attack is written as a learner would write it, submitted as source text (the Voilà and
grading path), and must (a) not pass, (b) not get out of the sandbox, (c) let the checker
return within the time limit + 1 s, and (d) leave the test process — the server — alive with
no child processes (``conftest.leaves_no_children``).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.checks import Code, CodeTest, check
from lessonkit.isolation import PROCESS_LIMIT, IsolationStatus, run_learner_code

from .conftest import LIMIT, host_processes

pytestmark = pytest.mark.usefixtures("sandbox")

ROOT = Path(__file__).resolve().parents[2]
DOUBLE = Code(
    name="double",
    tests=(CodeTest(args=(3,), expect=6), CodeTest(args=(5,), expect=10)),
    timeout=LIMIT,
    memory_mb=64,
)
HONEST = "def double(x):\n    return 2 * x\n"
Timed = Callable[..., Any]


def observe(timed: Timed, source: str, *args: Any) -> Any:
    """Run ``observe(*args)`` from ``source`` in the sandbox; what it returned (plain data)."""
    run = timed(run_learner_code, source, name="observe", calls=[(args, {})], timeout=LIMIT)
    assert run.status == "ran", (run.status, run.error, run.extra)
    outcome = run.calls[0]
    assert outcome.status == "returned", (outcome.status, outcome.error)
    return outcome.value


# --- forging the result ---------------------------------------------------------------------

OLD_MARKER = "@@lessonkit-sandbox-result@@"


def frames(*records: dict[str, Any]) -> str:
    """Source for writing ``records`` as framed JSON to the result channel (fd in argv)."""
    return (
        "import json, os, sys\n"
        "fd = int(sys.argv[-1])\n"
        f"for record in {list(records)!r}:\n"
        "    data = json.dumps(record).encode()\n"
        "    os.write(fd, len(data).to_bytes(4, 'big') + data)\n"
    )


def test_printing_the_old_result_marker_and_exiting_passes_nothing(timed: Timed) -> None:
    report = (
        '{"status": "ran", "tests": [{"index": 0, "passed": true}, {"index": 1, "passed": true}]}'
    )
    source = f"import os\nprint({OLD_MARKER + report!r}, flush=True)\nos._exit(0)\n"
    result = timed(check, DOUBLE, source)
    assert not result.correct and result.score == 0
    assert "stopped the checker" in result.feedback


def test_forged_records_claiming_a_pass_are_untrusted(timed: Timed) -> None:
    source = (
        frames(
            {"kind": "defined", "status": "ok"},
            {
                "kind": "call",
                "index": 0,
                "status": "returned",
                "value": 0,
                "shown": "6",
                "passed": True,
            },
            {"kind": "call", "index": 1, "status": "returned", "value": 0, "shown": "10"},
            {"kind": "end", "output": ""},
        )
        + "os._exit(0)\n"
    )
    result = timed(check, DOUBLE, source)
    assert not result.correct and "could not trust" in result.feedback


def test_forged_wrong_values_in_a_well_formed_stream_fail(timed: Timed) -> None:
    source = (
        frames(
            {"kind": "defined", "status": "ok"},
            {"kind": "call", "index": 0, "status": "returned", "value": 7, "shown": "6"},
            {"kind": "call", "index": 1, "status": "returned", "value": 11, "shown": "10"},
            {"kind": "end", "output": ""},
        )
        + "os._exit(0)\n"
    )
    result = timed(check, DOUBLE, source)
    assert not result.correct and result.score == 0
    assert [t["status"] for t in result.details["tests"]] == ["failed", "failed"]


def test_forged_records_before_the_real_ones_make_the_run_untrusted(timed: Timed) -> None:
    source = frames({"kind": "defined", "status": "ok"}) + HONEST
    result = timed(check, DOUBLE, source)
    assert not result.correct and "could not trust" in result.feedback


def test_a_forged_end_then_exit_without_the_calls_is_untrusted(timed: Timed) -> None:
    source = frames({"kind": "defined", "status": "ok"}, {"kind": "end", "output": ""})
    result = timed(check, DOUBLE, source + "os._exit(0)\n")
    assert not result.correct and "could not trust" in result.feedback


def test_flooding_the_result_channel_is_untrusted(timed: Timed) -> None:
    source = (
        "import os, sys\nfd = int(sys.argv[-1])\nchunk = b'\\x00\\x00\\x10\\x00' + b' ' * 4096\n"
        "for _ in range(3000):\n    os.write(fd, chunk)\n" + HONEST
    )
    result = timed(check, DOUBLE, source)
    assert not result.correct and "could not trust" in result.feedback


def test_garbage_on_the_result_channel_is_untrusted(timed: Timed) -> None:
    source = "import os, sys\nos.write(int(sys.argv[-1]), b'all tests passed')\n" + HONEST
    result = timed(check, DOUBLE, source)
    assert not result.correct and "could not trust" in result.feedback


def test_a_forged_hash_flood_is_refused_without_hashing(timed: Timed) -> None:
    flood = "{'t': 'set', 'v': [k * (2**61 - 1) for k in range(50_000)]}"  # all hash to 0
    source = (
        "import json, os, sys\n"
        f"flood = {flood}\n"
        "records = [{'kind': 'defined', 'status': 'ok'}]\n"
        "records += [{'kind': 'call', 'index': i, 'status': 'returned', 'value': flood}\n"
        "            for i in range(2)]\n"
        "records.append({'kind': 'end', 'output': ''})\n"
        "for record in records:\n"
        "    data = json.dumps(record).encode()\n"
        "    os.write(int(sys.argv[-1]), len(data).to_bytes(4, 'big') + data)\n"
        "os._exit(0)\n"
    )
    result = timed(check, DOUBLE, source)
    assert not result.correct and "could not trust" in result.feedback


# --- rigged equality -------------------------------------------------------------------------

RIGGED = {
    "an object equal to everything": (
        "class Yes:\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = object.__hash__\n"
        "def double(x):\n    return Yes()\n"
    ),
    "an int subclass equal to everything": (
        "class Liar(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        "def double(x):\n    return Liar(0)\n"
    ),
    "a str subclass posing as a number": (
        "class Liar(str):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = str.__hash__\n"
        "def double(x):\n    return Liar('nope')\n"
    ),
    "a list subclass hiding its items": (
        "class Liar(list):\n    def __iter__(self):\n        return iter([6])\n"
        "    def __eq__(self, other):\n        return True\n"
        "def double(x):\n    return Liar()\n"
    ),
    "a fake numpy value": (
        "class Fake:\n    __module__ = 'numpy'\n    def tolist(self):\n        return self\n"
        "    def __eq__(self, other):\n        return True\n"
        "def double(x):\n    return Fake()\n"
    ),
    "an object pretending to be an int": (
        "class Pretend:\n    __class__ = property(lambda self: int)\n"
        "    def __eq__(self, other):\n        return True\n"
        "def double(x):\n    return Pretend()\n"
    ),
}


@pytest.mark.parametrize("source", RIGGED.values(), ids=RIGGED.keys())
def test_rigged_equality_never_passes_in_the_sandbox(timed: Timed, source: str) -> None:
    result = timed(check, DOUBLE, source)
    assert not result.correct and result.score == 0


@pytest.mark.parametrize("source", RIGGED.values(), ids=RIGGED.keys())
def test_rigged_equality_never_passes_in_the_kernel(source: str) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<learner>", "exec"), namespace)  # the learner's own kernel
    assert not check(DOUBLE, None, namespace=namespace).correct
    assert not check(DOUBLE, namespace["double"]).correct


def test_an_uncomparable_result_says_what_to_return(timed: Timed) -> None:
    result = timed(check, DOUBLE, RIGGED["an object equal to everything"])
    assert result.details["tests"][0]["status"] == "uncomparable"
    assert "cannot be compared" in result.feedback and "a Yes" in result.feedback


# --- the expected values are not there to find ----------------------------------------------

SECRET = "expected-" + uuid.uuid4().hex
HUNT = """
import gc, inspect, re, sys

PATTERN = re.compile("expected-[0-9a-f]{32}")

def looks(value):
    try:
        return PATTERN.search(repr(value)) is not None
    except BaseException:
        return False

def observe(*args):
    found = []
    for obj in gc.get_objects():
        if looks(obj):
            found.append("gc")
            break
    frame = sys._getframe()
    while frame is not None:
        if looks(frame.f_locals) or looks(frame.f_globals):
            found.append("frame " + frame.f_code.co_name)
        frame = frame.f_back
    for info in inspect.stack():
        if looks(info.frame.f_locals):
            found.append("inspect")
    main = sys.modules.get("__main__")
    if main is not None and looks(vars(main)):
        found.append("__main__")
    return found
"""


def test_expected_values_are_nowhere_in_the_learners_process(timed: Timed) -> None:
    source = HUNT
    assert observe(timed, source, SECRET.replace("expected", "argument")) == []
    # And through the Code check, where the secret really is the expected value:
    spec = Code(name="observe", tests=(CodeTest(expect=SECRET),), timeout=LIMIT)
    result = timed(check, spec, source)
    assert not result.correct and SECRET not in str(result.details["tests"][0].get("got"))


# --- the server's environment and files -----------------------------------------------------

ENVIRON = """
import os

def observe():
    seen = dict(os.environ)
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for name in ("environ", "cmdline"):
                try:
                    with open(f"/proc/{pid}/{name}", "rb") as f:
                        seen[f"{pid}/{name}"] = f.read().decode("utf-8", "replace")
                except OSError as exc:
                    seen[f"{pid}/{name}"] = type(exc).__name__
    seen["ppid"] = os.getppid()
    return seen
"""


def test_the_servers_environment_is_invisible(
    timed: Timed, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok-" + uuid.uuid4().hex
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", token)
    monkeypatch.setenv("LESSONKIT_TEST_SECRET", token)
    seen = observe(timed, ENVIRON)
    assert token not in repr(seen)
    assert "JUPYTERHUB_API_TOKEN" not in seen and "LESSONKIT_TEST_SECRET" not in seen
    assert seen["ppid"] != os.getpid()  # its parent is the sandbox's init, not the server
    assert not any(f"{os.getpid()}/" in key for key in seen)


READ = """
def observe(paths):
    found = {}
    for path in paths:
        try:
            with open(path, "rb") as f:
                found[path] = f.read(200).decode("utf-8", "replace")
        except OSError as exc:
            found[path] = type(exc).__name__
    return found
"""


def test_files_outside_the_sandbox_cannot_be_read(timed: Timed, tmp_path: Path) -> None:
    content = "secret-" + uuid.uuid4().hex
    in_tmp = tmp_path / "answers.txt"
    in_tmp.write_text(content)
    in_repo = ROOT / f".security-test-{uuid.uuid4().hex}"
    in_repo.write_text(content)
    try:
        paths = [str(in_tmp), str(in_repo), str(ROOT / "README.md"), "/etc/shadow", "/etc/passwd"]
        found = observe(timed, READ, paths)
    finally:
        in_repo.unlink()
    assert content not in repr(found)
    assert set(found.values()) == {"FileNotFoundError"}, found


WRITE = """
import os

def observe(paths):
    done = {}
    for path in paths:
        try:
            with open(path, "w") as f:
                f.write("pwned")
            done[path] = "written"
        except OSError as exc:
            done[path] = type(exc).__name__
    return done
"""


def test_files_outside_scratch_cannot_be_written(
    timed: Timed, tmp_path: Path, sandbox: IsolationStatus
) -> None:
    name = f"pwned-{uuid.uuid4().hex}"
    assert sandbox.layout is not None
    targets = [
        str(tmp_path / name),
        f"/{name}",
        os.path.join(sandbox.layout.read_only[0], name),
        os.path.join(os.path.dirname(sandbox.layout.child), name),
        f"/usr/{name}",
        str(ROOT / name),
    ]
    done = observe(timed, WRITE, [*targets, f"/tmp/{name}"])
    assert done.pop(f"/tmp/{name}") == "written"  # the scratch directory works...
    assert "written" not in done.values(), done
    for target in [*targets, f"/tmp/{name}"]:  # ...and nothing appeared on the host
        assert not os.path.exists(target), target


def test_filling_the_scratch_directory_stops_at_its_size(timed: Timed) -> None:
    source = (
        "def observe():\n    n = 0\n    try:\n"
        "        for i in range(1000):\n"
        "            with open(f'/tmp/fill{i}', 'wb') as f:\n"
        "                f.write(b'x' * 2**19)\n"
        "            n += 1\n    except OSError as exc:\n        return [n, type(exc).__name__]\n"
        "    return [n, 'no limit']\n"
    )
    written, error = observe(timed, source)
    assert error == "OSError" and written < 64


# --- the network ----------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[int, list[Any]]]:
    """A TCP server on the host's 127.0.0.1; the list collects connections it accepted."""
    accepted: list[Any] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


NETWORK = """
import socket

def observe(port, abstract):
    tried = {}
    for host in ("127.0.0.1", "localhost", "::1"):
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            tried[host] = "connected"
        except OSError as exc:
            tried[host] = type(exc).__name__
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(abstract)
            tried["abstract"] = "connected"
    except OSError as exc:
        tried["abstract"] = type(exc).__name__
    try:  # netlink sockets are refused too (seccomp): then nothing can be listed
        tried["interfaces"] = [name for _, name in socket.if_nameindex()]
    except OSError as exc:
        tried["interfaces"] = type(exc).__name__
    return tried
"""


def test_no_network_not_even_the_servers_localhost(
    timed: Timed, listener: tuple[int, list[Any]]
) -> None:
    port, accepted = listener
    abstract = "\0lessonkit-test-" + uuid.uuid4().hex
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        unix.bind(abstract)
        unix.listen(1)
        tried = observe(timed, NETWORK, port, abstract)
    assert accepted == []
    assert "connected" not in tried.values(), tried
    assert tried["interfaces"] in (["lo"], "OSError")


# --- processes ------------------------------------------------------------------------------


def test_a_setsid_grandchild_holding_the_pipes_does_not_block(timed: Timed) -> None:
    marker = f"{LIMIT * 31:.4f}{uuid.uuid4().int % 997}"
    source = (
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv('/usr/bin/sleep', ['sleep', '{marker}'])\n"
        "    os._exit(0)\n"
        "os.wait()\n" + HONEST
    )
    result = timed(check, DOUBLE, source)
    assert result.correct  # the honest function beside it is still judged
    assert host_processes(marker) == []


def test_a_grandchild_started_during_a_call_does_not_block(timed: Timed) -> None:
    marker = f"{LIMIT * 29:.4f}{uuid.uuid4().int % 997}"
    source = (
        "import os, subprocess\n"
        "def double(x):\n"
        f"    subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
        "    return 2 * x\n"
    )
    result = timed(check, DOUBLE, source)
    assert result.correct
    assert host_processes(marker) == []


def test_a_fork_bomb_hits_the_process_limit(timed: Timed) -> None:
    marker = f"{LIMIT * 27:.4f}{uuid.uuid4().int % 997}"
    source = (
        "import os\n"
        "def observe():\n"
        "    started = 0\n"
        "    for _ in range(2000):\n"
        "        try:\n"
        "            if os.fork() == 0:\n"
        f"                os.execv('/usr/bin/sleep', ['sleep', '{marker}'])\n"
        "            started += 1\n"
        "        except OSError:\n"
        "            break\n"
        "    return started\n"
    )
    assert observe(timed, source) < PROCESS_LIMIT
    assert host_processes(marker) == []


def test_an_endless_fork_loop_is_bounded_and_ends(timed: Timed) -> None:
    source = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    result = timed(check, DOUBLE, source)
    assert not result.correct


def test_threads_are_bounded_too(timed: Timed) -> None:
    source = (
        "import threading, time\n"
        "def observe():\n    n = 0\n    try:\n        for _ in range(500):\n"
        "            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "            n += 1\n    except RuntimeError:\n        pass\n    return n\n"
    )
    assert observe(timed, source) < PROCESS_LIMIT


KILLERS = {
    "kill the parent": "os.kill(os.getppid(), signal.SIGKILL)",
    "kill every process": "os.kill(-1, signal.SIGKILL)",
    "kill pid 1": "os.kill(1, signal.SIGKILL)",
    "kill the process group": "os.killpg(os.getpgid(0), signal.SIGTERM)",
}


@pytest.mark.parametrize("attack", KILLERS.values(), ids=KILLERS.keys())
def test_killing_reaches_nothing_outside(timed: Timed, attack: str) -> None:
    source = (
        "import os, signal\n"
        "def double(x):\n"
        "    try:\n"
        f"        {attack}\n"
        "    except OSError:\n"
        "        pass\n"
        "    return 2 * x\n"
    )
    result = timed(check, DOUBLE, source)
    assert os.getppid() > 0 and os.kill(os.getpid(), 0) is None  # the server lives on
    assert result.understood  # judged (killing itself is a crash), never a hang


def test_threads_that_keep_running_do_not_keep_the_check_waiting(timed: Timed) -> None:
    source = (
        "import threading, os, sys\n"
        "def spin():\n    while True:\n        pass\n"
        "def shout():\n    while True:\n        print('x' * 1000)\n"
        "threading.Thread(target=spin).start()\n"
        "threading.Thread(target=shout).start()\n"
        "def double(x):\n    return 2 * x\n"
    )
    result = timed(check, DOUBLE, source)
    assert result.understood and len(result.details.get("output", "")) < 5_000


# --- running out of limits -------------------------------------------------------------------

STOPPERS = {
    "an endless loop": "while True:\n    pass\n",
    "an endless loop in the function": "def double(x):\n    while True:\n        pass\n",
    "a loop that swallows the timeout": (
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass\n"
    ),
    "a blocked alarm": (
        "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "while True:\n    pass\n"
    ),
    "an ignored alarm": (
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "signal.setitimer(signal.ITIMER_REAL, 0)\nwhile True:\n    pass\n"
    ),
    "a long computation in C": "x = sum(range(10**14))\n",
    "sleeping": "import time\ntime.sleep(60)\n",
    "blocking on stdin": "import sys\nsys.stdin.read()\nwhile True:\n    pass\n",
}


@pytest.mark.parametrize("source", STOPPERS.values(), ids=STOPPERS.keys())
def test_code_that_never_ends_is_stopped(timed: Timed, source: str) -> None:
    result = timed(check, DOUBLE, source)
    assert result.understood and not result.correct
    assert "longer than 1 s" in result.feedback


MEMORY = {
    "one huge allocation": "x = bytearray(10**10)\n",
    "a growing list": "x = []\nwhile True:\n    x.append(' ' * 100_000)\n",
    "in every forked child": (
        "import os\nfor _ in range(20):\n    try:\n        os.fork()\n    except OSError:\n"
        "        break\nx = []\nwhile True:\n    x.append(bytearray(10**6))\n"
    ),
}


@pytest.mark.parametrize("source", MEMORY.values(), ids=MEMORY.keys())
def test_memory_bombs_are_stopped(timed: Timed, source: str) -> None:
    result = timed(check, DOUBLE, source)
    assert not result.correct
    if "fork" not in source:  # forked copies all report: that run is untrusted instead
        assert "MiB of memory" in result.feedback


OUTPUT = {
    "print": "while True:\n    print('spam' * 1000)\n",
    "raw stdout": "import os\nwhile True:\n    os.write(1, b'spam' * 10000)\n",
    "raw stderr": "import os\nwhile True:\n    os.write(2, b'spam' * 10000)\n",
    "print then return": "for _ in range(10**5):\n    print('spam' * 100)\n" + HONEST,
}


@pytest.mark.parametrize("source", OUTPUT.values(), ids=OUTPUT.keys())
def test_huge_output_is_cut_and_does_not_block(timed: Timed, source: str) -> None:
    result = timed(check, DOUBLE, source)
    assert len(result.details.get("output", "")) < 3_000
    assert result.correct == source.endswith(HONEST)


EXITS = {
    "os._exit at definition": ("import os\nos._exit(0)\n", "stopped the checker"),
    "sys.exit at definition": ("import sys\nsys.exit(0)\n", "SystemExit"),
    "os._exit in the second call": (
        "import os\ndef double(x):\n    if x == 5:\n        os._exit(0)\n    return 2 * x\n",
        "stopped the checker",
    ),
    "sys.exit in a call": ("import sys\ndef double(x):\n    sys.exit(3)\n", "raised SystemExit"),
    "killing itself": (
        "import os, signal\ndef double(x):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
        "SIGSEGV",
    ),
}


@pytest.mark.parametrize(("source", "message"), EXITS.values(), ids=EXITS.keys())
def test_exiting_in_the_middle_is_reported(timed: Timed, source: str, message: str) -> None:
    result = timed(check, DOUBLE, source)
    assert result.understood and not result.correct
    assert message in result.feedback


def test_honest_code_still_passes_after_all_that(timed: Timed) -> None:
    assert timed(check, DOUBLE, HONEST).correct


def test_concurrent_checks_beside_a_fork_bomb_all_return_in_time(timed: Timed) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bomb = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    sources = [bomb, HONEST, HONEST, HONEST, bomb, HONEST]

    def both() -> list[Any]:
        with ThreadPoolExecutor(len(sources)) as pool:
            return list(pool.map(lambda s: check(DOUBLE, s), sources))

    results = timed(both)
    assert [r.correct for r in results] == [s == HONEST for s in sources]
