"""Reading bank files that nobody vouches for: size limits, XML without entities, bounded zips.

A question bank comes from an LMS export, a colleague or a download. Before any of it is
parsed:

- files larger than :data:`MAX_FILE_BYTES` are refused;
- XML is parsed with ``defusedxml``: entity declarations (billion laughs, XXE) and external
  references are refused, never expanded or fetched;
- a zip is read entry by entry into memory, never extracted by its own names: an entry whose
  name is absolute or climbs out (``../``) refuses the whole package (zip slip), and both the
  declared and the actually decompressed sizes are bounded (:data:`MAX_ZIP_ENTRY_BYTES`,
  :data:`MAX_ZIP_TOTAL_BYTES`, :data:`MAX_ZIP_ENTRIES`), so a zip bomb stops at the limit.

Every refusal is a :class:`BankFileError` whose message says what was refused and why.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from ..errors import LessonkitError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_ENTRY_BYTES",
    "MAX_ZIP_TOTAL_BYTES",
    "BankFileError",
    "SafeZip",
    "XmlDocument",
    "parse_xml",
    "read_limited",
]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest bank file read (64 MiB: a Moodle export with its images inlined as base64)."""
MAX_ZIP_ENTRIES = 20_000
"""Most entries a package may list."""
MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024
"""Largest decompressed entry of a package."""
MAX_ZIP_TOTAL_BYTES = 256 * 1024 * 1024
"""Most bytes read out of one package in all."""


class BankFileError(LessonkitError, ValueError):
    """A bank file was refused (too large, hostile XML, unsafe zip) or could not be read."""


def read_limited(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refused when larger than ``limit``."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise BankFileError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise BankFileError(f"file is larger than {limit // (1024 * 1024)} MiB; refused")
    return data


@dataclass
class XmlDocument:
    """A parsed XML document and the line each element started on."""

    root: Element
    lines: dict[int, int] = field(default_factory=dict)

    def line(self, element: Element) -> int | None:
        """1-based line of ``element``'s start tag."""
        return self.lines.get(id(element))


class _LineBuilder(TreeBuilder):
    """A tree builder that notes where each element starts (expat knows; ElementTree forgets)."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.lines: dict[int, int] = {}
        self.keep: list[Element] = []  # ids stay unique only while the elements live

    def start(self, tag: Any, attrs: Any) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
            self.keep.append(element)
        return element


def parse_xml(data: bytes) -> XmlDocument:
    """Parse untrusted XML: no entity declarations, no external references, lines kept."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        raise BankFileError(
            f"XML refused: {type(exc).__name__} ({exc}); entity declarations and external "
            "references are never expanded"
        ) from exc
    except ParseError as exc:
        raise BankFileError(f"not well-formed XML: {exc}") from exc
    return XmlDocument(root=root, lines=builder.lines)


def _safe_name(name: str) -> str | None:
    """The normalised entry name, or ``None`` when it is absolute or climbs out."""
    if "\x00" in name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return None
    norm = posixpath.normpath(name.replace("\\", "/"))
    if norm == ".." or norm.startswith("../"):
        return None
    return norm


class SafeZip:
    """A zip package read into memory entry by entry, within the limits above."""

    def __init__(self, data: bytes) -> None:
        import io

        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise BankFileError(f"not a readable zip package: {exc}") from exc
        if len(infos) > MAX_ZIP_ENTRIES:
            raise BankFileError(
                f"the package lists {len(infos)} entries (at most {MAX_ZIP_ENTRIES})"
            )
        self._infos: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            name = _safe_name(info.filename)
            if name is None:
                raise BankFileError(
                    f"the package holds an entry named {info.filename!r}, which points outside "
                    "the package (zip slip); refused"
                )
            if info.file_size > MAX_ZIP_ENTRY_BYTES:
                raise BankFileError(
                    f"entry {info.filename!r} declares {info.file_size} bytes "
                    f"(at most {MAX_ZIP_ENTRY_BYTES}); refused"
                )
            declared += info.file_size
            if not info.is_dir():
                self._infos[name] = info
        if declared > MAX_ZIP_TOTAL_BYTES:
            raise BankFileError(f"the package declares {declared} bytes in all; refused")
        self._read_total = 0

    def names(self) -> list[str]:
        """Entry names (normalised), files only, in the package's order."""
        return list(self._infos)

    def has(self, name: str) -> bool:
        """Whether the package holds a file of that (normalised) name."""
        return posixpath.normpath(name) in self._infos

    def read(self, name: str) -> bytes:
        """An entry's bytes, counted as they decompress (declared sizes can lie)."""
        info = self._infos.get(posixpath.normpath(name))
        if info is None:
            raise BankFileError(f"the package has no entry {name!r}")
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as fh:
                while chunk := fh.read(1 << 16):
                    size += len(chunk)
                    self._read_total += len(chunk)
                    if size > MAX_ZIP_ENTRY_BYTES or self._read_total > MAX_ZIP_TOTAL_BYTES:
                        raise BankFileError(
                            f"entry {name!r} decompresses past the size limit (zip bomb?); refused"
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
            raise BankFileError(f"entry {name!r} cannot be read: {exc}") from exc
        return b"".join(chunks)
