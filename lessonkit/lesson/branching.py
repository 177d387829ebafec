"""Where a step leads: ordered conditional rules and a default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import LessonDefinitionError
from .ids import check_id

__all__ = ["Branch", "Condition", "NextSpec", "Rule", "as_branch"]


Condition = str | Callable[[Any], bool]
"""A rule condition: an expression in the condition language, or (Python API) a callable."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """``when`` the condition holds, ``goto`` that step."""

    when: Condition
    """Condition-language text (see docs/lesson-format.md) or a callable of the session."""
    goto: str
    """Target step id."""

    def __post_init__(self) -> None:
        if isinstance(self.when, str) and not self.when.strip():
            raise LessonDefinitionError("rule condition 'when' must not be empty")
        check_id("goto step", self.goto)


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    """Where to go after a step: the first rule whose condition holds, else ``default``."""

    rules: tuple[Rule, ...] = ()
    """Ordered conditional rules."""
    default: str
    """Step taken when no rule applies."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        check_id("next step", self.default)

    def targets(self) -> tuple[str, ...]:
        """All step ids this branch can lead to, rules first."""
        return (*(r.goto for r in self.rules), self.default)


NextSpec = Branch | str | None


def as_branch(value: NextSpec) -> Branch | None:
    """A step's ``next`` as a :class:`Branch` (a bare step id is a branch with only a default)."""
    return Branch(default=value) if isinstance(value, str) else value
