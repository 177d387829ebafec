"""Answer checking: checker specs (what is right) and checkers (judging a response).

Specs are frozen data built by the YAML loader or the Python API, e.g.
``checks.Numeric(answer=9.81, relative_tolerance=0.01, units="m/s^2")``.
:func:`check` judges one response against a spec; :func:`grade` adds the question-level
logic (variants, targeted feedback, attempt schedule, solution). Both always return a
:class:`CheckResult`. Heavy libraries (SymPy, pandas) are imported only when a question of
that family is checked.

Layer: above ``lesson`` (specs and the model); learner code runs through the isolation layer.
"""

from ..lesson.specs import (
    SPEC_TYPES,
    CheckSpec,
    Choice,
    Code,
    CodeTest,
    Custom,
    Expression,
    Frame,
    FreeResponse,
    Numeric,
    Option,
    Ordering,
    Text,
)
from .custom import register_checker
from .dispatch import CheckerWarning, check
from .result import CheckResult
from .scoring import grade

__all__ = [
    "SPEC_TYPES",
    "CheckResult",
    "CheckSpec",
    "CheckerWarning",
    "Choice",
    "Code",
    "CodeTest",
    "Custom",
    "Expression",
    "Frame",
    "FreeResponse",
    "Numeric",
    "Option",
    "Ordering",
    "Text",
    "check",
    "grade",
    "register_checker",
]
