"""The bubblewrap command line that confines one run of learner code.

The sandbox gets its own PID, network, IPC, UTS and cgroup namespaces (it sees only its own
processes, has no network at all, not even the host's localhost), a new session (no
terminal), a root file system that holds only ``/usr`` (with the ``/bin``, ``/lib``...
links), the Python installation and the child script, all read-only, plus a fresh ``/proc``,
a ``/dev`` of four device nodes and nothing writable, and one small writable tmpfs, the
scratch directory, seen as ``/tmp`` and ``/dev/shm``. Home directories, ``/work``, ``/etc``
(beyond the dynamic loader's cache), lesson and evidence folders simply do not exist inside.
The environment is replaced by a handful of fixed variables, so no token of the server reaches
learner code. A seccomp filter (:mod:`.seccomp`) refuses the system calls that would hold
host memory outside the child's address space.

Two ways to start it, by who runs the server:

- **Unprivileged** (the usual JupyterHub user): ``--unshare-user`` makes a user namespace;
  the seccomp filter forbids making another one. ``RLIMIT_NPROC`` set inside then counts the
  processes of that namespace only.
- **root** (containers, CI): bwrap runs without a user namespace and keeps only
  ``CAP_SETUID``/``CAP_SETGID``, which the child uses to become ``nobody`` (65534) before any
  learner code runs. (In a user namespace made by root the learner would still be root on the
  host, and root is exempt from ``RLIMIT_NPROC``.)

Either way the child also keeps ``CAP_SYS_ADMIN`` in its own mount namespace just long enough
to cap the scratch tmpfs's size *and number of files* (bwrap can set only the size; each
file costs the kernel memory the size does not count) and to show it at ``/dev/shm``; then it
drops every capability (:mod:`.confine`) before learner code runs.

``--die-with-parent`` ties the sandbox to the bwrap process the server starts: killing that
one process takes the whole PID namespace with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BWRAP_VAR",
    "ENVIRONMENT",
    "REQUIRED_OPTIONS",
    "SANDBOX_GID",
    "SANDBOX_UID",
    "SCRATCH",
    "SCRATCH_BYTES",
    "SCRATCH_FILES",
    "SHM",
    "Layout",
    "build_command",
    "bwrap_features",
    "find_bwrap",
    "python_dirs",
]

SANDBOX_UID = 65534
"""The user a root server's sandbox runs learner code as (``nobody``)."""
SANDBOX_GID = 65534
SCRATCH = "/tmp"
"""The only writable directory inside the sandbox (a tmpfs, gone after the run)."""
SHM = "/dev/shm"
"""Where the scratch tmpfs is shown too (POSIX shared memory, ``multiprocessing`` locks)."""
SCRATCH_BYTES = 16 * 2**20
"""Size of the scratch tmpfs."""
SCRATCH_FILES = 1024
"""Files, directories and links the scratch tmpfs holds at most (its ``nr_inodes``)."""
_DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
_DEV_LINKS = (
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
)
REQUIRED_OPTIONS = frozenset({"--seccomp", "--cap-add", "--dev-bind", "--remount-ro"})
"""bwrap options the sandbox cannot be built without."""
_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_LOADER_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": SCRATCH,
    "TMPDIR": SCRATCH,
    "USER": "learner",
    "MPLBACKEND": "Agg",
    # One thread per numeric library: threads count against the process limit.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
"""The whole environment learner code sees."""


BWRAP_VAR = "LESSONKIT_BWRAP"
"""Environment variable naming the bwrap executable, where it is not on ``PATH``."""


def find_bwrap(env: Mapping[str, str] = os.environ) -> str | None:
    """The ``bwrap`` executable: ``$LESSONKIT_BWRAP`` if set, else from ``PATH``."""
    named = env.get(BWRAP_VAR, "").strip()
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    return shutil.which("bwrap") or next(
        (p for p in ("/usr/bin/bwrap", "/usr/local/bin/bwrap") if os.access(p, os.X_OK)), None
    )


def bwrap_features(bwrap: str) -> tuple[str, frozenset[str]]:
    """bwrap's version line and the options its ``--help`` lists (old releases lack some)."""
    try:
        version = subprocess.run(
            [bwrap, "--version"], check=False, capture_output=True, text=True, timeout=5, env={}
        ).stdout.strip()
        usage = subprocess.run(
            [bwrap, "--help"], check=False, capture_output=True, text=True, timeout=5, env={}
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "", frozenset()
    options = frozenset(word for word in usage.split() if word.startswith("--"))
    return version, options


def _covered(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def python_dirs(child_dir: str) -> list[str]:
    """Directories the child's interpreter needs, outside ``/usr``: its prefixes
    (a virtual environment's site-packages included, so setup code may import pandas) and the
    child script's folder. Nested and duplicate entries are dropped."""
    candidates = [
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        str(Path(os.path.realpath(sys.executable)).parent.parent),
        child_dir,
    ]
    found: list[str] = []
    for raw in sorted({os.path.abspath(c) for c in candidates}, key=len):
        if raw == "/" or _covered(raw, ["/usr", *found]) or not os.path.isdir(raw):
            continue
        found.append(raw)
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Layout:
    """What one sandbox is made of."""

    bwrap: str
    """The bwrap executable."""
    python: str
    """The interpreter, at the same path inside as outside."""
    child: str
    """The child script."""
    read_only: tuple[str, ...]
    """Directories bound read-only at the same path (besides ``/usr``)."""
    privileged: bool
    """The server runs as root: no user namespace; the child becomes ``nobody``."""
    options: frozenset[str] = frozenset()
    """Options this bwrap supports (from ``--help``); optional hardening is skipped if absent."""
    seccomp: bytes = b""
    """The compiled seccomp filter (:func:`.seccomp.compile_filter`) bwrap installs."""


def _file_system(layout: Layout) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for link in _SYSTEM_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    perms = ["--perms", "0755"] if "--perms" in layout.options else []
    args += [*perms, "--dir", "/etc"]  # bwrap would make it 0700: unreadable for nobody
    for name in _LOADER_FILES:
        args += ["--ro-bind-try", name, name]
    # Not bwrap's --dev: that is a writable tmpfs (as large as half the RAM) and needs a
    # second, nested user namespace, where the child could not cap the scratch tmpfs.
    args += ["--proc", "/proc", *perms, "--dir", "/dev", *perms, "--dir", SHM]
    for device in _DEVICES:
        args += ["--dev-bind", device, device]
    for name, target in _DEV_LINKS:
        args += ["--symlink", target, f"/dev/{name}"]
    if "--perms" in layout.options:
        args += ["--perms", "1777"]
    if "--size" in layout.options:
        args += ["--size", str(SCRATCH_BYTES)]
    args += ["--tmpfs", SCRATCH]  # before the binds: a Python installed under /tmp stays visible
    made = {"/", "/dev", SCRATCH}
    for path in layout.read_only:
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:  # traversable by the sandbox's user
                made.add(str(parent))
                args += [*perms, "--dir", str(parent)]
        args += ["--ro-bind", path, path]
    # The sandbox's own root is a tmpfs its user might own: make it read-only last.
    return [*args, "--remount-ro", "/", "--chdir", SCRATCH]


def build_command(layout: Layout, result_fd: int, seccomp_fd: int) -> list[str]:
    """The full command: bwrap, its options, then ``python -I -B child.py RESULT_FD``.

    ``seccomp_fd`` is a readable file holding :attr:`Layout.seccomp`; bwrap consumes it.
    """
    args = [layout.bwrap]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    if layout.privileged:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user"]
    args += ["--cap-add", "CAP_SYS_ADMIN", "--seccomp", str(seccomp_fd)]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    for key, value in ENVIRONMENT.items():
        args += ["--setenv", key, value]
    args += _file_system(layout)
    return [*args, "--", layout.python, "-I", "-B", "-X", "utf8", layout.child, str(result_fd)]
