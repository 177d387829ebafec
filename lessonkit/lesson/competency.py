"""Competencies and their knowledge-tracing (BKT) parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from .ids import check_id, unit_interval

__all__ = ["Competency", "MasteryParams"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MasteryParams:
    """Bayesian Knowledge Tracing parameters of one competency."""

    prior: float = 0.2
    """P(L0): probability the learner already knows the competency."""
    learn: float = 0.15
    """P(T): probability of learning it at each practice opportunity."""
    guess: float = 0.2
    """P(G): probability of a correct answer without knowing."""
    slip: float = 0.1
    """P(S): probability of a wrong answer despite knowing."""
    forget: float = 0.0
    """P(F): probability of forgetting between opportunities (0 in standard BKT)."""
    threshold: float = 0.95
    """Mastery is declared when P(L) reaches this."""

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "guess", "slip", "forget", "threshold"):
            unit_interval(f"mastery.{name}", getattr(self, name))


@dataclass(frozen=True, slots=True, kw_only=True)
class Competency:
    """Something the learner can demonstrate, e.g. "writes a for loop"."""

    id: str
    """Identifier, ``[A-Za-z0-9_-]+``."""
    title: str = ""
    """Short human-readable name."""
    description: str = ""
    """What mastering it means (Markdown)."""
    mastery: MasteryParams = field(default_factory=MasteryParams)
    """Knowledge-tracing parameters for this competency."""

    def __post_init__(self) -> None:
        check_id("competency", self.id)
