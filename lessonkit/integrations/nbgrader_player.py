"""The player of a released nbgrader assignment: who the student is, and their session.

Evidence is recorded in ``lessonkit-evidence/`` next to the notebook, under the student's
nbgrader id — the name ``nbgrader submit`` files the submission under: the login name, or
``JUPYTERHUB_USER`` when the login is ``jovyan`` (as on Kubernetes hubs). The ``started`` event
also records ``JUPYTERHUB_USER`` when it is set, so a grader can tell copied evidence from the
student's own.

Code questions are answered in the player's code editor (not in notebook cells): the source
text is what is recorded, and the grader runs it against the hidden tests in its sandbox.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..engine.session import LessonSession
from ..errors import StorageError
from ..evidence.events import LearnerRef
from ..lesson.model import Lesson

__all__ = ["identity", "make_player", "student_id"]

NBGRADER_HOME_PAGE = "urn:lessonkit:nbgrader"
"""Namespace of learner ids that are nbgrader student ids."""
LOCK_WAIT = 20.0
"""Seconds to wait for the evidence file held by another kernel (a notebook reopened)."""


def student_id(env: Any = os.environ) -> str:
    """The id ``nbgrader submit`` uses for this user (``nbgrader.utils.get_username``)."""
    try:
        import pwd

        login = pwd.getpwuid(os.getuid())[0]
    except (ImportError, KeyError):  # Windows, or a uid without a passwd entry
        import getpass

        login = getpass.getuser()
    if login == "jovyan":
        return str(env.get("JUPYTERHUB_USER") or login)
    return login


def identity(env: Any = os.environ) -> dict[str, str]:
    """What the ``started`` event records about who is working."""
    found = {"nbgrader_student": student_id(env)}
    if env.get("JUPYTERHUB_USER"):
        found["jupyterhub_user"] = str(env["JUPYTERHUB_USER"])
    return found


def _latest_session(lesson: Lesson, learner: LearnerRef, store: Any) -> LessonSession | None:
    from ..evidence.stores import load_session_events

    events = load_session_events(store, learner, lesson.id)
    deadline = time.monotonic() + LOCK_WAIT
    while events:
        try:
            return LessonSession.resume(lesson, events, learner=learner, store=store)
        except StorageError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
    return None


def make_player(
    lesson_path: str | os.PathLike[str] | Lesson, evidence: str | os.PathLike[str]
) -> Any:
    """The player for ``lesson_path``, recording in the folder ``evidence``."""
    from ..evidence.stores import open_store
    from ..lesson.loader import load_lesson
    from ..widgets.player import LessonPlayer

    base_dir = None
    lesson = lesson_path
    if not isinstance(lesson, Lesson):
        base_dir = Path(lesson).resolve().parent
        lesson = load_lesson(lesson)
    store = open_store(Path(evidence).resolve())
    who = identity()
    learner = LearnerRef(id=who["nbgrader_student"], home_page=NBGRADER_HOME_PAGE)
    loaded = lesson

    def new_session() -> LessonSession:
        return LessonSession(loaded, learner=learner, store=store, identity=who)

    session = _latest_session(lesson, learner, store) or new_session()
    restart = new_session if lesson.settings.allow_restart else None
    return LessonPlayer(
        session, base_dir=base_dir, code_mode="editor", allow_code=True, new_session=restart
    )
