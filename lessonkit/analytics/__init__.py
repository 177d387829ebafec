"""Class analytics: evidence from a store as pandas tables, plots and reports.

Layer: above ``evidence``, ``lesson`` and ``policies``; below the widgets and commands.

Not imported by ``import lessonkit``; pandas is imported with this package and matplotlib only
when a plot is drawn. Every function takes the statements frame of
:func:`load_frame` (or :func:`lessonkit.evidence.statements_to_frame`). See ``docs/analytics.md``.
"""

from __future__ import annotations

from .calibration import calibrate, first_attempt_sequences
from .filters import select
from .flags import flags
from .frame import load_frame
from .items import ItemAnalysis, ItemRules, item_analysis
from .paths import branch_stats, common_paths
from .privacy import pseudonymise_frame
from .tables import class_mastery, step_stats, timeline, wrong_answers

__all__ = [
    "ItemAnalysis",
    "ItemRules",
    "branch_stats",
    "calibrate",
    "class_mastery",
    "common_paths",
    "first_attempt_sequences",
    "flags",
    "item_analysis",
    "load_frame",
    "pseudonymise_frame",
    "select",
    "step_stats",
    "timeline",
    "wrong_answers",
]
