"""Learner code trying to take host memory around its memory limit; the host is measured.

``RLIMIT_AS`` (``memory_mb``) bounds what a sandbox process maps. Each attack here
(:mod:`._memory`) tries another way to hold memory outside it — SysV shared memory, memfd
files, files in ``/dev``, ``/dev/shm`` and ``/tmp``, a million empty files, a tmpfs in a user
namespace of its own, socket buffers, POSIX timers, and all of them at once in every process
it may start — while this process samples the host's ``/proc/meminfo`` from outside the
sandbox. Each must stay within what ``docs/security.md`` promises (plus a little noise from
the rest of the machine), and the check must still return within the time limit + 1 s.

Every attack runs twice: with the server as root (the sandbox drops to ``nobody``) and as an
unprivileged user (bubblewrap in a user namespace, as a JupyterHub user's server runs it).
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lessonkit.isolation import run_learner_code

from . import _nobody
from ._memory import ATTACKS, MEMORY_MB, HostMemory
from .conftest import LIMIT, RETURN_WITHIN

pytestmark = pytest.mark.usefixtures("sandbox")


@pytest.fixture(scope="module")
def meter() -> Iterator[HostMemory]:
    """The host's memory, sampled for the whole module."""
    with HostMemory() as sampling:
        yield sampling


def _verdict(meter: HostMemory, name: str, start: float, end: float, what: Any) -> None:
    attack = ATTACKS[name]
    added = meter.added(attack.meter, start, end)
    assert added <= attack.bound, (
        f"{name}: the host's {attack.meter} grew by {added:.0f} MiB during the check "
        f"(allowed {attack.bound:.0f}); the attack reported {what}"
    )


@pytest.mark.parametrize("name", ATTACKS)
def test_memory_stays_bounded_on_a_root_server(name: str, meter: HostMemory) -> None:
    attack = ATTACKS[name]
    time.sleep(0.25)  # the previous check's sandbox is freed; the meter's baseline
    start = time.monotonic()
    run = run_learner_code(
        attack.source,
        name="observe",
        calls=[((), {})],
        timeout=attack.seconds,
        memory_mb=MEMORY_MB,
    )
    end = time.monotonic()
    assert end - start < attack.seconds + RETURN_WITHIN - LIMIT, f"took {end - start:.2f} s"
    assert run.isolation == "bubblewrap", (run.status, run.error)  # it really ran, confined
    _verdict(meter, name, start, end, run.calls[0] if run.calls else (run.status, run.error))


DRIVER = """
attacks = json.loads(sys.argv[2])
status = isolation.isolation_status()
assert status.isolated and not status.layout.privileged, status.reason
for name, (source, seconds) in attacks.items():
    time.sleep(0.25)  # the meter's baseline
    start = time.monotonic()
    run = isolation.run_learner_code(
        source, name="observe", calls=[((), {})], timeout=seconds, memory_mb=int(sys.argv[3])
    )
    end = time.monotonic()
    assert run.isolation == "bubblewrap", (run.status, run.error)
    what = [run.status, run.calls[0].status, run.calls[0].value] if run.calls else run.status
    print(json.dumps({"name": name, "start": start, "end": end, "what": what}), flush=True)
"""


@pytest.fixture(scope="module")
def unprivileged(meter: HostMemory) -> dict[str, dict[str, Any]]:
    """Every attack, run as ``nobody`` one after another while ``meter`` samples."""
    why = _nobody.unavailable()
    if why:
        pytest.skip(why)
    attacks = {name: (attack.source, attack.seconds) for name, attack in ATTACKS.items()}
    with _nobody.copied() as folder:
        out = _nobody.run(folder, DRIVER, json.dumps(attacks), str(MEMORY_MB))
    return {record["name"]: record for record in map(json.loads, out.splitlines())}


@pytest.mark.parametrize("name", ATTACKS)
def test_memory_stays_bounded_on_an_unprivileged_server(
    name: str, meter: HostMemory, unprivileged: dict[str, dict[str, Any]]
) -> None:
    record = unprivileged[name]
    elapsed = record["end"] - record["start"]
    assert elapsed < ATTACKS[name].seconds + RETURN_WITHIN - LIMIT, f"took {elapsed:.2f} s"
    _verdict(meter, name, record["start"], record["end"], record["what"])


HONEST = """
import asyncio, multiprocessing, socket, sqlite3, subprocess, tempfile
from multiprocessing import shared_memory
import numpy, pandas
import matplotlib.pyplot as plt

async def later(x):
    await asyncio.sleep(0)
    return x

def observe():
    seen = {"asyncio": asyncio.run(later(1))}  # its event loop wakes itself with a socketpair
    queue = multiprocessing.Queue()  # a pipe and a POSIX semaphore in /dev/shm
    worker = multiprocessing.Process(target=queue.put, args=(2,))
    worker.start()
    worker.join()
    seen["multiprocessing"] = queue.get(timeout=5)
    block = shared_memory.SharedMemory(create=True, size=4096)
    seen["shared_memory"] = block.size
    block.close()
    block.unlink()
    left, right = socket.socketpair()
    left.send(b"3")
    seen["socketpair"] = int(right.recv(1))
    seen["subprocess"] = subprocess.run(["echo", "4"], capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile() as scratch:
        seen["tempfile"] = scratch.write(b"12345")
    database = sqlite3.connect("/tmp/answers.db")
    database.execute("create table t (x)")
    seen["sqlite"] = database.execute("select count(*) from t").fetchone()[0]
    seen["numpy"] = int(numpy.arange(4).sum())
    seen["pandas"] = int(pandas.Series([1, 2]).sum())
    figure, axes = plt.subplots()
    axes.plot([1, 2])
    figure.savefig("/tmp/plot.png")
    seen["matplotlib"] = True
    return seen
"""


def test_honest_code_using_processes_sockets_and_scratch_files_still_runs() -> None:
    run = run_learner_code(HONEST, name="observe", calls=[((), {})], timeout=20, memory_mb=512)
    assert run.status == "ran", (run.status, run.error, run.extra)
    assert run.calls[0].status == "returned", run.calls[0].error
    assert run.calls[0].value == {
        "asyncio": 1,
        "multiprocessing": 2,
        "shared_memory": 4096,
        "socketpair": 3,
        "subprocess": "4\n",
        "tempfile": 5,
        "sqlite": 0,
        "numpy": 6,
        "pandas": 3,
        "matplotlib": True,
    }


NAMESPACES = """
import ctypes, os, signal

def observe():
    libc = ctypes.CDLL(None, use_errno=True)
    tried = {}
    flags = 0x10000000 | signal.SIGCHLD  # CLONE_NEWUSER
    pid = libc.syscall(56, flags, 0, 0, 0, 0)  # clone
    if pid == 0:
        os._exit(0)
    tried["clone"] = os.strerror(ctypes.get_errno()) if pid < 0 else "created"
    request = (ctypes.c_uint64 * 11)(0x10000000, 0, 0, 0, signal.SIGCHLD)  # struct clone_args
    pid = libc.syscall(435, request, 88)  # clone3
    if pid == 0:
        os._exit(0)
    tried["clone3"] = os.strerror(ctypes.get_errno()) if pid < 0 else "created"
    tried["unshare"] = "created" if libc.unshare(0x10000000) == 0 else "refused"
    return tried
"""


def test_no_user_namespace_by_any_system_call() -> None:
    if platform.machine() != "x86_64":
        pytest.skip("the attack uses x86-64 system call numbers")
    run = run_learner_code(NAMESPACES, name="observe", calls=[((), {})], timeout=LIMIT)
    assert run.calls and run.calls[0].status == "returned", (run.status, run.error)
    assert run.calls[0].value == {
        "clone": "Operation not permitted",
        "clone3": "Function not implemented",  # so that the C library falls back to clone
        "unshare": "refused",
    }
