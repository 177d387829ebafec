"""The analytics tables as people read them: column names and flags in the viewer's language.

The tables keep their English column names and flag values (they are an API: CSV, JSON,
code that reads them); :func:`for_display` renames a copy for a page in another language.
"""

from __future__ import annotations

from typing import Any

from ..i18n import N_, Translator

__all__ = ["COLUMNS", "FLAGS", "for_display"]

COLUMNS = {
    "learner": N_("learner"),
    "competency": N_("competency"),
    "step": N_("step"),
    "learners": N_("learners"),
    "attempts": N_("attempts"),
    "first_try_success": N_("first-try success"),
    "median_time_s": N_("median time (s)"),
    "hint_rate": N_("hint rate"),
    "drop_off": N_("drop-off"),
    "response": N_("response"),
    "count": N_("count"),
    "share": N_("share"),
    "from_step": N_("from step"),
    "to_step": N_("to step"),
    "path": N_("path"),
    "sessions": N_("sessions"),
    "completed": N_("completed"),
    "flag": N_("flag"),
    "reason": N_("reason"),
    "current_step": N_("current step"),
    "answers": N_("answers"),
    "correct": N_("correct"),
    "wrong_in_a_row": N_("wrong in a row"),
    "idle_min": N_("idle (min)"),
    "questions": N_("questions"),
    "attempts_per_question": N_("attempts per question"),
    "hints": N_("hints"),
    "min_mastery": N_("lowest mastery"),
    "mean_mastery": N_("mean mastery"),
    "answers_to_mastery": N_("answers to mastery"),
}
"""Column name -> its English label (shown translated)."""
FLAGS = {
    "struggling": N_("struggling"),
    "ready": N_("ready"),
    "stuck": N_("stuck"),
    "not started": N_("not started"),
    "completed": N_("completed"),
}
"""Flag value -> its English label (shown translated)."""


def for_display(table: Any, t: Translator) -> Any:
    """A copy of ``table`` with its column and index names, and its flags, in ``t``'s
    language (names it does not know, such as competency ids, are left as they are)."""
    if table is None:
        return table
    shown = table.copy()
    if "flag" in shown.columns:
        shown["flag"] = shown["flag"].map(lambda v: t.gettext(FLAGS[v]) if v in FLAGS else v)
    shown = shown.rename(columns=lambda c: t.gettext(COLUMNS[c]) if c in COLUMNS else c)
    names = [t.gettext(COLUMNS[n]) if n in COLUMNS else n for n in shown.index.names]
    shown.index = shown.index.set_names(names)
    if hasattr(shown.columns, "name") and shown.columns.name in COLUMNS:
        shown.columns.name = t.gettext(COLUMNS[shown.columns.name])
    return shown
