"""``show()``: one line in a notebook puts a lesson on screen, resuming where the learner was.

``lessonkit.show("loops.lesson.yaml")`` loads the lesson, works out who the learner is
(:func:`lessonkit.evidence.identity.resolve_learner`), opens the evidence store
(``LESSONKIT_STORE`` or the configured default), and continues the learner's latest session
from its recorded events, or starts a new one.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

from ..engine.session import LessonSession
from ..errors import SessionStateError, StorageError
from ..evidence.events import LearnerRef
from ..lesson.model import Lesson
from .player import LessonPlayer

__all__ = ["code_mode", "open_session", "show"]

LOCK_WAIT = 20.0
"""Seconds to wait for a session's evidence file held by another kernel (a page reload:
Voilà shuts the old page's kernel down as the new one starts)."""


def code_mode(env: Any = os.environ, namespace: Any = None) -> str:
    """``"editor"`` in Voilà (code typed in the page), else ``"namespace"`` in a notebook."""
    in_voila = any(key.startswith("VOILA_") for key in env)
    return "editor" if in_voila or namespace is None else "namespace"


def _notebook_namespace() -> dict[str, Any] | None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return None
    shell = get_ipython()
    return shell.user_ns if shell is not None else None


def open_session(
    lesson: Lesson,
    *,
    learner: LearnerRef,
    store: Any,
    namespace: Any = None,
    resume: bool = True,
    start: Any = None,
) -> LessonSession:
    """The learner's latest session of ``lesson`` resumed from ``store``, or a new one.

    ``start`` makes the keyword arguments of a new session (e.g. a course record's
    ``mastery_start`` and ``profile``); a resumed session restores its own from its events.
    """
    if resume and store is not None:
        from ..evidence.stores import load_session_events

        events = load_session_events(store, learner, lesson.id)
        deadline = time.monotonic() + LOCK_WAIT
        while events:
            try:
                return LessonSession.resume(
                    lesson, events, learner=learner, store=store, namespace=namespace
                )
            except StorageError as exc:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                problem: Exception = exc
            except SessionStateError as exc:
                problem = exc
            warnings.warn(
                f"lessonkit: could not resume {lesson.id!r} ({problem}); starting afresh",
                RuntimeWarning,
                stacklevel=3,
            )
            break
    extra = start() if start is not None else {}
    session = LessonSession(lesson, learner=learner, store=store, namespace=namespace, **extra)
    session.start()
    return session


def show(
    lesson: str | os.PathLike[str] | Lesson,
    *,
    learner: str | LearnerRef | None = None,
    store: Any = None,
    namespace: Any = None,
    resume: bool = True,
    allow_code: bool | None = None,
    course: Any = None,
) -> LessonPlayer:
    """A :class:`LessonPlayer` for ``lesson``; the last expression of a cell displays it.

    Parameters
    ----------
    lesson
        A ``.lesson.yaml`` path (relative to the notebook's folder) or a :class:`Lesson`.
    learner
        Learner id or reference; default from the environment (see ``lessonkit.evidence.identity``).
    store
        A store, a store URL, or ``None`` for the configured default; ``False`` records nothing.
    namespace
        Where code exercises look up the learner's names; default the notebook's namespace.
    resume
        Continue the learner's latest session of this lesson if there is one.
    allow_code
        Run code typed in the in-page editor (Voilà); default from ``LESSONKIT_ALLOW_CODE``.
    course
        A ``.course.yaml`` path or :class:`~lessonkit.course.Course` the lesson belongs to: a
        new session then starts mastery and profile from the learner's course record.
    """
    from ..evidence.identity import resolve_learner
    from ..lesson.loader import load_lesson

    base_dir: Path | None = None
    if not isinstance(lesson, Lesson):
        path = Path(lesson)
        base_dir = path.resolve().parent
        lesson = load_lesson(path)
    ref = learner if isinstance(learner, LearnerRef) else resolve_learner(learner or None)
    if store is None:
        from ..evidence.stores import open_store

        store = open_store()
    elif isinstance(store, (str, os.PathLike)):
        from ..evidence.stores import open_store

        store = open_store(store)
    elif store is False:
        store = None
    if namespace is None:
        namespace = _notebook_namespace()
    mode = code_mode(namespace=namespace)
    session_ns = namespace if mode == "namespace" else None
    loaded = lesson

    start = _course_start(course, loaded, ref, store) if course is not None else None

    def new_session() -> LessonSession:
        return open_session(
            loaded, learner=ref, store=store, namespace=session_ns, resume=False, start=start
        )

    session = open_session(
        lesson, learner=ref, store=store, namespace=session_ns, resume=resume, start=start
    )
    return LessonPlayer(
        session,
        base_dir=base_dir,
        code_mode=mode,
        allow_code=allow_code,
        new_session=new_session,
    )


def _course_start(course: Any, lesson: Lesson, learner: LearnerRef, store: Any) -> Any:
    """What a new session of a course lesson starts from: the learner's record, read when the
    session is made (so a restart carries what the learner did since)."""
    from ..course import Course, load_course

    loaded = course if isinstance(course, Course) else load_course(course)
    if not loaded.has_lesson(lesson.id):
        raise SessionStateError(f"lesson {lesson.id!r} is not part of course {loaded.id!r}")

    def start() -> dict[str, Any]:
        if store is None:
            return {}
        from ..course.storage import read_record

        return read_record(loaded, store, learner).session_start(loaded, lesson.id)

    return start
