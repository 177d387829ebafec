"""Loading the statements frame from a store, with the target step of navigations."""

from __future__ import annotations

import os
from typing import Any

from ..evidence.frame import TO_STEP, statements_frame

__all__ = ["TO_STEP", "load_frame", "statements_frame"]


def load_frame(
    source: Any,
    *,
    lesson: str | None = None,
    learner: str | None = None,
) -> Any:
    """The statements frame of ``source``: a store URL or folder, an open store, or a frame.

    ``lesson`` and ``learner`` filter the statements (a frame is filtered the same way). A
    JSON-lines store is read through its columnar copies when pyarrow is installed (see
    :meth:`~lessonkit.evidence.stores.JsonlStore.frame`): the same frame, faster.
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
            return _store_frame(store, lesson, learner)
    return _store_frame(source, lesson, learner)


def _store_frame(store: Any, lesson: str | None, learner: str | None) -> Any:
    fast = getattr(store, "frame", None)
    if callable(fast):
        return fast(learner=learner, lesson=lesson)
    return statements_frame(store.read(learner=learner, lesson=lesson))
