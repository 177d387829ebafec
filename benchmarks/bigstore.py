"""Large JSON-lines evidence stores for the read benchmarks, written quickly.

One template session is written through :class:`~lessonkit.evidence.stores.JsonlStore` itself
(so the files have exactly the store's format), then copied with a new learner, registration
and statement ids per copy: a million statements take seconds instead of the hour that a
million durable appends would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import JsonlStore


def tile_store(root: Path, template: Sequence[Mapping[str, Any]], copies: int) -> int:
    """Write ``copies`` sessions, each the ``template`` session (statements of one learner in
    one registration) under another learner and registration; the number of statements."""
    first = template[0]
    account = first["actor"]["account"]
    learner, home = account["name"], account["homePage"]
    registration = first["context"]["registration"]
    with JsonlStore(root / "_template", fsync=False) as store:
        store.append(template)
    (path,) = (root / "_template").rglob("*.jsonl")
    header, *lines = path.read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    pieces = [line.split(old, 1) for line, old in zip(lines, ids, strict=True)]
    lesson = json.loads(header)["lesson"]
    out = JsonlStore(root / "store", fsync=False)
    for k in range(copies):
        name, reg = f"{learner}-copy{k}", str(uuid.uuid5(uuid.NAMESPACE_URL, f"tile/{k}"))
        body = "\n".join(
            f"{head}{uuid.UUID(int=(k << 40) | i)}{tail}" for i, (head, tail) in enumerate(pieces)
        )
        text = f"{header}\n{body}\n".replace(registration, reg)
        text = text.replace(json.dumps(learner), json.dumps(name))
        target = out.path_for(lesson, LearnerRef(id=name, home_page=home), reg)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    out.close()
    for leftover in sorted((root / "_template").rglob("*"), reverse=True):
        leftover.rmdir() if leftover.is_dir() else leftover.unlink()
    (root / "_template").rmdir()
    return copies * len(lines)


def store_files(root: Path) -> list[Path]:
    """The session files of a store written by :func:`tile_store`."""
    return sorted((root / "store").rglob("*.jsonl"))
