"""The parts of a run's state a session shows to its callers, read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..policies.mastery import MasteryTracker
    from .decisions import PracticeState
    from .outcomes import StepRecord
    from .state import RunState

__all__ = ["RunStateView"]


class RunStateView:
    """Read-only properties over ``self.state`` (the session alone moves the state)."""

    state: RunState

    @property
    def profile(self) -> dict[str, str]:
        """Profile fields set so far (interests, goals, confidence...)."""
        return self.state.profile

    @property
    def choices(self) -> dict[str, str]:
        """Choice step id -> value chosen."""
        return self.state.choices

    @property
    def records(self) -> dict[str, StepRecord]:
        """Step or practice item id -> what happened there."""
        return self.state.records

    @property
    def path(self) -> list[str]:
        """Step ids in visit order."""
        return self.state.path

    @property
    def mastery(self) -> MasteryTracker:
        """Mastery estimate per competency."""
        return self.state.mastery

    @property
    def practice(self) -> dict[str, PracticeState]:
        """Practice step id -> progress through its current visit."""
        return self.state.practice

    @property
    def current_id(self) -> str | None:
        """The current step's id (``None`` before :meth:`start`)."""
        return self.state.current_id

    @property
    def finished(self) -> bool:
        """The lesson reached an end step."""
        return self.state.finished
