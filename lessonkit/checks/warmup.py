"""Import what a lesson's checkers will need in the background, before the first answer.

SymPy (expression answers are shown as SymPy reads them) takes a few hundred milliseconds to
import, and pandas (DataFrame answers) about as long. Paid at the first Check, that is a pause
the learner notices; started when the session starts, it is over before anyone has typed.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterable

from ..lesson.specs import CheckSpec, Expression, Frame

__all__ = ["HEAVY_IMPORTS", "warm_up"]

HEAVY_IMPORTS: dict[type[CheckSpec], str] = {Expression: "sympy", Frame: "pandas"}
"""Check families whose checking imports a slow library, and that library."""

_started: set[str] = set()
_lock = threading.Lock()


def warm_up(specs: Iterable[CheckSpec]) -> list[str]:
    """Start importing (in a daemon thread each, once per process) the libraries ``specs``
    will need; returns the modules whose import this call started."""
    wanted = {HEAVY_IMPORTS[type(s)] for s in specs if type(s) in HEAVY_IMPORTS}
    with _lock:
        new = sorted(wanted - _started)
        _started.update(new)
    for module in new:
        threading.Thread(
            target=_import, args=(module,), name=f"lessonkit-warm-{module}", daemon=True
        ).start()
    return new


def _import(module: str) -> None:
    # A failed import is reported where the checker imports it for real, with context.
    with contextlib.suppress(Exception):
        importlib.import_module(module)
