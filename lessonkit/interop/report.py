"""The import and export reports: one line per item worth a look, a summary per file.

Human form (default)::

    bank.xml:41: approximated: shortanswer 'Animal' as animal: partial credit 50% for 'Cat' ...
    bank.xml:77: skipped: calculated 'Area': lessonkit has no equivalent: ...
    bank.xml: 12 imported, 1 approximated, 1 skipped

``imported`` lines are shown with ``verbose``; the JSON form always has every finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .bank import STATUSES, Finding, Status

__all__ = ["report_data", "report_lines"]


def _files(findings: Iterable[Finding]) -> list[str]:
    return list(dict.fromkeys(f.where.file for f in findings))


def report_lines(
    findings: list[Finding],
    *,
    verbose: bool = False,
    written: Iterable[Path] = (),
    statuses: tuple[Status, ...] = STATUSES,
) -> list[str]:
    """The human report (``statuses`` counted per file, the first one listed if verbose)."""
    lines: list[str] = []
    for file in _files(findings):
        mine = [f for f in findings if f.where.file == file]
        lines.extend(str(f) for f in mine if verbose or f.status != statuses[0])
        counts = ", ".join(f"{sum(f.status == s for f in mine)} {s}" for s in statuses)
        lines.append(f"{file}: {counts}")
    lines.extend(f"wrote {path}" for path in written)
    return lines


def report_data(
    findings: list[Finding],
    *,
    written: Iterable[Path] = (),
    problems: Iterable[str] = (),
    statuses: tuple[Status, ...] = STATUSES,
) -> dict[str, Any]:
    """The JSON report: findings, per-file counts, the files written and any problems."""
    files = {
        file: {s: sum(f.status == s and f.where.file == file for f in findings) for s in statuses}
        for file in _files(findings)
    }
    return {
        "findings": [
            {
                "where": str(f.where),
                "file": f.where.file,
                "line": f.where.line,
                "item": f.where.item,
                "status": f.status,
                "message": f.message,
                "step": f.step,
            }
            for f in findings
        ],
        "files": files,
        "written": [str(p) for p in written],
        "problems": list(problems),
    }
