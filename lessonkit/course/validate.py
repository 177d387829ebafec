"""Semantic checks of a course beyond its schema: ids, the prerequisite graph, lessons, milestones.

The checks read the raw file data tolerantly (a file with schema errors still gets its graph
problems reported in the same run) and the lessons its entries name, already loaded. Each
problem is a :class:`~lessonkit.lesson.validate.Finding` located by document path; the loader
turns it into ``FILE:LINE:COL: message``.

Reported: duplicate ids; unknown competencies in ``requires``, ``develops`` and milestones (with a
"did you mean"); prerequisite cycles (with the cycle spelled out); a lesson file whose id is not
the entry's; a lesson that develops a competency its file does not declare, or gives evidence for
a course competency it neither develops nor needs first (:func:`~.model.lesson_needs`, the rule
the learning plan locks lessons by); competencies no lesson develops; two lessons
with different BKT parameters for one competency; more than one placement lesson; dates that do
not exist.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from ..lesson.graph import strongly_connected
from ..lesson.model import Lesson
from ..lesson.validate import Finding
from .model import lesson_needs

__all__ = ["course_findings"]

Path = tuple[str | int, ...]


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _entries(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, Mapping)]


def _ids(value: Any) -> list[tuple[int, str]]:
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]


def course_findings(
    data: Mapping[str, Any],
    lessons: Mapping[int, Lesson | None],
    broken: Collection[Path] = (),
) -> list[Finding]:
    """Every semantic problem of course ``data``; ``lessons`` maps an entry's index in
    ``data["lessons"]`` to its loaded lesson (``None`` when it could not be loaded).

    ``broken`` are the paths the schema found problems at. What could follow from them (a
    competency nothing develops because a lesson's ``develop:`` is mistyped) is left out: the
    cause is reported, its consequences are not.
    """
    found: list[Finding] = []
    competencies = _competency_ids(data, found)
    _graph(data, competencies, found)
    entries = {p[1] for p in broken if len(p) > 1 and p[0] == "lessons"}
    graph_broken = any(p[:1] == ("competencies",) for p in broken)
    _lessons(data, competencies, lessons, found, broken=(entries, graph_broken))
    _milestones(data, competencies, found)
    return found


def _competency_ids(data: Mapping[str, Any], found: list[Finding]) -> dict[str, Path]:
    known: dict[str, Path] = {}
    for i, comp in _entries(data, "competencies"):
        cid = comp.get("id")
        if not isinstance(cid, str):
            continue
        if cid in known:
            found.append(Finding(("competencies", i, "id"), f"duplicate competency id {cid!r}"))
        else:
            known[cid] = ("competencies", i)
    return known


def _unknown(cid: str, known: Iterable[str], path: Path) -> Finding:
    return Finding(path, f"unknown competency {cid!r}{_suggest(cid, known)}")


def _graph(data: Mapping[str, Any], known: Mapping[str, Path], found: list[Finding]) -> None:
    edges: dict[str, list[str]] = {cid: [] for cid in known}
    for i, comp in _entries(data, "competencies"):
        cid = comp.get("id")
        for j, before in _ids(comp.get("requires")):
            path: Path = ("competencies", i, "requires", j)
            if before not in known:
                found.append(_unknown(before, known, path))
            elif before == cid:
                found.append(Finding(path, f"competency {cid!r} cannot require itself"))
            elif isinstance(cid, str) and known.get(cid) == ("competencies", i):
                edges[cid].append(before)
    order = list(known)
    for component in strongly_connected(edges):
        if len(component) < 2:
            continue
        first = min(component, key=order.index)
        cycle = _cycle(first, edges, set(component))
        text = " → ".join([*cycle, cycle[0]])
        found.append(
            Finding(
                (*known[first], "requires"),
                f"prerequisite cycle: {text} (each requires the next); remove one requirement",
            )
        )


def _cycle(start: str, edges: Mapping[str, list[str]], members: set[str]) -> list[str]:
    """The shortest path from ``start`` back to itself inside one strongly connected set."""
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in edges[node]:
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return path[::-1]
            if nxt not in parents:
                parents[nxt] = node
                queue.append(nxt)
    return [start]  # pragma: no cover - a strongly connected set always has a cycle


def _lessons(
    data: Mapping[str, Any],
    known: Mapping[str, Path],
    lessons: Mapping[int, Lesson | None],
    found: list[Finding],
    *,
    broken: tuple[set[Any], bool] = (set(), False),
) -> None:
    seen: set[str] = set()
    placements: list[int] = []
    declared: dict[str, tuple[str, Any]] = {}  # competency -> (lesson id, mastery params)
    developed: set[str] = set()
    graph = _prerequisites(data, known)
    all_loaded = True
    for i, entry in _entries(data, "lessons"):
        lid = entry.get("id")
        where: Path = ("lessons", i)
        if isinstance(lid, str):
            if lid in seen:
                found.append(Finding((*where, "id"), f"duplicate lesson id {lid!r}"))
            seen.add(lid)
        kind = entry.get("kind", "lesson")
        if entry.get("optional") and kind != "placement":
            found.append(
                Finding(
                    (*where, "optional"),
                    "only a placement lesson can be optional (remove 'optional')",
                )
            )
        if kind == "placement":
            placements.append(i)
            if entry.get("develops"):
                found.append(
                    Finding(
                        (*where, "develops"),
                        "a placement lesson assesses competencies; it develops none "
                        "(remove 'develops')",
                    )
                )
        typo = False
        for key in ("develops", "requires"):
            for j, cid in _ids(entry.get(key)):
                if cid not in known:
                    found.append(_unknown(cid, known, (*where, key, j)))
                    typo = True
                elif key == "develops":
                    developed.add(cid)
        lesson = lessons.get(i)
        typo = typo or i in broken[0]
        if lesson is None or typo:
            # Its own problems are reported; what follows from them would only be noise.
            all_loaded = False
            if lesson is None:
                continue
        else:
            _lesson_matches(entry, lesson, where, known, graph=graph, found=found)
        for comp in lesson.competencies:
            if comp.id not in known:
                continue
            if comp.id in declared and declared[comp.id][1] != comp.mastery:
                other, params = declared[comp.id]
                found.append(
                    Finding(
                        (*where, "file"),
                        f"competency {comp.id!r}: lesson {lesson.id!r} gives BKT parameters "
                        f"{_params(comp.mastery)} but lesson {other!r} gives {_params(params)}; "
                        "a course needs one set per competency",
                    )
                )
            declared.setdefault(comp.id, (lesson.id, comp.mastery))
    for extra in placements[1:]:
        found.append(
            Finding(("lessons", extra, "kind"), "a course has at most one placement lesson")
        )
    if all_loaded:
        for cid, path in known.items():
            if cid not in declared:
                found.append(
                    Finding(
                        (*path, "id"),
                        f"competency {cid!r} is declared by no lesson of the course; "
                        "add it to a lesson's competencies",
                        consequence=True,
                    )
                )
            elif cid not in developed:
                found.append(
                    Finding(
                        (*path, "id"),
                        f"no lesson develops competency {cid!r}; list it in a lesson's develops",
                        consequence=True,
                    )
                )
    if broken[1]:  # a mistyped prerequisite can make a lesson's evidence look unlisted
        found[:] = [f for f in found if not f.consequence]


def _prerequisites(data: Mapping[str, Any], known: Mapping[str, Path]) -> dict[str, list[str]]:
    """Competency -> its direct prerequisites (known ids only), as the file gives them."""
    graph: dict[str, list[str]] = {}
    for _, comp in _entries(data, "competencies"):
        cid = comp.get("id")
        if isinstance(cid, str) and cid in known:
            graph.setdefault(cid, []).extend(r for _, r in _ids(comp.get("requires")) if r in known)
    return graph


def _params(params: Any) -> str:
    fields = ("prior", "learn", "guess", "slip", "forget", "threshold")
    return "{" + ", ".join(f"{f}: {getattr(params, f):g}" for f in fields) + "}"


def _lesson_matches(
    entry: Mapping[str, Any],
    lesson: Lesson,
    where: Path,
    known: Mapping[str, Path],
    *,
    graph: Mapping[str, list[str]],
    found: list[Finding],
) -> None:
    lid = entry.get("id")
    if isinstance(lid, str) and lesson.id != lid:
        found.append(
            Finding(
                (*where, "id"),
                f"the lesson file {entry.get('file')!r} has id {lesson.id!r}, not {lid!r}",
            )
        )
    own = {c.id for c in lesson.competencies}
    develops = [cid for _, cid in _ids(entry.get("develops"))]
    requires = [cid for _, cid in _ids(entry.get("requires"))]
    for j, cid in _ids(entry.get("develops")):
        if cid in known and cid not in own:
            found.append(
                Finding(
                    (*where, "develops", j),
                    f"lesson {lesson.id!r} develops {cid!r}, but its file declares no such "
                    "competency",
                )
            )
    placement = entry.get("kind") == "placement"
    # The plan's rule (lesson_needs): evidence for what the lesson develops or needs first.
    allowed = set(develops) | lesson_needs(develops, requires, graph)
    for comp in lesson.competencies:
        if comp.id in known and not placement and comp.id not in allowed:
            found.append(
                Finding(
                    (*where, "develops"),
                    f"lesson {lesson.id!r} gives evidence for course competency {comp.id!r}, "
                    "which it neither develops nor needs first (its requires, and the "
                    "prerequisites of what it develops); list it in develops or requires",
                    consequence=True,
                )
            )
        elif placement and comp.id not in known:
            found.append(
                Finding(
                    (*where, "file"),
                    f"placement lesson {lesson.id!r} assesses {comp.id!r}, which is not a "
                    f"course competency{_suggest(comp.id, known)}",
                )
            )


def _milestones(data: Mapping[str, Any], known: Mapping[str, Path], found: list[Finding]) -> None:
    seen: set[str] = set()
    for i, milestone in _entries(data, "milestones"):
        mid = milestone.get("id")
        if isinstance(mid, str):
            if mid in seen:
                found.append(Finding(("milestones", i, "id"), f"duplicate milestone id {mid!r}"))
            seen.add(mid)
        for j, cid in _ids(milestone.get("competencies")):
            if cid not in known:
                path: Path = ("milestones", i, "competencies", j)
                found.append(_unknown(cid, known, path))
        due = milestone.get("due")
        if isinstance(due, str) and len(due) == 10:
            try:
                date.fromisoformat(due)
            except ValueError:
                found.append(Finding(("milestones", i, "due"), f"{due!r} is not a real date"))
