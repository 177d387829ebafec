"""Translation files beside a lesson (``loops.es.yaml`` for ``loops.lesson.yaml``): read, check.

A translation file (format in docs/translations.md) holds, by step id and field, the
translated text of each unit (:mod:`.units`) with the fingerprint of the source text it was
made from::

    lessonkit-translation: 1
    lesson: python-loops
    language: es
    steps:
      q-range:
        hints:
          - source: 5e1442c1
            text: Escribe los valores uno a uno, empezando por 2.

Checked against its lesson, a translation file may have:

- **errors** (the lesson does not load until they are fixed): a key that points at no text
  of the lesson (a step that was removed or renamed), an entry that is not ``{text, source}``,
  a ``{{placeholder}}`` the source text does not have, a ``lesson:`` or ``language:`` that does
  not fit the lesson or the file name;
- **warnings**: a unit with no translation (reported at the source text in the lesson file),
  an empty translation, and a *stale* one — the source text changed since it was translated
  (its fingerprint no longer matches), or it is marked ``stale: true`` for review. Stale
  translations are still shown; missing ones fall back to the source text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem
from .model import Lesson
from .source import MAX_BYTES, Located, decode_source, parse_yaml
from .translated import LANGUAGE_TAG, Entry, Key, Translation, fingerprint, same_language
from .units import Unit, units

__all__ = ["FORMAT_KEY", "Checked", "check_translation", "describe_key", "sidecar_paths"]

FORMAT_KEY = "lessonkit-translation"
"""The key (value 1) that marks a translation file."""
_LESSON_SUFFIX = re.compile(r"\.lesson\.(yaml|yml|json)$")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_ENTRY_KEYS = frozenset({"text", "source", "stale"})
_TOP = ("title", "description", "competencies", "steps")


def sidecar_paths(lesson_path: str | os.PathLike[str]) -> dict[str, Path]:
    """The translation files of the lesson at ``lesson_path``, by the language tag in their
    names: ``NAME.LANG.yaml`` (or ``.yml``) beside ``NAME.lesson.yaml``."""
    path = Path(lesson_path)
    stem = _LESSON_SUFFIX.sub("", path.name)
    if stem == path.name:
        return {}
    found: dict[str, Path] = {}
    try:
        names = sorted(os.listdir(path.parent or "."))
    except OSError:
        return {}
    for name in names:
        for suffix in (".yaml", ".yml"):
            middle = name[len(stem) + 1 : -len(suffix)]
            if (
                name.startswith(stem + ".")
                and name.endswith(suffix)
                and LANGUAGE_TAG.fullmatch(middle)
                and (path.parent / name).is_file()  # not a folder, a FIFO or a device
            ):
                found.setdefault(middle, path.parent / name)
    return found


def describe_key(key: Key) -> str:
    """``step 'q1': hints #2`` for a unit's key."""
    head: list[str] = []
    rest = list(key)
    if key[:1] in (("steps",), ("competencies",)) and len(key) > 1:
        head, rest = [f"{'step' if key[0] == 'steps' else 'competency'} {key[1]!r}"], rest[2:]
    parts: list[str] = []
    for part in rest:
        if isinstance(part, int) and parts:
            parts[-1] += f" #{part + 1}"
        else:
            parts.append(str(part))
    return ": ".join(head + parts)


@dataclass
class Checked:
    """A translation file read and checked against its lesson."""

    translation: Translation | None = None
    """What it translates (``None`` when the file could not be read at all)."""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dangling: int = 0
    """Entries for text the lesson does not have (left out of ``translation``)."""


def check_translation(
    path: str | os.PathLike[str], lesson: Lesson, lesson_source: Located, lesson_file: str
) -> Checked:
    """Read the translation file at ``path`` and check it against ``lesson`` (loaded from
    ``lesson_file``, whose located data places the warnings about missing translations)."""
    source = os.fspath(path)
    checked = Checked()
    try:
        with open(source, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # one byte more: "too large" is found cheaply
    except OSError as exc:
        checked.errors.append(Problem(f"cannot read file: {exc.strerror or exc}", source, 1, 1))
        return checked
    text, problems = decode_source(raw, source)
    located, more = parse_yaml(text, source) if text is not None else (Located(), [])
    checked.errors += problems + more
    if checked.errors:
        return checked
    reader = _Reader(located, source, lesson, Path(source).name)
    language = reader.header()
    if language is None:
        checked.errors = sorted(reader.errors, key=_order)
        return checked
    entries = reader.entries()
    checked.errors = reader.errors
    checked.warnings = reader.warnings
    checked.dangling = reader.dangling
    for unit in units(lesson):
        if unit.key not in reader.seen and not unit.optional:
            line, column = lesson_source.position(unit.path)
            message = (
                f"{describe_key(unit.key)}: not translated into {language} "
                f"({Path(source).name} has no entry for it)"
            )
            checked.warnings.append(
                Problem(message, lesson_file, line, column, unit.path, severity="warning")
            )
    checked.translation = Translation(language=language, entries=entries, path=source)
    checked.warnings.sort(key=_order)
    checked.errors.sort(key=_order)
    return checked


def _order(problem: Problem) -> tuple[str, int, int]:
    return (problem.source, problem.line, problem.column)


def _is_entry(node: Any) -> bool:
    """A ``{text, source}`` mapping (an option whose value is ``text`` holds a mapping)."""
    return (
        isinstance(node, Mapping)
        and "text" in node
        and set(node) <= _ENTRY_KEYS
        and not isinstance(node["text"], Mapping)
    )


class _Reader:
    """Walks a translation file's data, collecting entries, errors and warnings."""

    def __init__(self, located: Located, source: str, lesson: Lesson, name: str) -> None:
        self.located = located
        self.source = source
        self.lesson = lesson
        self.name = name
        self.expected = {unit.key: unit for unit in units(lesson)}
        self.step_ids = {str(key[1]) for key in self.expected if key[0] == "steps"}
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.seen: set[Key] = set()
        self.dangling = 0

    def problem(self, path: Key, message: str, *, warning: bool = False, key: bool = False) -> None:
        line, column = self.located.position(path, key=key)
        severity = "warning" if warning else "error"
        found = Problem(message, self.source, line, column, path, severity=severity)
        (self.warnings if warning else self.errors).append(found)

    def header(self) -> str | None:
        """The file's language, once its header is right; ``None`` (with errors) if not."""
        data = self.located.data
        if not isinstance(data, Mapping) or data.get(FORMAT_KEY) != 1:
            self.problem((), f"a translation file starts with '{FORMAT_KEY}: 1'")
            return None
        language = data.get("language")
        named = self.name.rsplit(".", 2)[-2] if self.name.count(".") >= 2 else ""
        if not isinstance(language, str) or not LANGUAGE_TAG.fullmatch(language):
            self.problem(("language",), "'language' must be a language tag such as es or pt-BR")
            return None
        if named and not same_language(named, language):
            message = f"'language' is {language!r} but the file name says {named!r}"
            self.problem(("language",), message)
        if same_language(language, self.lesson.language):
            self.problem(("language",), f"the lesson itself is in {language!r}")
        lesson_id = data.get("lesson")
        if lesson_id != self.lesson.id:
            msg = f"'lesson' must be the id of the lesson it translates, {self.lesson.id!r}"
            self.problem(("lesson",), msg)
        for name in data:
            if name not in (FORMAT_KEY, "language", "lesson", *_TOP):
                self.problem((name,), f"unknown key {name!r}", key=True)
        return None if self.errors else language

    def entries(self) -> dict[Key, Entry]:
        found: dict[Key, Entry] = {}
        data = self.located.data
        for name in _TOP:
            if name in data:
                for key, value in self._walk(data[name], (name,)):
                    entry = self._entry(key, value)
                    if entry is not None:
                        found[key] = entry
        return found

    def _walk(self, node: Any, key: Key) -> Iterator[tuple[Key, Any]]:
        if _is_entry(node):
            yield key, node
        elif isinstance(node, Mapping):
            for name, value in node.items():
                yield from self._walk(value, (*key, name))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from self._walk(value, (*key, index))
        elif key in self.expected:
            self.seen.add(key)
            self.problem(
                key,
                f"{describe_key(key)}: write a translation as text and source: "
                "{text: ..., source: FINGERPRINT} (`lessonkit translate update` writes them)",
            )
        elif any(k[: len(key)] == key for k in self.expected):
            self.problem(key, f"{describe_key(key)}: expected a mapping of translations")
        else:
            self._dangling(key)

    def _dangling(self, key: Key) -> None:
        self.dangling += 1
        if key[:1] == ("steps",) and len(key) > 1 and key[1] not in self.step_ids:
            if key[:2] in self.seen:
                return  # said once per step
            self.seen.add(key[:2])
            from .suggest import Suggester

            close = Suggester()(str(key[1]), self.step_ids)
            hint = f" (did you mean {close!r}?)" if close else ""
            message = f"unknown step {key[1]!r}{hint}: the lesson has no such step"
            self.problem(key[:2], message, key=True)
            return
        self.problem(
            key,
            f"{describe_key(key)}: the lesson has no such text to translate (removed or "
            "renamed? `lessonkit translate update` drops it)",
            key=not isinstance(key[-1], int),
        )

    def _entry(self, key: Key, value: Mapping[str, Any]) -> Entry | None:
        unit = self.expected.get(key)
        if unit is None:
            self._dangling(key)
            return None
        self.seen.add(key)
        text, source, stale = value.get("text"), value.get("source", ""), value.get("stale")
        where = describe_key(key)
        if unit.kind == "answers":
            if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
                self.problem((*key, "text"), f"{where}: give the accepted answers as a list")
                return None
            text = tuple(text)
        elif not isinstance(text, str):
            self.problem((*key, "text"), f"{where}: a translation is text")
            return None
        if not isinstance(source, str) or stale not in (None, True, False):
            msg = f"{where}: 'source' is the source text's fingerprint, 'stale' true or false"
            self.problem(key, msg)
            return None
        entry = Entry(text=text, source=source, stale=bool(stale))
        self._check(unit, entry, key)
        return entry

    def _check(self, unit: Unit, entry: Entry, key: Key) -> None:
        where = describe_key(key)
        if entry.empty:
            if not unit.optional:
                self.problem((*key, "text"), f"{where}: not translated yet", warning=True)
            return
        if key[-1] == "regex" and isinstance(entry.text, tuple):
            import regex

            for n, pattern in enumerate(entry.text):
                try:
                    regex.compile(pattern)
                except regex.error as exc:
                    message = f"{where}: invalid regular expression {pattern!r}: {exc}"
                    self.problem((*key, "text", n), message)
        shown = entry.text if isinstance(entry.text, str) else " ".join(entry.text)
        extra = set(_PLACEHOLDER.findall(shown)) - set(_PLACEHOLDER.findall(unit.text))
        if extra and unit.kind != "answers":
            names = ", ".join(f"{{{{{n}}}}}" for n in sorted(extra))
            self.problem((*key, "text"), f"{where}: {names} is not in the source text")
        if entry.source != fingerprint(unit.text):
            self.problem(
                key,
                f"{where}: stale translation: the source text changed since it was "
                "translated (`lessonkit translate update` marks it for review)",
                warning=True,
            )
        elif entry.stale:
            self.problem(
                (*key, "stale"),
                f"{where}: marked for review: check the translation against the source "
                "text, then delete 'stale: true'",
                warning=True,
                key=True,
            )
