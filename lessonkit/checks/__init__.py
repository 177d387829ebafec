"""Answer checking: checker specs (what is right) and checkers (judging a response).

Specs are frozen data built by the YAML loader or the Python API, e.g.
``checks.Numeric(answer=9.81, relative_tolerance=0.01, units="m/s^2")``.
"""

from .specs import (
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

__all__ = [
    "SPEC_TYPES",
    "CheckSpec",
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
]
