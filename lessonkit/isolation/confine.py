"""What the sandbox child does to itself before any learner code runs.

bubblewrap leaves the child ``CAP_SYS_ADMIN`` in the sandbox's own mount namespace (and, on a
root server, ``CAP_SETUID``/``CAP_SETGID``). :func:`confine` uses it once, then gives up every
capability:

1. It remounts the scratch tmpfs with a size *and* a file count (``nr_inodes``): bwrap can
   set only the size, and each file, directory or hard link costs the kernel about a KiB that
   the size does not count (a million empty files would be a GiB). It shows the same tmpfs at
   ``/dev/shm`` (POSIX shared memory, ``multiprocessing`` locks), so both share one budget.
2. It asks the kernel's out-of-memory killer to pick sandbox processes first.
3. It becomes ``nobody`` (root server) or clears its capability sets (unprivileged server),
   then checks in ``/proc/self/status`` that no capability is left, that ``no_new_privs`` is
   set (no set-user-ID program can give one back) and that the seccomp filter is on.

It first makes sure it is not in the server's own mount namespace (a stand-in for bwrap
that runs it unconfined must not get the server's ``/tmp`` remounted). Anything that fails
ends the process with :data:`plain.DROP_FAILED` and one line on stderr:
the code is then not run, and the start-up probe reports why.

Standard library only; the sandbox child imports this file by path, without lessonkit.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING or __package__:
    from . import plain
else:  # loaded by path in the sandbox child, where lessonkit is not importable
    import plain

__all__ = ["confine"]

_MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND = 0x2, 0x4, 0x20, 0x1000
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CAPABILITY_VERSION_3 = 0x20080522
_CAP_SETS = ("CapInh", "CapPrm", "CapEff", "CapAmb")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _fail(what: str) -> NoReturn:
    sys.stderr.write(f"lessonkit sandbox: {what}\n")
    sys.stderr.flush()
    os._exit(plain.DROP_FAILED)


def _call(libc: ctypes.CDLL, what: str, name: str, *args: Any) -> None:
    if getattr(libc, name)(*args) != 0:
        _fail(f"{what}: {os.strerror(ctypes.get_errno())}")


def _cap_scratch(libc: ctypes.CDLL, scratch: str, shm: str, size: int, files: int) -> None:
    options = f"size={size},nr_inodes={files}".encode()
    flags = ctypes.c_ulong(_MS_REMOUNT | _MS_NOSUID | _MS_NODEV)
    _call(libc, "cannot limit the scratch directory", "mount", None, scratch.encode(), None,
          flags, options)  # fmt: skip
    _call(libc, f"cannot show the scratch directory at {shm}", "mount", scratch.encode(),
          shm.encode(), None, ctypes.c_ulong(_MS_BIND), None)  # fmt: skip


def _clear_capabilities(libc: ctypes.CDLL) -> None:
    zero = ctypes.c_ulong(0)
    _call(libc, "cannot clear ambient capabilities", "prctl", _PR_CAP_AMBIENT,
          ctypes.c_ulong(_PR_CAP_AMBIENT_CLEAR_ALL), zero, zero, zero)  # fmt: skip
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    _call(libc, "cannot drop capabilities", "capset", ctypes.byref(header), (_CapData * 2)())


def _become(uid: int, gid: int) -> None:
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        _fail(f"cannot drop privileges: {exc}")
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        _fail("privileges were not dropped")


def _check_status() -> None:
    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
    except OSError as exc:
        _fail(f"cannot read /proc/self/status: {exc}")
    held = [name for name in _CAP_SETS if int(fields.get(name, "1").strip(), 16) != 0]
    if held:
        _fail(f"capabilities are left after dropping them ({', '.join(held)})")
    if fields.get("NoNewPrivs", "").strip() != "1":
        _fail("no_new_privs is not set")
    if fields.get("Seccomp", "").strip() != "2":
        _fail("the seccomp filter is not installed")


def confine(settings: dict[str, Any]) -> None:
    """Cap the scratch tmpfs, then drop every privilege (see the module docstring)."""
    try:
        mounts = os.readlink("/proc/self/ns/mnt")
    except OSError as exc:
        _fail(f"cannot read its mount namespace: {exc}")
    if mounts == settings["host_mounts"]:
        _fail("it is not in a sandbox: it shares the server's mount namespace")
    libc = ctypes.CDLL(None, use_errno=True)
    _cap_scratch(libc, settings["scratch"], settings["shm"], settings["bytes"], settings["files"])
    try:
        with open("/proc/self/oom_score_adj", "w") as adjust:
            adjust.write("1000")
    except OSError:  # only a preference; the limits hold without it
        pass
    if settings.get("drop_to"):
        _become(*settings["drop_to"])
    _clear_capabilities(libc)  # nobody keeps the inheritable set bwrap gave it
    _check_status()
