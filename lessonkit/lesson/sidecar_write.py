"""Writing a translation file: a skeleton for a new language, or an old one brought up to date.

Every unit of the lesson (:mod:`.units`) gets an entry, in lesson order, with the source text
above it as a comment for the translator, its ``source`` fingerprint and its ``text``:

- a unit the old file translated from the same source text keeps its translation as it is;
- one whose source text changed since keeps its translation, gets the new fingerprint and
  ``stale: true`` (the translator reviews it, then deletes that line);
- a new unit gets an empty ``text`` (text with no words in it, such as code or ``$x^2$``, is
  copied: there is nothing to translate, but the translator may adapt it);
- an entry for text the lesson no longer has is dropped (git keeps it, if it was committed).

Comments the translator wrote are not kept: the comments of the file are the source texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .model import Lesson
from .sidecar import FORMAT_KEY
from .translated import Entry, Translation, fingerprint
from .units import Unit, units

__all__ = ["Written", "translation_text"]


@dataclass
class Written:
    """What :func:`translation_text` did."""

    text: str
    """The file's new content."""
    total: int = 0
    new: int = 0
    """Entries added (to translate)."""
    marked_stale: int = 0
    """Entries whose source changed since they were translated (now ``stale: true``)."""
    dropped: int = 0
    """Entries for text the lesson no longer has."""
    to_translate: int = 0
    """Entries left empty."""
    to_review: int = 0
    """Entries marked ``stale: true``."""


def translation_text(
    lesson: Lesson, language: str, old: Translation | None, lesson_file: str = ""
) -> Written:
    """The translation file of ``lesson`` into ``language``, keeping what ``old`` has."""
    tree: dict[Any, Any] = {}
    written = Written(text="")
    previous = dict(old.entries) if old else {}
    for unit in units(lesson):
        entry = _entry_for(unit, previous.pop(unit.key, None), written)
        node = tree
        for part in unit.key[:-1]:
            node = node.setdefault(part, {})
        node[unit.key[-1]] = (unit, entry)
    written.dropped = len(previous)
    written.total = len(units(lesson))
    header = [
        f"# The {language} translation of lesson {lesson.id}"
        + (f" ({lesson_file})." if lesson_file else "."),
        "# Each entry: the source text (as a comment), its fingerprint `source`, and `text`.",
        f"# `lessonkit translate update LESSON --lang {language}` adds new texts and marks",
        "# changed ones `stale: true`; `lessonkit validate` reports what is missing or stale.",
        f"{FORMAT_KEY}: 1",
        f"lesson: {_scalar(lesson.id)}",
        f"language: {_scalar(language)}",
    ]
    lines = header + _mapping(tree, 0)
    written.text = "\n".join(lines) + "\n"
    return written


def _entry_for(unit: Unit, old: Entry | None, written: Written) -> Entry:
    current = fingerprint(unit.text)
    if old is None:
        written.new += 1
        if unit.kind == "answers":
            return Entry(text=(), source=current)
        text = "" if not unit.optional else unit.text
        written.to_translate += not text
        return Entry(text=text, source=current)
    if old.empty:
        written.to_translate += not unit.optional
        return Entry(text=old.text, source=current)
    if old.source != current:
        written.marked_stale += 1
        written.to_review += 1
        return Entry(text=old.text, source=current, stale=True)
    written.to_review += old.stale
    return old


def _mapping(node: dict[Any, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in node.items():
        if isinstance(value, tuple):
            lines.append(f"{pad}{_scalar(str(key))}:")
            lines += _entry(value[0], value[1], indent + 2, dash=False)
        elif all(isinstance(k, int) for k in value):
            lines.append(f"{pad}{_scalar(str(key))}:")
            lines += _sequence(value, indent + 2)
        else:
            lines.append(f"{pad}{_scalar(str(key))}:")
            lines += _mapping(value, indent + 2)
    return lines


def _sequence(node: dict[int, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for index in range(max(node) + 1):
        value = node.get(index)
        if value is None:
            lines.append(f"{pad}- {{}}")  # keeps the positions of the items after it
        elif isinstance(value, tuple):
            lines += _entry(value[0], value[1], indent, dash=True)
        else:
            inner = _mapping(value, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
    return lines


def _entry(unit: Unit, entry: Entry, indent: int, *, dash: bool) -> list[str]:
    pad = " " * indent
    shown = "\n".join(unit.answers) if unit.kind == "answers" else unit.text
    lines = [f"{pad}# {line}".rstrip() for line in shown.rstrip("\n").split("\n")]
    body = [f"source: {_scalar(entry.source)}"]
    if entry.stale:
        body.append("stale: true")
    inner = " " * (indent + 2) if dash else pad
    if isinstance(entry.text, tuple):
        body.append("text: [" + ", ".join(map(_double_quoted, entry.text)) + "]")
    else:
        body.append("text: " + _scalar(entry.text, len(inner) + 2))
    lines.append((f"{pad}- " if dash else pad) + body[0])
    lines += [inner + line for line in body[1:]]
    return lines


def _scalar(text: str, indent: int = 0) -> str:
    """``text`` as a YAML value that reads back as exactly ``text``: plain, a literal block
    (multi-line, its lines indented by ``indent``), single- or double-quoted, whichever is the
    most readable that does."""
    if "\n" in text:
        chomp = "-" if not text.endswith("\n") else "+" if text.endswith("\n\n") else ""
        body = text[:-1] if text.endswith("\n") else text
        pad = " " * max(indent, 2)
        block = "\n".join(pad + line if line else "" for line in body.split("\n"))
        candidates = [f"|{chomp}\n{block}"]
    else:
        candidates = [text, "'" + text.replace("'", "''") + "'"]
    for candidate in candidates:
        if text and _reads_back(candidate, text):
            return candidate
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    """``text`` double-quoted, with escapes for what YAML does not allow as it is."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif (
            0x20 <= code <= 0x7E
            or 0xA0 <= code <= 0xD7FF
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
            or code >= 0x10000
        ):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def _reads_back(candidate: str, text: str) -> bool:
    try:
        return bool(yaml.safe_load(f"k: {candidate}\n") == {"k": text})
    except yaml.YAMLError:
        return False
