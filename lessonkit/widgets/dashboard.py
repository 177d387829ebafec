"""The class dashboard (``lessonkit serve --dashboard``): filters, tables and plots of a store.

Evidence from the store named by ``LESSONKIT_STORE`` (a folder, ``sqlite:///…`` or
``postgresql://…``); the instructor picks a lesson, a group of learners (a regular expression
such as ``group-a-.*``, or ids separated by commas) and a date range, and the tables and plots
follow. Learner ids are shown as stored, or as salted pseudonyms when
``LESSONKIT_PSEUDONYMISE_SALT`` is set (the ones ``lessonkit export --pseudonymise`` writes).
Every word is in the viewer's language (see :mod:`lessonkit.i18n.choice`).

>>> from lessonkit.widgets.dashboard import show_dashboard
>>> show_dashboard()  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from typing import Any

import ipywidgets as w

from .markdown import escape, render_markdown
from .plan import in_language, language_for

__all__ = ["Dashboard", "show_dashboard"]


def _png(fig: Any) -> Any:
    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return Image(data=buffer.getvalue(), format="png")


class Dashboard(w.VBox):
    """The class dashboard over the evidence in ``store`` (a store URL; default
    ``LESSONKIT_STORE``), in ``language`` (default: the viewer's)."""

    def __init__(self, store: str | None = None, *, language: str | None = None) -> None:
        from ..analytics import load_frame, pseudonymise_frame

        self.t = t = language_for(None, language)
        _ = t.gettext
        self.store = store if store is not None else os.environ.get("LESSONKIT_STORE", "")
        frame = load_frame(self.store) if self.store else None
        salt = os.environ.get("LESSONKIT_PSEUDONYMISE_SALT")
        if frame is not None and salt:
            frame = pseudonymise_frame(frame, salt)
        self.frame = frame
        lessons = sorted(frame["lesson"].dropna().unique()) if frame is not None else []
        days = frame["timestamp"].dropna() if frame is not None else None
        first = days.min().date() if days is not None and len(days) else None
        last = days.max().date() if days is not None and len(days) else None
        self.lesson = w.Dropdown(
            options=lessons, value=lessons[0] if lessons else None, description=_("Lesson")
        )
        self.group = w.Text(
            value="", placeholder=_("regex or id, id, …"), description=_("Learners")
        )
        self.start = w.DatePicker(description=_("From"), value=first)
        self.end = w.DatePicker(description=_("To"), value=last)
        self.out = w.Output()
        intro = _(
            "Evidence from the store named by `LESSONKIT_STORE`. Pick a lesson, a group of "
            "learners (a regular expression such as `group-a-.*`, or ids separated by commas) "
            "and a date range: the tables and plots follow."
        )
        shown = _("Store: {store}; statements: {n}").format(
            store=self.store or _("(LESSONKIT_STORE is not set)"),
            n=t.number(0 if frame is None else len(frame)),
        )
        heading = _("lessonkit class dashboard")
        header = w.HTML(
            f"<div lang='{t.language}' dir='{t.direction}'>"
            f"<h1>{escape(heading)}</h1>{render_markdown(intro)}"
            f"<p class='lk-status'>{escape(shown)}</p></div>"
        )
        for control in (self.lesson, self.group, self.start, self.end):
            control.observe(lambda _change: self.refresh(), names="value")
        super().__init__(
            [
                header,
                w.HBox([self.lesson, self.group]),
                w.HBox([self.start, self.end]),
                self.out,
            ]
        )
        in_language(self, t)
        self.refresh()

    def refresh(self) -> None:
        """Draw the tables and plots for the current filters."""
        from IPython.display import Markdown, display

        from ..analytics import (
            branch_stats,
            class_mastery,
            common_paths,
            flags,
            select,
            step_stats,
            wrong_answers,
        )
        from ..analytics.labels import for_display
        from ..analytics.plots import branch_frequencies, mastery_heatmap, step_funnel

        t = self.t
        _ = t.gettext
        self.out.clear_output()
        with self.out:
            if self.frame is None:
                display(Markdown(_("Set `LESSONKIT_STORE` to a store URL and run again.")))
                return
            part = select(
                self.frame,
                lesson=self.lesson.value,
                learners=self.group.value.strip() or None,
                start=self.start.value,
                end=self.end.value,
            )
            learners = t.ngettext("{n} learner", "{n} learners", part["learner"].nunique())
            statements = t.ngettext("{n} statement", "{n} statements", len(part))
            counts = _("{learners}, {statements}").format(
                learners=learners.format(n=t.number(part["learner"].nunique())),
                statements=statements.format(n=t.number(len(part))),
            )
            display(Markdown(f"**{counts}**"))
            sections = (
                (_("Mastery"), mastery_heatmap, class_mastery(part).round(2)),
                (_("Steps"), step_funnel, step_stats(part).round(3)),
                (_("Branches"), branch_frequencies, branch_stats(part)),
                (_("Common paths"), None, common_paths(part)),
                (_("Common wrong answers"), None, wrong_answers(part)),
                (_("Learners to look at"), None, flags(part)),
            )
            for title, plot, table in sections:
                display(Markdown(f"### {title}"))
                if plot is not None:
                    display(_png(plot(part, t=t)))
                display(for_display(table, t))


def show_dashboard(store: str | None = None, *, language: str | None = None) -> Dashboard:
    """The class dashboard; the last expression of a cell displays it."""
    return Dashboard(store, language=language)
