"""Whether learner code can be run confined here, decided once by trying to break out.

Installing bubblewrap is not enough: inside a locked-down container user namespaces may be
refused, or an old bwrap may lack an option. So the first call runs a probe through the very
same path learner code takes: code that counts the processes it can see, looks for a file the
server just created, connects to a port the server is listening on, writes to ``/``, reads its
environment and forks until refused — and tries the ways around the memory limit: SysV shared
memory, a memfd, an io_uring, a network socket, a user namespace of its own, writing to
``/dev``, and a scratch tmpfs larger or with more files than allowed. Only if every one of
those fails as it should is isolation reported available; otherwise the reason is kept and no
learner code runs. (The sandbox child also refuses to run code when it cannot cap its scratch
tmpfs or drop its capabilities, or finds no seccomp filter: :mod:`.confine`.)
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .bwrap import (
    BWRAP_VAR,
    ENVIRONMENT,
    REQUIRED_OPTIONS,
    SCRATCH,
    SCRATCH_BYTES,
    SCRATCH_FILES,
    SHM,
    Layout,
    bwrap_features,
    find_bwrap,
    python_dirs,
)
from .runner import CHILD, PROCESS_LIMIT, execute
from .seccomp import SeccompError, compile_filter

__all__ = ["ENV_VAR", "IsolationStatus", "isolation_status"]

ENV_VAR = "LESSONKIT_ISOLATION"
"""``bubblewrap`` (the default) or ``none`` (run learner code unconfined: trusted use only)."""

_PROBE = """
import ctypes, os, socket, time

def refused(attempt):
    try:
        return attempt() == -1
    except OSError:
        return True

def memory(scratch):
    libc = ctypes.CDLL(None, use_errno=True)
    ring = ctypes.create_string_buffer(120)
    seen = {
        "SysV shared memory": refused(lambda: libc.shmget(0, 4096, 0o600)),
        "memfd files": refused(lambda: os.memfd_create("probe")),
        "io_uring rings": refused(lambda: libc.syscall(425, 1, ring)),
        "network sockets": refused(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
        "a user namespace": refused(lambda: libc.unshare(0x10000000)),
        "files in /dev": refused(lambda: open("/dev/lessonkit-probe", "w")),
    }
    for path in scratch:
        found = os.statvfs(path)
        seen[path] = [found.f_blocks * found.f_frsize, found.f_files]
    return seen

def probe(port, secret, attempts, scratch):
    seen = {"pids": sum(name.isdigit() for name in os.listdir("/proc"))}
    seen["secret"] = os.path.exists(secret)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        seen["network"] = True
    except OSError:
        seen["network"] = False
    try:
        with open("/lessonkit-probe", "w"):
            pass
        seen["writes"] = True
    except OSError:
        seen["writes"] = False
    seen["environment"] = sorted(os.environ)
    children = []
    try:
        for _ in range(attempts):
            pid = os.fork()
            if pid == 0:
                time.sleep(3)
                os._exit(0)
            children.append(pid)
    except OSError:
        pass
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    seen["forks"] = len(children)
    seen["memory"] = memory(scratch)
    return seen
"""
_PROBE_SECONDS = 3.0  # it takes about 0.1 s; only an overloaded machine needs more
_BUSY = "the sandbox probe did not finish in time (is the server overloaded?); trying again later"
# Python may add these two itself (the working directory, C locale coercion).
_ALLOWED_ENV = {*ENVIRONMENT, "PWD", "LC_CTYPE"}
_REFUSED = (
    "SysV shared memory",
    "memfd files",
    "io_uring rings",
    "network sockets",
    "a user namespace",
    "files in /dev",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class IsolationStatus:
    """Whether (and how) learner code from source text can be checked here."""

    available: bool
    """Learner code can be run (confined, or unconfined because the operator said so)."""
    isolated: bool
    """It runs confined in a sandbox that passed the start-up probe."""
    mechanism: str
    """``bubblewrap``, ``none`` (turned off) or empty (unavailable)."""
    reason: str
    """One sentence for operators and learners: what confines code, or why nothing can."""
    layout: Layout | None = None
    """The sandbox learner code runs in (bubblewrap only)."""


def _unavailable(reason: str) -> IsolationStatus:
    return IsolationStatus(available=False, isolated=False, mechanism="", reason=reason)


def _leaks(seen: object, secret_path: str) -> list[str]:
    if not isinstance(seen, dict):
        return ["the probe returned nothing readable"]
    found = []
    if not isinstance(seen.get("pids"), int) or seen["pids"] > 3:
        found.append("it sees processes outside the sandbox")
    if seen.get("secret") is not False:
        found.append(f"it can see {secret_path}")
    if seen.get("network") is not False:
        found.append("it can connect to the server's localhost")
    if seen.get("writes") is not False:
        found.append("it can write to the root file system")
    extra = set(seen.get("environment") or ["?"]) - _ALLOWED_ENV
    if extra:
        found.append(f"it sees environment variables {sorted(extra)}")
    forks = seen.get("forks")
    if not isinstance(forks, int) or forks >= PROCESS_LIMIT:
        found.append("the process limit does not hold")
    return found + _memory_leaks(seen.get("memory"))


def _memory_leaks(seen: object) -> list[str]:
    if not isinstance(seen, dict):
        return ["the memory probe returned nothing readable"]
    found = [f"it can create {what}" for what, no in seen.items() if no is False]
    found += [f"it can create {what}" for what in _REFUSED if what not in seen]
    for path in (SCRATCH, SHM):
        size, files = seen.get(path) or (None, None)
        if not isinstance(size, int) or not isinstance(files, int):
            found.append(f"it cannot measure {path}")
        elif size > SCRATCH_BYTES or files > SCRATCH_FILES:
            found.append(
                f"{path} holds {size // 2**20} MiB and {files} files, more than "
                f"{SCRATCH_BYTES // 2**20} MiB and {SCRATCH_FILES}"
            )
    return found


def probe(layout: Layout) -> str:
    """Try to break out of ``layout``'s sandbox; an empty string if nothing got out."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener,
        tempfile.NamedTemporaryFile(prefix="lessonkit-probe-") as secret,
    ):
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0)
        port = listener.getsockname()[1]
        run = execute(
            _PROBE,
            name="probe",
            calls=[((port, secret.name, PROCESS_LIMIT + 4, [SCRATCH, SHM]), {})],
            layout=layout,
            timeout=_PROBE_SECONDS,
        )
    if run.status == "timeout":
        return _BUSY
    if run.status != "ran" or run.calls[0].status != "returned":
        said = str(run.extra.get("stderr", "")).strip().splitlines()
        detail = said[-1] if said else run.error or run.status
        if detail.startswith("lessonkit sandbox:"):
            return f"the sandbox cannot be set up here ({detail})"
        if "namespace" in detail or "uid map" in detail or "Operation not permitted" in detail:
            return (
                f"bubblewrap cannot create its sandbox here ({detail}); user namespaces are "
                "probably refused (common in Kubernetes pods)"
            )
        return f"bubblewrap cannot run Python in its sandbox here ({detail})"
    leaks = _leaks(run.calls[0].value, secret.name)
    return "the sandbox does not confine code here: " + "; ".join(leaks) if leaks else ""


def _decide(mode: str) -> IsolationStatus:
    if mode == "none":
        return IsolationStatus(
            available=True,
            isolated=False,
            mechanism="none",
            reason=f"isolation is turned off ({ENV_VAR}=none): learner code runs unconfined "
            "as the server's user, with resource limits only",
        )
    if mode not in ("", "bubblewrap", "bwrap"):
        return _unavailable(f"{ENV_VAR}={mode!r} is not understood (use 'bubblewrap' or 'none')")
    if not sys.platform.startswith("linux"):
        return _unavailable("the code sandbox (bubblewrap) needs Linux")
    bwrap = find_bwrap()
    if bwrap is None and os.environ.get(BWRAP_VAR):
        return _unavailable(f"{BWRAP_VAR}={os.environ[BWRAP_VAR]!r} is not an executable")
    if bwrap is None:
        return _unavailable(
            "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    version, options = bwrap_features(bwrap)
    missing = sorted(REQUIRED_OPTIONS - options) if options else []
    if missing:
        return _unavailable(f"{version or bwrap} is too old: it lacks {', '.join(missing)}")
    try:
        program = compile_filter()
    except SeccompError as exc:
        return _unavailable(f"the sandbox cannot bound memory here: {exc}")
    layout = Layout(
        bwrap=bwrap,
        python=os.path.abspath(sys.executable),
        child=CHILD,
        read_only=tuple(python_dirs(str(Path(CHILD).parent))),
        privileged=os.geteuid() == 0,
        options=options,
        seccomp=program,
    )
    problem = probe(layout)
    if problem:
        return _unavailable(problem)
    return IsolationStatus(
        available=True,
        isolated=True,
        mechanism="bubblewrap",
        reason=f"learner code runs in {version or 'bubblewrap'}: its own process and network "
        f"namespaces, a read-only file system, at most {PROCESS_LIMIT} processes, a seccomp "
        "filter against memory held outside the memory limit",
        layout=layout,
    )


_lock = threading.Lock()
_cache: dict[tuple[str, str, int, str], IsolationStatus] = {}


def isolation_status(*, refresh: bool = False) -> IsolationStatus:
    """How learner code from source text is run here; probed once per process and setting.

    ``refresh`` probes again (e.g. after bubblewrap was installed). Call it at start-up: the
    first call takes a fraction of a second.
    """
    mode = os.environ.get(ENV_VAR, "").strip().lower()
    key = (mode, os.environ.get(BWRAP_VAR, ""), os.geteuid(), sys.executable)
    with _lock:
        if refresh or key not in _cache:
            status = _decide(mode)
            if status.reason.endswith(_BUSY):  # not a verdict: probe again next time
                return status
            _cache[key] = status
        return _cache[key]
