"""``import_banks``: bank files in, lesson files (and their media) out, with a report.

Nothing is written outside the output lesson's folder: the lesson file(s) and ``media/``
beside them. Each written lesson is loaded back and validated before the import counts as
done; a file that is refused (too large, hostile XML, unsafe zip, unreadable) is reported
as skipped with the reason, and the other files are still imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LessonDefinitionError
from ..lesson.model import Lesson
from .bank import BankItem, Finding, Status, Where
from .build import LAYOUTS, build_lessons, slug
from .formats import FORMATS, detect, reader
from .htmltext import TextContext
from .media import MediaStore, folder_resolver
from .untrusted import BankFileError, read_limited

__all__ = ["MAX_ITEMS", "ImportResult", "import_banks", "lesson_name"]

MAX_ITEMS = 20_000
"""Most questions one import takes (a lesson file holds at most about 20,000 steps)."""


@dataclass
class ImportResult:
    """What an import did: a finding per item (and per refused file), the files written."""

    findings: list[Finding] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, status: Status, file: str | None = None) -> int:
        """How many findings have ``status`` (in ``file``, if given)."""
        return sum(
            1
            for f in self.findings
            if f.status == status and (file is None or f.where.file == file)
        )

    @property
    def complete(self) -> bool:
        """Nothing was skipped and the lessons validate."""
        return not self.problems and self.count("skipped") == 0


def lesson_name(out: Path, suffix: str) -> Path:
    """The file of one lesson of the import (``suffix`` names a category's lesson)."""
    if not suffix:
        return out
    name = out.name
    stem = name[: -len(".lesson.yaml")] if name.endswith(".lesson.yaml") else out.stem
    return out.with_name(f"{stem}-{suffix}.lesson.yaml")


def _read(path: Path, source: str, fmt: str | None, media: MediaStore) -> list[BankItem]:
    data = read_limited(path)
    kind = fmt or detect(path, data)
    if kind is None:
        raise BankFileError(f"cannot tell the format; give --format ({', '.join(FORMATS)})")
    ctx = TextContext(
        media=media, resolve=folder_resolver(path.parent), dollars_are_math=kind == "jupyterquiz"
    )
    return reader(kind)(data, source, ctx)


def import_banks(
    paths: list[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    layout: str = "steps",
    title: str = "",
    replace: bool = False,
) -> ImportResult:
    """Import ``paths`` into the lesson file ``out`` (see the module docstring).

    An existing lesson file is never replaced (it may hold the author's edits of an earlier
    import) unless ``replace``: :class:`FileExistsError` says so before anything is written.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
    result = ImportResult()
    media = MediaStore(Path(out).parent)
    items: list[BankItem] = []
    for path in paths:
        source = os.fspath(path)
        try:
            found = _read(Path(path), source, fmt, media)
        except BankFileError as exc:
            result.findings.append(Finding(Where(source), "skipped", f"file refused: {exc}"))
            continue
        if not found:
            why = "no questions found"
            if source.lower().endswith(".ipynb"):
                why = (
                    "no JupyterQuiz questions in hidden elements or shown JSON files "
                    "(questions built by a code cell are not read: a notebook's code never runs)"
                )
            result.findings.append(Finding(Where(source), "skipped", why))
        items.extend(found)
        if len(items) > MAX_ITEMS:
            raise BankFileError(f"more than {MAX_ITEMS} questions; import the bank in parts")
    target = Path(out)
    name = target.name.removesuffix(".yaml").removesuffix(".lesson")
    built = build_lessons(
        items,
        lesson_id=slug(name, "bank"),
        title=title or name.replace("-", " ").replace("_", " ").strip().capitalize() or "Bank",
        layout=layout,
    )
    result.findings.extend(built.findings)
    if not built.lessons:
        return result
    existing = [p for p in (lesson_name(target, s) for s in built.lessons) if p.exists()]
    if existing and not replace:
        raise FileExistsError(
            f"{existing[0]} exists (edits made to it would be lost); "
            "choose another -o or give --force to replace it"
        )
    _write(built.lessons, media, target, result)
    return result


def _write(
    lessons: dict[str, Lesson], media: MediaStore, target: Path, result: ImportResult
) -> None:
    from ..lesson.loader import check_file, save_lesson

    target.parent.mkdir(parents=True, exist_ok=True)
    result.written.extend(media.write(target.parent))
    for suffix, lesson in lessons.items():
        path = lesson_name(target, suffix)
        try:
            save_lesson(lesson, path)
        except LessonDefinitionError as exc:
            result.problems.append(f"{path}: cannot be saved: {exc}")
            continue
        result.written.append(path)
        result.problems.extend(str(p) for p in check_file(path))
