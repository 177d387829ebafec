"""``check(spec, response)``: route a response to the checker family of its spec.

Family modules are imported on first use, so ``import lessonkit`` stays light (no SymPy, no
pandas). Whatever a checker does, ``check`` returns a :class:`CheckResult`: an exception from
checker code becomes a polite "could not be checked" result that does not count as an attempt.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Mapping
from typing import Any

from ..lesson.specs import CheckSpec
from .result import CheckResult, not_understood

__all__ = ["CheckerWarning", "check"]

_FAMILIES: dict[str, str] = {
    "choice": "choice",
    "numeric": "numeric",
    "text": "text",
    "expression": "expression",
    "code": "code",
    "frame": "frame",
    "ordering": "ordering",
    "free": "free",
    "custom": "custom",
}
"""Spec ``type`` -> module in this package defining ``check_spec(spec, response, ctx)``."""

COULD_NOT_CHECK = (
    "Sorry, this answer could not be checked because of a problem with the question. "
    "It was not counted as an attempt; please tell your instructor."
)


class CheckerWarning(UserWarning):
    """A checker (a plugin, a custom callable, a broken spec) failed; the learner was told."""


def check(
    spec: CheckSpec,
    response: Any,
    *,
    namespace: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> CheckResult:
    """Check ``response`` against ``spec``.

    Parameters
    ----------
    spec
        A checker spec such as :class:`~lessonkit.checks.Numeric`.
    response
        What the learner gave: text, a number, a list of picks, a DataFrame, source code...
    namespace
        The kernel's user namespace (JupyterLab), where code checks look up the learner's
        function when ``response`` is not source text.
    params
        The variant's drawn values, passed on to custom checkers.
    language
        The learner's language (a BCP 47 tag such as ``de``): numeric and expression answers
        are read as its learners write numbers (``3,5``); ``None`` reads English. Custom
        checkers that take a ``language`` keyword receive it.

    Returns
    -------
    CheckResult
        Always a result; never raises for any ``response``.
    """
    module_name = _FAMILIES.get(getattr(spec, "type", ""))
    if module_name is None:
        warnings.warn(f"no checker for spec {type(spec).__name__}", CheckerWarning, stacklevel=2)
        return not_understood(response, COULD_NOT_CHECK, error="unknown spec type")
    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
        result: CheckResult = module.check_spec(
            spec, response, namespace=namespace, params=params or {}, language=language
        )
    except RecursionError:
        return not_understood(response, "Your answer is nested too deeply to be checked.")
    except MemoryError:
        return not_understood(response, "Your answer is too large to be checked.")
    except Exception as exc:  # checker code must never take the lesson down
        warnings.warn(
            f"{spec.type} checker failed on a response: {type(exc).__name__}: {exc}",
            CheckerWarning,
            stacklevel=2,
        )
        return not_understood(response, COULD_NOT_CHECK, error=f"{type(exc).__name__}")
    return result
