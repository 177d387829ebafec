"""The seccomp filter bubblewrap installs in the sandbox: system calls learner code is refused.

``RLIMIT_AS`` bounds the memory a process maps, not memory the kernel keeps for it elsewhere.
Each rule below closes one way to hold host memory outside the address space (or to get out
of the other limits), measured by ``tests/security/test_sandbox_memory.py``:

- SysV IPC: shared memory segments outlive every mapping, message queues and semaphore sets
  live in the kernel; none is needed by Python or its libraries.
- ``memfd_create``: each memfd is a shmem file of up to ``RLIMIT_FSIZE`` per descriptor.
- POSIX message queues, key rings, io_uring rings, POSIX timers, inotify watches, landlock
  rule sets, BPF maps, perf buffers, userfaultfd: kernel objects with no or only per-user
  limits (a POSIX timer is 400 bytes; a process makes 40,000 a second).
- New user namespaces: inside one, learner code could mount a tmpfs of its own, unlimited
  (and regain every other capability within it). ``clone3`` cannot be inspected by seccomp
  (its flags are in memory), so it reports ``ENOSYS``: the C library then falls back to
  ``clone``, whose flags are checked.
- Sockets other than ``AF_UNIX`` (the sandbox has no network; a loopback TCP connection can
  buffer tens of MiB), and raising a socket's or a pipe's buffer size: what stays allowed
  buffers at most the system default (``net.core.wmem_default``, 64 KiB for a pipe) per
  open file.

Built with libseccomp (through ``pyseccomp``, a ctypes binding of it) in the server, once; the
compiled program is handed to bubblewrap (``--seccomp FD``) for each run. libseccomp also
refuses other architectures' system call tables (32-bit ``int 0x80``, x32) by killing the
process. Arguments the kernel reads as ``int`` are compared on their low 32 bits only, as the
kernel does, so high bits set by the caller change nothing.
"""

from __future__ import annotations

import errno
import socket
import tempfile

__all__ = ["DENIED", "SeccompError", "compile_filter"]

DENIED = (
    *("shmget", "shmat", "shmdt", "shmctl"),
    *("msgget", "msgsnd", "msgrcv", "msgctl"),
    *("semget", "semop", "semtimedop", "semctl"),
    *("memfd_create", "memfd_secret"),
    *("mq_open", "add_key", "request_key", "keyctl"),
    *("io_uring_setup", "io_uring_enter", "io_uring_register"),
    *("timer_create", "inotify_init", "inotify_init1", "fanotify_init"),
    *("landlock_create_ruleset", "landlock_add_rule", "bpf", "perf_event_open"),
    *("userfaultfd", "unshare", "setns"),
)
"""System calls that fail with ``EPERM`` in the sandbox, whatever their arguments."""

_CLONE_NEWUSER = 0x10000000
_INT = 0xFFFFFFFF  # the kernel reads these arguments as 32-bit ints: compare only those bits
_F_SETPIPE_SZ = 1031
_SO_SNDBUFFORCE = 32
_SO_RCVBUFFORCE = 33
_BUFFER_OPTIONS = (socket.SO_SNDBUF, socket.SO_RCVBUF, _SO_SNDBUFFORCE, _SO_RCVBUFFORCE)


class SeccompError(RuntimeError):
    """The filter cannot be built here (no libseccomp, or it lacks a system call)."""


def compile_filter() -> bytes:
    """The BPF program (native architecture) that refuses what :data:`DENIED` and the
    module docstring list and allows everything else."""
    try:
        import pyseccomp as sc
    except (ImportError, RuntimeError, OSError, AttributeError) as exc:
        raise SeccompError(
            f"libseccomp cannot be loaded ({exc}; Debian/Ubuntu: apt-get install libseccomp2)"
        ) from exc
    deny = sc.ERRNO(errno.EPERM)
    try:
        rules = sc.SyscallFilter(sc.ALLOW)
        for name in DENIED:
            rules.add_rule(deny, name)
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
        flags = 1 if sc.system_arch() in (sc.Arch.S390, sc.Arch.S390X) else 0  # clone's order
        rules.add_rule(deny, "clone", sc.Arg(flags, sc.MASKED_EQ, _CLONE_NEWUSER, _CLONE_NEWUSER))
        for call in ("socket", "socketpair"):
            rules.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.NE, socket.AF_UNIX))
        for option in _BUFFER_OPTIONS:
            level = sc.Arg(1, sc.MASKED_EQ, _INT, socket.SOL_SOCKET)
            rules.add_rule(deny, "setsockopt", level, sc.Arg(2, sc.MASKED_EQ, _INT, option))
        rules.add_rule(deny, "fcntl", sc.Arg(1, sc.MASKED_EQ, _INT, _F_SETPIPE_SZ))
        with tempfile.TemporaryFile() as program:
            rules.export_bpf(program)
            program.seek(0)
            return program.read()
    except (OSError, ValueError, RuntimeError) as exc:
        raise SeccompError(f"libseccomp cannot build the sandbox's filter ({exc})") from exc
