"""Private files and folders for evidence and secrets, opened without following planted links.

Evidence often lives where other people can write nearby (a shared disk, a course folder), under
predictable names (``<root>/<lesson>/<learner-key>/…``). Opening such paths naively lets anyone
who can create a name there redirect a learner's writes — a symbolic link to their own folder
reads the evidence, a link to another file makes the learner append to it. So, below a folder
the caller chose (a store's root, the user data folder):

- every folder is opened relative to its parent's descriptor with ``O_NOFOLLOW`` (a symbolic
  link is refused, dangling or not), must be a real folder and must belong to the current
  (effective) user; lessonkit creates folders ``0700`` and files ``0600`` whatever the umask,
  and tightens the modes of existing ones it writes to (it owns them, or refuses them);
- files are opened with ``O_NOFOLLOW`` and ``O_NONBLOCK`` (a planted FIFO cannot hang the
  open), must be regular files and belong to the current user.

The chosen folder itself may be reached through a symbolic link (it is the user's choice), but
it too must belong to the current user before anything is written in it. Readers (exports,
graders reading collected evidence) may read files that belong to others, but never follow a
link inside a store.

Every refusal is a :class:`~lessonkit.errors.StorageError` that names the path and says why.
On systems without ``O_NOFOLLOW``/``dir_fd`` support (Windows) plain paths are used.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from ..errors import StorageError

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "check_owner",
    "current_uid",
    "is_link",
    "open_private_file",
    "open_root",
    "open_subdir",
    "private_text",
    "read_no_follow",
]

PRIVATE_FILE = 0o600
"""Mode of every file lessonkit writes evidence or secrets to."""
PRIVATE_DIR = 0o700
"""Mode of every folder lessonkit creates for evidence or secrets."""

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
SECURE = bool(_NOFOLLOW and _DIRECTORY) and os.open in os.supports_dir_fd
"""Whether descriptor-relative, link-refusing opens are available (POSIX)."""


def current_uid() -> int | None:
    """The user evidence must belong to: the effective uid (``None`` where uids do not exist)."""
    return os.geteuid() if hasattr(os, "geteuid") else None


def check_owner(fd: int, path: Path | str, what: str) -> os.stat_result:
    """``fstat(fd)``, refusing a ``what`` (``"folder"``, ``"file"``) owned by another user."""
    info = os.fstat(fd)
    uid = current_uid()
    if uid is not None and info.st_uid != uid:
        raise StorageError(
            f"{path}: this {what} belongs to another user (uid {info.st_uid}; you are uid "
            f"{uid}). lessonkit keeps evidence only in folders and files you own, so that "
            "nobody else can read or redirect it: remove it, or choose another store folder"
        )
    return info


def _refusal(exc: OSError, path: Path | str, what: str) -> StorageError:
    if exc.errno == errno.ELOOP or (exc.errno == errno.ENOTDIR and is_link(path)):
        return StorageError(
            f"{path} is a symbolic link; lessonkit does not follow links inside an evidence "
            "store or its data folder (a planted link could redirect the evidence). Remove it"
        )
    if exc.errno == errno.ENOTDIR:
        return StorageError(f"{path} is not a folder")
    return StorageError(f"cannot open the {what} {path}: {exc.strerror or exc}")


def is_link(path: Path | str) -> bool:
    """Whether ``path`` is a symbolic link (dangling or not)."""
    return os.path.islink(path)


def _tighten(fd: int, info: os.stat_result, mode: int) -> None:
    if stat.S_IMODE(info.st_mode) != mode and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def open_root(path: Path, *, create: bool) -> tuple[int, bool]:
    """Open the folder ``path`` (creating it ``0700`` if missing and ``create``) and check that
    it belongs to the current user; returns ``(descriptor, created)``.

    The path may run through symbolic links (the folder is the caller's choice); a folder that
    existed keeps its mode.
    """
    created = False
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(path, PRIVATE_DIR)
                created = True
            except FileExistsError:
                pass
        fd = os.open(path, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        if is_link(path) and not path.exists():
            raise StorageError(f"{path} is a symbolic link to nothing; remove it") from exc
        raise _refusal(exc, path, "folder") from exc
    try:
        info = check_owner(fd, path, "folder")
        if not stat.S_ISDIR(info.st_mode):
            raise StorageError(f"{path} is not a folder")
        if created:
            _tighten(fd, info, PRIVATE_DIR)  # the umask may have taken bits away (or not)
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def open_subdir(parent: int, name: str, where: Path, *, create: bool) -> tuple[int, bool]:
    """Open (or create, ``0700``) the folder ``name`` inside the open folder ``parent``,
    refusing links and folders of other users; returns ``(descriptor, created)``.

    ``where`` is the folder's full path, for messages. An existing folder's mode is tightened
    to ``0700``.
    """
    if not SECURE:  # pragma: no cover - Windows
        if create:
            where.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        return os.open(where, os.O_RDONLY), False
    created = False
    try:
        if create:
            try:
                os.mkdir(name, PRIVATE_DIR, dir_fd=parent)
                created = True
            except FileExistsError:
                pass
        fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except OSError as exc:
        raise _refusal(exc, where, "folder") from exc
    try:
        info = check_owner(fd, where, "folder")
        _tighten(fd, info, PRIVATE_DIR)
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def open_private_file(parent: int, name: str, where: Path, flags: int) -> tuple[int, bool]:
    """Open (or create, ``0600``) the regular file ``name`` in the open folder ``parent`` with
    ``flags`` (``O_RDWR | O_APPEND``...), refusing links, FIFOs and files of other users;
    returns ``(descriptor, created)``. An existing file's mode is tightened to ``0600``."""
    flags |= _NOFOLLOW | _NONBLOCK | _CLOEXEC
    dir_fd = parent if SECURE else None
    target: str | Path = name if SECURE else where
    created = False
    try:
        try:
            fd = os.open(target, flags | os.O_CREAT | os.O_EXCL, PRIVATE_FILE, dir_fd=dir_fd)
            created = True
        except FileExistsError:
            fd = os.open(target, flags, dir_fd=dir_fd)
    except OSError as exc:
        raise _refusal(exc, where, "file") from exc
    try:
        info = check_owner(fd, where, "file")
        if not stat.S_ISREG(info.st_mode):
            raise StorageError(f"{where} is not a regular file")
        _tighten(fd, info, PRIVATE_FILE)
        if _NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def read_no_follow(path: Path) -> bytes:
    """The bytes of the regular file ``path``, refusing a symbolic link (or FIFO, or folder)
    at that name. The file may belong to anyone (readers read collected evidence).

    Raises
    ------
    OSError
        ``ELOOP`` for a link, ``EINVAL`` for something that is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as handle:
        return handle.read()


def private_text(folder: Path, name: str, fresh: str, valid: Callable[[str], bool]) -> str:
    """The text kept in the private file ``folder/name``, created atomically on first use.

    If the file is missing (or its text is not ``valid``) it is written with ``fresh``: into a
    temporary ``0600`` file first, then linked into place, so concurrent processes agree on one
    text and nobody ever reads a half-written file. ``folder`` is created ``0700`` if missing
    and must belong to the current user; links at ``name`` are refused.

    Raises
    ------
    StorageError
        A link, a file or folder of another user, or an I/O error.
    """
    if not SECURE:  # pragma: no cover - Windows: plain paths
        return _private_text_plain(folder, name, fresh, valid)
    folder_fd, _ = open_root(folder, create=True)
    try:
        existing = _read_private(folder_fd, folder / name, name)
        if existing is not None and valid(existing):
            return existing
        tmp = f".{name}.{os.getpid()}.{secrets.token_hex(8)}"
        fd, _ = open_private_file(folder_fd, tmp, folder / tmp, os.O_WRONLY)
        try:
            with open(fd, "w", encoding="utf-8") as handle:
                handle.write(fresh + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            _install(folder_fd, tmp, name, replace=existing is not None)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=folder_fd if SECURE else None)
        found = _read_private(folder_fd, folder / name, name)
        return found if found is not None and valid(found) else fresh
    except OSError as exc:
        if isinstance(exc, StorageError):
            raise
        raise StorageError(f"cannot keep {folder / name}: {exc}") from exc
    finally:
        os.close(folder_fd)


def _private_text_plain(  # pragma: no cover - Windows
    folder: Path, name: str, fresh: str, valid: Callable[[str], bool]
) -> str:
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path.exists():
            existing = path.read_text(encoding="utf-8").strip()
            if valid(existing):
                return existing
        tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(8)}"
        tmp.write_text(fresh + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise StorageError(f"cannot keep {path}: {exc}") from exc


def _install(folder_fd: int, tmp: str, name: str, *, replace: bool) -> None:
    dir_fd = folder_fd if SECURE else None
    if replace:  # a damaged file: overwrite it
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    try:
        # link() fails if another process won the race: then its text is the one to use.
        os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        pass
    except OSError:  # file systems without hard links
        try:
            os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def _read_private(folder_fd: int, where: Path, name: str) -> str | None:
    """The text of the private file ``name`` in ``folder_fd``, or ``None`` if missing."""
    flags = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC
    try:
        fd = os.open(name if SECURE else where, flags, dir_fd=folder_fd if SECURE else None)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refusal(exc, where, "file") from exc
    try:
        info = check_owner(fd, where, "file")
        if not stat.S_ISREG(info.st_mode):
            raise StorageError(f"{where} is not a regular file")
        _tighten(fd, info, PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as handle:
        return handle.read().decode("utf-8", errors="replace").strip()
