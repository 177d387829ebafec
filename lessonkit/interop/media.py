"""Files a bank's texts refer to (images, audio), carried into the lesson folder.

Each file gets a safe name of its own under ``media/`` beside the lesson (letters, digits,
``.``, ``_`` and ``-``; never a path from the bank), and identical content is stored once. A
reference that cannot be resolved, or points outside the bank's own folder or package, is not
followed: the text keeps the image's description and the report says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from .untrusted import MAX_FILE_BYTES, BankFileError, SafeZip, read_limited

__all__ = [
    "IMAGE_TYPES",
    "MEDIA_DIR",
    "MediaStore",
    "Resolver",
    "data_uri",
    "folder_resolver",
    "zip_resolver",
]

MEDIA_DIR = "media"
"""Folder beside the lesson file that carried files go into."""
IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg"})
"""Extensions shown as images; other carried files are linked."""
_KNOWN = IMAGE_TYPES | {"mp3", "ogg", "wav", "m4a", "mp4", "webm", "pdf", "txt", "csv"}

Resolver = Callable[[str], tuple[str, bytes] | None]
"""A reference as written in the bank -> (file name, bytes), or ``None`` if not found."""


class MediaStore:
    """Carried files by their lesson-relative path (``media/name.png``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        """The lesson's folder: a file already there under a name is never overwritten with
        other content (an earlier import's lesson still needs it)."""
        self.files: dict[str, bytes] = {}
        self._by_digest: dict[str, str] = {}

    def _taken(self, path: str, data: bytes) -> bool:
        if path in self.files:
            return True
        if self.folder is None:
            return False
        existing = self.folder / path
        try:
            return existing.exists() and existing.read_bytes() != data
        except OSError:
            return True

    def add(self, name: str, data: bytes) -> str:
        """Keep ``data`` under a safe version of ``name``; returns the lesson-relative path."""
        digest = hashlib.sha256(data).hexdigest()
        known = self._by_digest.get(digest)
        if known is not None:
            return known
        stem, _, ext = posixpath.basename(name.replace("\\", "/")).rpartition(".")
        ext = ext.lower() if stem and ext.lower() in _KNOWN else "bin"
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem or name).strip("-")[:60] or "file"
        path = f"{MEDIA_DIR}/{stem}.{ext}"
        if self._taken(path, data):
            path = f"{MEDIA_DIR}/{stem}-{digest[:12]}.{ext}"
        self.files[path] = data
        self._by_digest[digest] = path
        return path

    def write(self, folder: Path) -> list[Path]:
        """Write every file under ``folder`` (the lesson's folder); returns the paths written."""
        written = []
        for rel, data in self.files.items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(target)
        return written


def data_uri(ref: str) -> tuple[str, bytes] | None:
    """The bytes of a ``data:`` URI (base64 or percent-encoded), or ``None``."""
    match = re.match(r"data:([\w.+-]+/([\w.+-]+))?(;[^,]*)?,", ref, re.S)
    if not match:
        return None
    payload = ref[match.end() :]
    if len(payload) > MAX_FILE_BYTES * 4 // 3:
        return None
    subtype = (match.group(2) or "bin").split("+")[0]
    try:
        if match.group(3) and "base64" in match.group(3):
            data = base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None
    return f"inline.{subtype}", data


def _local_ref(ref: str) -> str | None:
    """A relative reference as a normalised path, or ``None`` (a URL, absolute, climbing)."""
    ref = urllib.parse.unquote(ref.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    if not ref or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ref) or ref.startswith("/"):
        return None
    norm = posixpath.normpath(ref)
    return None if norm == ".." or norm.startswith("../") else norm


def folder_resolver(folder: Path) -> Resolver:
    """Resolve references relative to a bank file's folder, never outside it."""
    root = folder.resolve()

    def resolve(ref: str) -> tuple[str, bytes] | None:
        inline = data_uri(ref)
        if inline is not None:
            return inline
        rel = _local_ref(ref)
        if rel is None:
            return None
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        try:
            return path.name, read_limited(path)
        except BankFileError:
            return None

    return resolve


def zip_resolver(package: SafeZip, base: str, aliases: dict[str, str] | None = None) -> Resolver:
    """Resolve references inside a package, relative to the entry at ``base``.

    ``aliases`` maps prefixes such as Canvas's ``$IMS-CC-FILEBASE$`` to folders of the package.
    """

    def resolve(ref: str) -> tuple[str, bytes] | None:
        inline = data_uri(ref)
        if inline is not None:
            return inline
        ref = urllib.parse.unquote(ref)
        for prefix, folder in (aliases or {}).items():
            if ref.startswith(prefix):
                ref = folder + ref[len(prefix) :]
                rel = _local_ref(ref.lstrip("/"))
                break
        else:
            rel = _local_ref(ref)
            if rel is not None:
                rel = posixpath.normpath(posixpath.join(posixpath.dirname(base), rel))
        if rel is None or rel.startswith("../") or not package.has(rel):
            return None
        try:
            return posixpath.basename(rel), package.read(rel)
        except BankFileError:
            return None

    return resolve
