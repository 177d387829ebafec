"""Loading the statements frame from a store, with the target step of navigations."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..evidence.frame import statements_to_frame
from ..evidence.statements import EXT

__all__ = ["TO_STEP", "load_frame", "statements_frame"]

TO_STEP = "to_step"
"""Extra column: the step a ``navigated`` statement went to (NA for other statements)."""

_E_TO = EXT + "to-step"


def statements_frame(statements: Iterable[Mapping[str, Any]]) -> Any:
    """:func:`~lessonkit.evidence.statements_to_frame` plus the :data:`TO_STEP` column."""
    targets: list[Any] = []

    def tap() -> Iterator[Mapping[str, Any]]:
        for statement in statements:
            ext = (statement.get("context") or {}).get("extensions") or {}
            targets.append(ext.get(_E_TO))
            yield statement

    import pandas as pd

    frame = statements_to_frame(tap())
    frame[TO_STEP] = pd.array(targets, dtype="str")
    return frame


def load_frame(
    source: Any,
    *,
    lesson: str | None = None,
    learner: str | None = None,
) -> Any:
    """The statements frame of ``source``: a store URL or folder, an open store, or a frame.

    ``lesson`` and ``learner`` filter the statements (a frame is filtered the same way).
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        frame = source
        if lesson is not None:
            frame = frame[frame["lesson"] == lesson]
        if learner is not None:
            frame = frame[frame["learner"] == learner]
        return frame.reset_index(drop=True)
    if isinstance(source, str | os.PathLike):
        from ..evidence.stores import open_store

        with open_store(source, create=False) as store:
            return statements_frame(store.read(learner=learner, lesson=lesson))
    return statements_frame(source.read(learner=learner, lesson=lesson))
