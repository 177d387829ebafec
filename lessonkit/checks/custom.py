"""Custom checkers: a callable (Python API) or a name registered as a plugin.

A checker is called as ``checker(response, answer, **params)``; when it also accepts a
``variant`` keyword (or ``**kwargs``), it receives the drawn variant values, and when it
accepts a ``language`` keyword, the learner's language (a BCP 47 tag, or ``None``). It may return:

- ``bool``: right or wrong;
- a number in ``[0, 1]``: a score (1 is right);
- ``(bool_or_score, message)``: the same with feedback;
- a :class:`~lessonkit.checks.CheckResult`, used as is (its score is clamped).

Names are resolved first in the in-process registry (:func:`register_checker`), then in the
``lessonkit.checkers`` entry-point group. A checker that cannot be loaded, raises or returns
something else gives a :class:`~lessonkit.checks.CheckerWarning` and a polite result that does
not count as an attempt.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any

from ..errors import PluginError
from ..lesson.specs import Custom
from .dispatch import COULD_NOT_CHECK, CheckerWarning
from .result import CheckResult, make_result, not_understood

__all__ = ["ENTRY_POINT_GROUP", "check_spec", "load_checker", "register_checker"]

ENTRY_POINT_GROUP = "lessonkit.checkers"
_REGISTRY: dict[str, Callable[..., Any]] = {}


def register_checker(name: str, checker: Callable[..., Any]) -> None:
    """Make ``checker`` available to lesson files as ``{type: custom, checker: name}``."""
    if not callable(checker):
        raise TypeError(f"checker {name!r} must be callable")
    _REGISTRY[name] = checker


def load_checker(name: str) -> Callable[..., Any]:
    """The checker registered as ``name``; :class:`~lessonkit.errors.PluginError` if none."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    from importlib.metadata import entry_points

    found = entry_points(group=ENTRY_POINT_GROUP, name=name)
    if not found:
        raise PluginError(
            f"no checker named {name!r}: register one with lessonkit.checks.register_checker "
            f"or an entry point in group {ENTRY_POINT_GROUP!r}"
        )
    entry = next(iter(found))
    try:
        loaded = entry.load()
    except Exception as exc:
        raise PluginError(f"checker {name!r} ({entry.value}) failed to load: {exc}") from exc
    if not callable(loaded):
        raise PluginError(f"checker {name!r} ({entry.value}) is not callable")
    return loaded  # type: ignore[no-any-return]


def _wants(checker: Callable[..., Any], name: str, *, var_keyword: bool = True) -> bool:
    try:
        parameters = inspect.signature(checker).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or (var_keyword and p.kind is p.VAR_KEYWORD) for p in parameters)


def _broken(response: Any, why: str) -> CheckResult:
    warnings.warn(why, CheckerWarning, stacklevel=3)
    return not_understood(response, COULD_NOT_CHECK, error=why)


def _as_score(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= 1:
        return float(value)
    return None


def check_spec(
    spec: Custom,
    response: Any,
    *,
    params: dict[str, Any] | None = None,
    language: str | None = None,
    **_: Any,
) -> CheckResult:
    """Run the custom checker and normalise what it returns."""
    name = spec.checker if isinstance(spec.checker, str) else getattr(spec.checker, "__name__", "")
    try:
        checker = load_checker(spec.checker) if isinstance(spec.checker, str) else spec.checker
    except PluginError as exc:
        return _broken(response, str(exc))
    kwargs = dict(spec.params)
    if params and _wants(checker, "variant"):
        kwargs["variant"] = dict(params)
    if language and _wants(checker, "language", var_keyword=False):
        # only a checker that names it: one taking **kwargs may pass them on to code that
        # does not expect a language
        kwargs["language"] = language
    try:
        outcome = checker(response, spec.answer, **kwargs)
    except Exception as exc:
        return _broken(response, f"checker {name!r} raised {type(exc).__name__}: {exc}")
    if isinstance(outcome, CheckResult):
        details = dict(outcome.details)
        return make_result(
            response,
            correct=outcome.correct,
            score=outcome.score,
            feedback=outcome.feedback,
            understood=outcome.understood,
            text=outcome.response_text or None,
            **details,
        )
    message = ""
    if isinstance(outcome, tuple) and len(outcome) == 2 and isinstance(outcome[1], str):
        outcome, message = outcome
    score = _as_score(outcome)
    if score is None:
        return _broken(response, f"checker {name!r} returned {type(outcome).__name__}")
    return make_result(response, correct=score >= 1.0, score=score, feedback=message)
