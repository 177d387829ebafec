"""The learner's own progress panel: mastery per competency, goals, lessons done.

Built from the evidence store, so it covers every lesson the learner met, not only the one on
screen. ``progress_summary`` is the plain-data part (tested without widgets).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w

from ..evidence.events import Event, LearnerRef
from ..i18n import N_
from ..lesson.model import Lesson
from .markdown import escape
from .plan import in_language, language_for
from .progress import bars_html
from .styles import player_css

__all__ = ["LearnerProgress", "ProgressPanel", "progress_summary"]


@dataclass
class LearnerProgress:
    """What the store says about one learner."""

    mastery: dict[str, float] = field(default_factory=dict)
    """Competency id -> latest mastery probability."""
    mastered: set[str] = field(default_factory=set)
    """Competencies whose latest estimate reached mastery."""
    profile: dict[str, str] = field(default_factory=dict)
    """Goals and interests the learner chose (latest value per field)."""
    completed: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Lesson id -> (score, max score) of its latest completion."""
    started: set[str] = field(default_factory=set)
    """Lessons with any activity."""


def progress_summary(events: Iterable[Event]) -> LearnerProgress:
    """Fold a learner's events (any lessons, any sessions) into a :class:`LearnerProgress`."""
    out = LearnerProgress()
    for event in sorted(events, key=lambda e: (e.timestamp, e.seq)):
        out.started.add(event.lesson_id)
        data = event.data
        if event.kind == "mastery":
            cid = str(data.get("competency"))
            out.mastery[cid] = float(data.get("after", 0.0))
            if data.get("mastered"):
                out.mastered.add(cid)
            else:
                out.mastered.discard(cid)
        elif event.kind == "chose" and data.get("field"):
            out.profile[str(data["field"])] = str(data.get("value"))
            out.profile.update({str(k): str(v) for k, v in (data.get("sets") or {}).items()})
        elif event.kind == "started":
            out.profile.update({str(k): str(v) for k, v in (data.get("profile") or {}).items()})
        elif event.kind == "completed":
            out.completed[event.lesson_id] = (
                float(data.get("score", 0.0)),
                float(data.get("max_score", 0.0)),
            )
    return out


def _events(store: Any, learner: LearnerRef | str) -> list[Event]:
    from ..evidence.statements import statement_to_event

    found = []
    for statement in store.read(learner=learner):
        try:
            found.append(statement_to_event(statement))
        except ValueError:
            continue
    return found


class ProgressPanel(w.VBox):
    """The learner's progress across lessons, read from the evidence store.

    Parameters
    ----------
    store
        The evidence store (or ``None`` for the configured default).
    learner
        Whose progress; default from the environment.
    lessons
        Lessons whose titles (and competency titles) label the panel.
    language
        The language to show (a BCP 47 tag); by default the learner's (see
        :mod:`lessonkit.i18n.choice`).
    """

    def __init__(
        self,
        store: Any = None,
        learner: LearnerRef | str | None = None,
        lessons: Iterable[Lesson] = (),
        language: str | None = None,
    ) -> None:
        from ..evidence.identity import resolve_learner
        from ..evidence.stores import open_store

        self.store = open_store() if store is None else store
        self.learner = learner if isinstance(learner, LearnerRef) else resolve_learner(learner)
        self.lessons = {lesson.id: lesson for lesson in lessons}
        self.language = language
        self.t = language_for(None, language)
        self.content = w.HTML()
        self.refresh_button = w.Button(description=self.t.gettext("Refresh"))
        self.refresh_button.on_click(lambda _b: self.refresh())
        super().__init__([w.HTML(player_css()), self.content, self.refresh_button])
        self.add_class("lk-player")
        in_language(self, self.t)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the store and redraw."""
        progress = progress_summary(_events(self.store, self.learner))
        t = self.t = language_for(progress.profile, self.language)
        _ = t.gettext
        titles = {c.id: c.title or c.id for les in self.lessons.values() for c in les.competencies}
        rows = [
            (cid, titles.get(cid, cid), p, cid in progress.mastered)
            for cid, p in sorted(progress.mastery.items())
        ]
        goals = "".join(
            f"<li><strong>{escape(k)}</strong>: {escape(v)}</li>"
            for k, v in sorted(progress.profile.items())
        )
        done = "".join(
            f"<li>{escape(self._title(lid))} — "
            + _("{score} points").format(score=f"<bdi>{t.number(s)} / {t.number(m)}</bdi>")
            + "</li>"
            for lid, (s, m) in sorted(progress.completed.items())
        )
        going = sorted(progress.started - set(progress.completed))
        doing = "".join(f"<li>{escape(self._title(lid))}</li>" for lid in going)
        words = {
            "none": _("No mastery evidence yet."),
            "goals": _("Your goals"),
            "done": _("Lessons done"),
            "doing": _("In progress"),
        }
        none = f"<p class='lk-status'>{escape(words['none'])}</p>"
        title = escape(_("Your progress"))
        self.content.value = (
            f"<div class='lk-summary' role='region' aria-label='{title}' lang='{t.language}' "
            f"dir='{t.direction}'><h3>{title}</h3>"
            + (bars_html(rows, N_("Your mastery"), t=t) or none)
            + (f"<h4>{escape(words['goals'])}</h4><ul>{goals}</ul>" if goals else "")
            + (f"<h4>{escape(words['done'])}</h4><ul>{done}</ul>" if done else "")
            + (f"<h4>{escape(words['doing'])}</h4><ul>{doing}</ul>" if doing else "")
            + "</div>"
        )

    def _title(self, lesson_id: str) -> str:
        lesson = self.lessons.get(lesson_id)
        return lesson.title if lesson else lesson_id
