"""Learner code that tries to hold host memory outside ``RLIMIT_AS``, and a meter outside.

Each attack is source text defining ``observe()``: it grabs what it can of one kind of memory
in as many processes as the sandbox allows (:data:`PRELUDE`'s ``spread``), each for at most
0.6 s, holds it all a moment so that the meter sees it, and returns how much it got
(diagnostics only: the tests judge by the host's memory, sampled from outside the sandbox by
:class:`HostMemory`).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType

MEMORY_MB = 64
"""The attacked check's ``memory_mb``."""

PRELUDE = """
import ctypes, os, signal, socket, time
libc = ctypes.CDLL(None, use_errno=True)
MiB = 2**20
KEEP = []  # what must stay open after grab() returns

def attempt(grab, seconds=0.6):
    try:
        return grab(time.monotonic() + seconds)
    except Exception:
        return 0

def spread(grab, processes=8):
    r, w = os.pipe()
    kids = 0
    for _ in range(processes - 1):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.close(r)
                os.write(w, f"{attempt(grab)}\\n".encode())
                time.sleep(60)  # hold it until the sandbox ends
            finally:
                os._exit(0)
        kids += 1
    os.close(w)
    total = attempt(grab)
    with os.fdopen(r) as reports:
        for _ in range(kids):
            total += float(reports.readline() or 0)
    time.sleep(0.2)
    return [kids + 1, round(total)]

def fill(folder):
    def grab(until):
        got = 0
        while time.monotonic() < until:
            try:
                with open(f"{folder}/f{os.getpid()}-{got}", "wb") as out:
                    out.write(b"x" * MiB)  # RLIMIT_FSIZE: 1 MiB a file
            except OSError:
                break
            got += 1
        return got
    return grab
"""

_SYSV = """
def grab(until):
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    libc.shmdt.argtypes = [ctypes.c_void_p]
    got = 0
    while time.monotonic() < until:
        segment = libc.shmget(0, 16 * MiB, 0o600)
        if segment < 0:
            break
        address = libc.shmat(segment, None, 0)
        if address in (None, 2**64 - 1):
            break
        ctypes.memset(address, 1, 16 * MiB)
        libc.shmdt(address)  # no longer mapped, so outside RLIMIT_AS; still in memory
        got += 16
    return got

def observe():
    return spread(grab)
"""

_MEMFD = """
def grab(until):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    got = 0
    while time.monotonic() < until:
        try:
            fd = os.memfd_create("x")
            os.write(fd, b"x" * MiB)
        except OSError:
            break
        got += 1
    return got

def observe():
    return spread(grab)
"""

_USERNS = """
def grab(until):
    if libc.unshare(0x10000000 | 0x20000) != 0:  # a user and a mount namespace of its own
        return 0
    libc.prctl(4, 1, 0, 0, 0)  # dumpable again (it became nobody), so its id maps are writable
    for name, value in (("setgroups", "deny"), ("uid_map", f"{os.getuid()} {os.getuid()} 1"),
                        ("gid_map", f"{os.getgid()} {os.getgid()} 1")):
        with open(f"/proc/self/{name}", "w") as out:
            out.write(value)
    folder = f"/tmp/mnt{os.getpid()}"
    os.mkdir(folder)
    if libc.mount(b"none", folder.encode(), b"tmpfs", 0, None) != 0:  # no size given
        return 0
    return fill(folder)(until)

def observe():
    return spread(grab)
"""

_FILES = """
def grab(until):
    folder = f"/tmp/d{os.getpid()}"
    made = 0
    try:
        os.mkdir(folder)
        while time.monotonic() < until:
            for _ in range(500):
                name = f"{folder}/{'n' * 200}{made}"  # a long name: a bigger dentry
                os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))
                made += 1
    except OSError:
        pass
    return made

def observe():
    return spread(grab)
"""

_TCP = """
def grab(until):
    server = socket.create_server(("127.0.0.1", 0))
    KEEP.append(server)
    got = 0
    while time.monotonic() < until:
        try:
            client = socket.create_connection(server.getsockname())
            peer, _ = server.accept()
        except OSError:
            break
        KEEP.extend((client, peer))
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * MiB)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * MiB)
        client.setblocking(False)
        try:
            while True:  # nobody reads: it all stays in kernel buffers
                got += client.send(b"x" * MiB)
        except OSError:
            pass
    return got // MiB

def observe():
    return spread(grab)
"""

_UNIX = """
def grab(until, pairs=10**6):
    got = 0
    while time.monotonic() < until and pairs > 0:
        pairs -= 1
        try:
            pair = socket.socketpair()
        except OSError:
            break
        KEEP.extend(pair)
        for end in pair:
            try:
                end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * MiB)
            except OSError:
                pass  # refused: the default buffer stays
            end.setblocking(False)
            try:
                while True:
                    got += end.send(b"x" * MiB)
            except OSError:
                pass
    return got // MiB

def observe():
    return spread(grab)
"""

_TIMERS = """
def grab(until):
    timer = ctypes.c_void_p()
    made = 0
    while time.monotonic() < until:
        for _ in range(1000):
            if libc.timer_create(1, None, ctypes.byref(timer)) != 0:
                return made
            made += 1
    return made

def observe():
    return spread(grab)
"""

_EVERYTHING = """
def grab(until):
    got = attempt(_MEMFD, 0.3) + attempt(_SYSV, 0.3)  # where they are allowed
    try:  # the address space: memory_mb plus what the interpreter maps
        while True:
            KEEP.append(b"x" * MiB)
            got += 1
    except MemoryError:
        del KEEP[-2:]  # room for the Python objects the rest needs
    return got + attempt(fill("/tmp"), 0.2) + attempt(_UNIX, 0.3)

def observe():
    return spread(grab)
"""


def _namespaced(name: str, source: str) -> str:
    """``source``'s ``grab`` renamed to ``name`` (to combine several in one attack)."""
    return source.replace("def grab(", f"def {name}(").split("def observe")[0]


@dataclass(frozen=True, slots=True)
class Attack:
    """One attack: its source, the meter that sees it, and what the sandbox lets it hold."""

    source: str
    meter: str
    """The :class:`HostMemory` meter that sees it."""
    bound: float
    """MiB it may add to the host's ``meter`` at most (what the sandbox allows, plus noise)."""
    seconds: float = 1.0
    """The check's time limit (the check must return within it + 1 s)."""


NOISE = 16.0
"""MiB other processes on the machine may add to ``Shmem`` during one check (a database's
shared buffers, a browser's ``/dev/shm``...)."""
SLAB_NOISE = 12.0
"""The same for ``Slab``."""
REFUSED_KERNEL = 64.0
"""MiB the ``kernel`` meter may grow by for an attack that is refused: noise (the kernel's
per-CPU lists of free pages move by up to 40 MiB here)."""
KERNEL_BUFFERS = (8 * 64 + 64) * 0.22
"""MiB of socket buffers at most: 8 processes × 64 files, plus 64 in flight, each 220 KiB
(``net.core.wmem_default`` and the kernel's overhead: ``ss -xm`` in the sandbox showed at most
217 KiB)."""
PROCESSES = 8 * (MEMORY_MB + 16)
"""MiB the processes map at most: 8 × (``memory_mb`` + the interpreter's 16 MiB)."""

ATTACKS = {
    "SysV shared memory": Attack(PRELUDE + _SYSV, "Shmem", NOISE),
    "memfd files": Attack(PRELUDE + _MEMFD, "Shmem", NOISE),
    "files in /dev": Attack(
        PRELUDE + "def observe():\n    return spread(fill('/dev'))\n", "Shmem", NOISE
    ),
    "POSIX shared memory in /dev/shm": Attack(
        PRELUDE + "def observe():\n    return spread(fill('/dev/shm'))\n", "Shmem", 16 + NOISE
    ),
    "files in /tmp": Attack(
        PRELUDE + "def observe():\n    return spread(fill('/tmp'))\n", "Shmem", 16 + NOISE
    ),
    "a million empty files": Attack(PRELUDE + _FILES, "Slab", SLAB_NOISE),
    "a tmpfs of its own": Attack(PRELUDE + _USERNS, "Shmem", NOISE),
    "loopback TCP buffers": Attack(PRELUDE + _TCP, "kernel", REFUSED_KERNEL),
    # A few sockets with the largest buffers they may ask for (twice net.core.wmem_max, 4 MiB
    # on the machines CI runs on), then as many sockets as the file limit allows:
    "big unix socket buffers": Attack(
        PRELUDE + _UNIX.replace("return spread(grab)", "return spread(lambda t: grab(t, 6))"),
        "kernel",
        REFUSED_KERNEL,
    ),
    "unix socket buffers": Attack(PRELUDE + _UNIX, "kernel", KERNEL_BUFFERS + REFUSED_KERNEL),
    "POSIX timers": Attack(PRELUDE + _TIMERS, "Slab", SLAB_NOISE),
    "everything at once": Attack(
        PRELUDE
        + "".join(
            _namespaced(name, source)
            for name, source in (("_SYSV", _SYSV), ("_MEMFD", _MEMFD), ("_UNIX", _UNIX))
        )
        + _EVERYTHING,
        "sandbox",
        PROCESSES + 16 + 2 + NOISE,
        seconds=3.0,  # time to take everything, even on a busy machine
    ),
}
"""Every attack, by what it tries."""


class HostMemory:
    """The host's memory, sampled every few ms in a thread from outside the sandbox.

    Meters, in MiB: ``Shmem`` (shared memory, tmpfs, memfd: ``/proc/meminfo``), ``Slab``
    (kernel objects), ``kernel`` (what the kernel allocates beyond those and page cache:
    socket buffers... — noisy, as the kernel's per-CPU lists of free pages count here), and
    ``sandbox``: ``Shmem`` and ``Slab`` plus the anonymous memory of the sandboxes this
    process started (all the machine's would count other processes too).

    ``/proc/meminfo`` is read every 3 ms; the sandboxes' memory comes from a second thread,
    as walking every process this one started (servers, databases, their threads) takes tens
    of ms on a busy machine: in one thread it starved the cheap meters of samples during the
    attacks the limits end in a third of a second.
    """

    def __init__(self) -> None:
        self._samples: deque[tuple[float, dict[str, float]]] = deque(maxlen=100_000)
        self._stop = threading.Event()
        self._sandboxes = 0.0  # MiB, the latest walk of the sandboxes
        self._threads = [
            threading.Thread(target=self._sample, daemon=True),
            threading.Thread(target=self._walk, daemon=True),
        ]

    @staticmethod
    def read() -> dict[str, float]:
        """The meters read from ``/proc/meminfo`` now."""
        fields = {}
        with open("/proc/meminfo") as info:
            for line in info:
                name, value = line.split(":", 1)
                fields[name] = int(value.split()[0]) / 1024
        kernel = fields["MemTotal"] - sum(
            fields[name]
            for name in ("MemFree", "Buffers", "Cached", "AnonPages", "Slab", "PageTables")
        )
        return {"Shmem": fields["Shmem"], "Slab": fields["Slab"], "kernel": kernel}

    def _sample(self) -> None:
        while not self._stop.is_set():
            meters = self.read()
            meters["sandbox"] = meters["Shmem"] + meters["Slab"] + self._sandboxes
            self._samples.append((time.monotonic(), meters))
            time.sleep(0.003)

    def _walk(self) -> None:
        while not self._stop.is_set():
            self._sandboxes = _descendants_anonymous()
            time.sleep(0.003)

    def __enter__(self) -> HostMemory:
        for thread in self._threads:
            thread.start()
        time.sleep(0.3)  # a baseline before the first window
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def added(self, meter: str, start: float, end: float) -> float:
        """MiB ``meter`` rose above its level just before ``start``, at most, until ``end``.

        Both levels are medians of a few samples: a spike of another process's memory
        shorter than about 20 ms is not counted (the attacks hold what they got longer). The
        window is the attack's own: the attacks of the unprivileged run follow each other a
        quarter of a second apart. A sandbox the limits end early gets few samples on a busy
        machine: the smoothing then takes fewer at a time rather than failing for want of them.
        """
        samples = list(self._samples)
        # The level before: the last few samples taken before the start. On a machine busy
        # enough to starve the sampler for the quarter second before an attack, they are
        # older (and still after the previous attack's end, or the baseline itself).
        before = [s[meter] for t, s in samples if t < start][-7:]
        during = [s[meter] for t, s in samples if start <= t <= end]
        assert before and len(during) >= 3, (
            f"the meter took too few samples ({len(before)} before, {len(during)} during)"
        )
        width = min(7, len(during))
        smooth = [statistics.median(during[i : i + width]) for i in range(len(during) - width + 1)]
        return max(smooth) - statistics.median(before)


def _descendants_anonymous() -> float:
    """MiB of anonymous memory of this process's descendants in other PID namespaces — the
    sandboxes, not the test's own servers — as their proportional share (pages a fork still
    shares with its parent count once)."""
    total = 0.0
    ours = os.readlink("/proc/self/ns/pid")
    pending = [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
            if os.readlink(f"/proc/{pid}/ns/pid") == ours:
                continue
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss_Anon:"):
                        total += int(line.split()[1]) / 1024
        except (OSError, ValueError):  # it ended meanwhile
            continue
    return total
