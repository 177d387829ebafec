"""Simulated learners: run many through a lesson on the engine and report paths and mastery.

Layer: above ``engine`` (it drives sessions, or a fast engine that shares their decisions).
"""

from .driver import LearnerModel, SimulatedLearner, UnanswerableError, run_learner, simulate
from .report import LearnerTrace, SimulationReport, summarize

__all__ = [
    "LearnerModel",
    "LearnerTrace",
    "SimulatedLearner",
    "SimulationReport",
    "UnanswerableError",
    "run_learner",
    "simulate",
    "summarize",
]
