"""Lesson files (YAML or JSON) to :class:`~lessonkit.lesson.model.Lesson`, and back.

Loading runs four passes and reports every problem of a file at once, each as
``FILE:LINE:COL: message``: decoding, YAML syntax, the JSON Schema, and semantic checks
(references, reachability, ways out, checker specs). Only a file with no problems becomes a
lesson. Nothing a file contains — however broken — escapes as anything but
:class:`~lessonkit.errors.LessonDefinitionError`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import LessonDefinitionError, Problem
from .model import Lesson
from .schema import schema_problems
from .serialize import lesson_from_data, lesson_to_data
from .source import Located, decode_source, parse_yaml
from .validate import Finding, lint_outline, outline_from_data

__all__ = [
    "LESSON_SUFFIXES",
    "check_file",
    "check_source",
    "describe_path",
    "dumps_lesson",
    "load_lesson",
    "loads_lesson",
    "save_lesson",
]

LESSON_SUFFIXES = (".lesson.yaml", ".lesson.yml", ".lesson.json")
"""File names recognised as lessons when a folder is validated."""


def check_source(
    raw: bytes | str, source: str = "<string>", *, warnings: list[Problem] | None = None
) -> tuple[Lesson | None, list[Problem]]:
    """Load lesson text; returns the lesson (or ``None``) and every problem found, sorted.

    With a ``warnings`` list, a lesson that loads is also checked for what is probably not
    meant (rules that can never fire, :mod:`.rulecheck`); those go into the list, located
    like problems, and do not stop the lesson loading.
    """
    try:
        with _no_collection_pauses():
            return _check_source(raw, source, warnings)
    except RecursionError:
        return None, [Problem("the document is nested too deeply", source, 1, 1)]


@contextlib.contextmanager
def _no_collection_pauses() -> Iterator[None]:
    """Pause the cyclic garbage collector while a lesson is loaded, then restore it.

    Loading allocates hundreds of thousands of small objects (YAML nodes, dicts, positions) and
    frees almost none, so every automatic full collection rescans everything built so far:
    loading time grew with the square of the lesson's size (a 16,000-step lesson spent most of
    its 13 s in collections). Nothing built here forms reference cycles that need collecting
    during the load; the collector runs as usual afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_source(
    raw: bytes | str, source: str, warnings: list[Problem] | None
) -> tuple[Lesson | None, list[Problem]]:
    if isinstance(raw, str):
        text: str | None = raw
        problems: list[Problem] = []
    else:
        text, problems = decode_source(raw, source)
    if text is None:
        return None, problems
    located, problems = parse_yaml(text, source)
    if problems:
        return None, _sorted(problems)
    data = located.data
    if not isinstance(data, Mapping):
        msg = "a lesson file must be a mapping with 'lessonkit', 'id', 'title' and 'steps'"
        return None, [_at(located, (), msg, source)]
    if "lessonkit-course" in data and "lessonkit" not in data:
        msg = (
            "this is a course file (it has 'lessonkit-course:'), not a lesson: use it with "
            f"`lessonkit course validate|graph|plan {source}` (or `lessonkit validate`)"
        )
        return None, [_at(located, ("lessonkit-course",), msg, source, at_key=True)]
    if "lessonkit-translation" in data and "lessonkit" not in data:
        lesson_file = re.sub(r"\.[A-Za-z0-9-]+\.ya?ml$", ".lesson.yaml", source)
        msg = (
            "this is a translation file (it has 'lessonkit-translation:'), not a lesson: it is "
            f"checked with its lesson: `lessonkit validate {lesson_file}`"
        )
        return None, [_at(located, ("lessonkit-translation",), msg, source, at_key=True)]
    schema_paths = set()
    lost_way = False
    for path, message, at_key in schema_problems(data):
        schema_paths.add(path)
        lost_way = lost_way or _breaks_navigation(data, path, at_key)
        problems.append(_at(located, path, message, source, at_key=at_key))
    later: list[Problem] = []
    inside = {path[:n] for path in schema_paths for n in range(3, len(path) + 1)}
    for finding in lint_outline(outline_from_data(data)):
        if finding.path in inside:
            # the schema already said it in its words, or found what it follows from inside
            # (a check with a mistyped key, which then seems to lack the key)
            continue
        if not finding.consequence:
            problems.append(_finding_at(located, finding, source))
        elif not lost_way:  # else it may well follow from the broken 'next' reported
            later.append(_finding_at(located, finding, source))
    if problems or later:
        # causes first, in file order; then what may follow from them
        return None, _sorted(_dedupe(problems)) + _sorted(_dedupe(later))
    try:
        lesson = lesson_from_data(_normalise(data))
    except LessonDefinitionError as exc:
        return None, [Problem(p.message, source, 1, 1) for p in exc.problems]
    if warnings is not None:
        from .rulecheck import rule_warnings

        found = [_finding_at(located, f, source) for f in rule_warnings(lesson)]
        warnings.extend(replace(p, severity="warning") for p in _sorted(found))
    return lesson, []


_LABELS = {"steps": "step", "items": "item", "competencies": "competency"}


def _breaks_navigation(data: Mapping[str, Any], path: tuple[str | int, ...], at_key: bool) -> bool:
    """Whether a schema problem at ``path`` may hide a way between steps: then unreachable
    steps and dead ends are likely its consequences (a mistyped ``nxt:``, a broken ``next:``
    or option), and are left out until it is fixed."""
    if path[:1] == ("start",):
        return True
    if path[:1] != ("steps",) or len(path) < 3:
        return False
    if "next" in path[2:] or "options" in path[2:]:
        return True
    step = data["steps"][path[1]] if isinstance(path[1], int) else None
    return at_key and len(path) == 3 and isinstance(step, Mapping) and "next" not in step


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "version" in out:
        out["version"] = str(out["version"])
    return out


def describe_path(data: Any, path: tuple[str | int, ...], labels: Mapping[str, str]) -> str:
    """``step 'q1': check`` style prefix naming where in ``data`` the ``path`` points; items
    of the lists ``labels`` names are called by their label and id (``{"steps": "step"}``)."""
    parts: list[str] = []
    node: Any = data
    for i, key in enumerate(path):
        if isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
            parent = str(path[i - 1]) if i else ""
            if parent in labels and isinstance(node, Mapping):
                if parts and parts[-1] == parent:
                    parts.pop()
                ident = node.get("id")
                parts.append(
                    f"{labels[parent]} {ident!r}"
                    if isinstance(ident, str)
                    else f"{labels[parent]} #{key + 1}"
                )
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
            parts.append(str(key))
        else:
            break
    return ": ".join(parts)


def _context(located: Located, path: tuple[str | int, ...]) -> str:
    """``step 'q1': check`` style prefix naming where a problem is."""
    return describe_path(located.data, path, _LABELS)


def _at(
    located: Located,
    path: tuple[str | int, ...],
    message: str,
    source: str,
    *,
    at_key: bool = False,
    offset: int | None = None,
) -> Problem:
    line, column = located.position(path, key=at_key)
    if offset is not None:
        column += offset
    where = _context(located, path[:-1] if at_key else path)
    prefix = f"{where}: " if where else ""
    return Problem(prefix + message, source, line, column, path)


def _finding_at(located: Located, finding: Finding, source: str) -> Problem:
    offset = None
    if finding.offset is not None:
        # Inside a quoted scalar the text starts one column after the quote.
        offset = finding.offset + (1 if located.quote_style(finding.path) else 0)
    path = finding.path
    if path and path[-1] == "id":
        path = path[:-1]
        # Findings about a whole step name it themselves; point at its id.
        line, column = located.position(finding.path)
        return Problem(finding.message, source, line, column, finding.path)
    return _at(located, path, finding.message, source, offset=offset)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, int, str]] = set()
    unique = []
    for p in problems:
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


def check_file(
    path: str | os.PathLike[str], *, warnings: list[Problem] | None = None
) -> list[Problem]:
    """Every problem of the lesson file at ``path`` (empty when it is valid); warnings of a
    valid file go into ``warnings`` when a list is given (see :func:`check_source`)."""
    return _read(path, warnings)[1]


def _read(
    path: str | os.PathLike[str], warnings: list[Problem] | None = None
) -> tuple[Lesson | None, list[Problem]]:
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            raw = fh.read(_read_limit())
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror or exc}", source, 1, 1)]
    lesson, problems = check_source(raw, source, warnings=warnings)
    if lesson is None:
        return lesson, problems
    return _with_translations(lesson, source, raw, warnings)


def _with_translations(
    lesson: Lesson, source: str, raw: bytes, warnings: list[Problem] | None
) -> tuple[Lesson | None, list[Problem]]:
    """The lesson with the translation files beside it (``NAME.LANG.yaml``); their errors
    keep it from loading, their warnings (missing and stale translations) go to
    ``warnings``."""
    from .sidecar import check_translation, sidecar_paths

    found = sidecar_paths(source)
    if not found:
        return lesson, []
    located = Located()
    if warnings is not None:  # positions in the lesson file, for untranslated texts
        text, _ = decode_source(raw, source)
        located = parse_yaml(text or "", source)[0]
    translations = {}
    errors: list[Problem] = []
    for _, path in sorted(found.items()):
        checked = check_translation(path, lesson, located, source)
        errors += checked.errors
        if warnings is not None:
            warnings.extend(checked.warnings)
        if checked.translation is not None:
            translations[checked.translation.language] = checked.translation
    if errors:
        return None, errors
    return replace(lesson, translations=translations), []


def _read_limit() -> int:
    from .source import MAX_BYTES

    return MAX_BYTES + 1  # one byte more than allowed, so "too large" is detected cheaply


def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Load and validate a lesson file; raises :class:`LessonDefinitionError` with all problems."""
    lesson, problems = _read(path)
    if lesson is None:
        raise LessonDefinitionError(problems)
    return lesson


def loads_lesson(text: str | bytes, source: str = "<string>") -> Lesson:
    """Load a lesson from YAML/JSON text; raises :class:`LessonDefinitionError` on problems."""
    lesson, problems = check_source(text, source)
    if lesson is None:
        raise LessonDefinitionError(problems)
    return lesson


def dumps_lesson(lesson: Lesson) -> str:
    """The lesson as YAML text (Markdown kept in readable block scalars)."""
    import yaml

    return yaml.dump(
        lesson_to_data(lesson), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def save_lesson(lesson: Lesson, path: str | os.PathLike[str]) -> Path:
    """Write the lesson to ``path`` as YAML (atomically) and return the path."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(dumps_lesson(lesson), encoding="utf-8")
    os.replace(tmp, target)
    return target


def _make_dumper() -> Any:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    def str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value and not any(c in value for c in "\r\t") else None
        if style and value != value.rstrip(" "):
            style = None  # block scalars cannot keep trailing spaces exactly
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, str_presenter)
    return Dumper


_Dumper = _make_dumper()
