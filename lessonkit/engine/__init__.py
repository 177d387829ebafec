"""The engine: ``LessonSession`` (the only mutable run state), its decisions, resume, play.

Layer: above ``lesson``, ``checks``, ``policies`` and ``evidence`` (events and statements);
knows stores only through their ``append`` method. Imports nothing from Jupyter.
"""

from .outcomes import Decision, Outcome, StepRecord, StepView
from .play import PlayResult, play
from .session import LessonSession

__all__ = ["Decision", "LessonSession", "Outcome", "PlayResult", "StepRecord", "StepView", "play"]
