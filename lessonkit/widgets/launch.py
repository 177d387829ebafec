"""``show()``: one line in a notebook puts a lesson on screen, resuming where the learner was.

``lessonkit.show("loops.lesson.yaml")`` loads the lesson, works out who the learner is
(:func:`lessonkit.evidence.identity.resolve_learner`), opens the evidence store
(``LESSONKIT_STORE`` or the configured default), and continues the learner's latest session
from its recorded events, or starts a new one.

One learner has one live session per lesson: a second tab, or the launcher cell run again,
resumes the *same* session and becomes its live view, while the older view steps back (see
:mod:`lessonkit.widgets.live`). A session is never forked because another view still holds it.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine.session import LessonSession
from ..errors import SessionStateError, StorageError
from ..evidence.events import LearnerRef
from ..lesson.model import Lesson
from .live import Lease, lease_for, release_local
from .player import LessonPlayer

__all__ = ["code_mode", "open_session", "show"]

LOCK_WAIT = 5.0
"""Seconds to wait for another view to release the session's store (it does within about a
quarter of a second; a kernel that does not answer — stopped, or busy — is not waited for
longer, and its session is not forked either)."""


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
    wait: float | None = None,
    start: Any = None,
    language: str | None = None,
) -> LessonSession:
    """The learner's latest session of ``lesson`` resumed from ``store``, or a new one.

    ``start`` makes the keyword arguments of a new session (e.g. a course record's
    ``mastery_start`` and ``profile``); a resumed session restores its own from its events.

    Raises
    ------
    StorageError
        When the session's store stays held by another view for ``wait`` seconds: the caller
        shows the session without writing rather than starting a second one.
    """
    if resume and store is not None:
        from ..evidence.stores import load_session_events

        events = load_session_events(store, learner, lesson.id)
        deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
        while events:
            try:
                return LessonSession.resume(
                    lesson,
                    events,
                    learner=learner,
                    store=store,
                    namespace=namespace,
                    language=language,
                )
            except StorageError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
                events = load_session_events(store, learner, lesson.id)
            except SessionStateError as exc:
                warnings.warn(
                    f"lessonkit: could not resume {lesson.id!r} ({exc}); starting afresh",
                    RuntimeWarning,
                    stacklevel=3,
                )
                break
    extra = start() if start is not None else {}
    session = LessonSession(
        lesson, learner=learner, store=store, namespace=namespace, language=language, **extra
    )
    session.start()
    return session


def _read_only(lesson: Lesson, learner: LearnerRef, store: Any, namespace: Any) -> LessonSession:
    """The session as recorded, shown without writing (another view holds it)."""
    from ..evidence.stores import load_session_events

    events = load_session_events(store, learner, lesson.id)
    return LessonSession.resume(lesson, events, learner=learner, store=None, namespace=namespace)


def show(
    lesson: str | os.PathLike[str] | Lesson,
    *,
    learner: str | LearnerRef | None = None,
    store: Any = None,
    namespace: Any = None,
    resume: bool = True,
    allow_code: bool | None = None,
    lab_url: str | None = None,
    course: Any = None,
    language: str | None = None,
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
        Check code typed in the in-page editor (Voilà); default
        :func:`lessonkit.widgets.code_checking_state`.
    lab_url
        Where this lesson opens in JupyterLab, offered when code is not checked here; default
        ``LESSONKIT_LAB_URL``.
    course
        A ``.course.yaml`` path or :class:`~lessonkit.course.Course` the lesson belongs to: a
        new session then starts mastery and profile from the learner's course record.
    language
        The learner's language (a BCP 47 tag such as ``es``): the lesson's translation into
        it where there is one, and numbers read as it writes them; ``None``: the lesson's own.
    """
    from ..evidence.identity import resolve_learner
    from ..lesson.loader import load_lesson

    base_dir: Path | None = None
    if not isinstance(lesson, Lesson):
        path = Path(lesson)
        base_dir = path.resolve().parent
        lesson = load_lesson(path)
    ref = learner if isinstance(learner, LearnerRef) else resolve_learner(learner or None)
    opener = _opener(store)
    if namespace is None:
        namespace = _notebook_namespace()
    mode = code_mode(namespace=namespace)
    session_ns = namespace if mode == "namespace" else None
    loaded = lesson

    lease: Lease | None = None
    if store is not False:
        url = _store_url(store)
        lease = lease_for(url, loaded.id, ref)
        lease.claim()
        release_local(lease.key)  # the launcher cell run again: the old view lets go first
    target = opener() if opener is not None else (None if store is False else store)
    box: dict[str, Any] = {"store": target}
    start = _course_start(course, loaded, ref, lambda: box["store"]) if course else None

    def reopen() -> LessonSession:
        box["store"] = opener() if opener is not None else box["store"]
        return open_session(
            loaded,
            learner=ref,
            store=box["store"],
            namespace=session_ns,
            wait=LOCK_WAIT,
            start=start,
            language=language,
        )

    def new_session() -> LessonSession:
        return open_session(
            loaded,
            learner=ref,
            store=box["store"],
            namespace=session_ns,
            resume=False,
            start=start,
            language=language,
        )

    away = False
    try:
        session = open_session(
            lesson,
            learner=ref,
            store=target,
            namespace=session_ns,
            resume=resume,
            wait=LOCK_WAIT,
            start=start,
            language=language,
        )
    except StorageError:
        session, away = _read_only(lesson, ref, target, session_ns), True
        if opener is not None:
            target.close()
    player = LessonPlayer(
        session,
        base_dir=base_dir,
        code_mode=mode,
        allow_code=allow_code,
        new_session=new_session,
        reopen=reopen if opener is not None else None,
        lease=lease,
        lab_url=lab_url or os.environ.get("LESSONKIT_LAB_URL") or None,
    )
    if away:
        player.hand_over(busy=True)
    return player


def _opener(store: Any) -> Callable[[], Any] | None:
    """Opens the store afresh (for taking a session back), or ``None`` for a given object."""
    if store is False or (store is not None and not isinstance(store, (str, os.PathLike))):
        return None
    from ..evidence.stores import configured_store_url, open_store

    url = configured_store_url() if store is None else os.fspath(store)
    return lambda: open_store(url)


def _store_url(store: Any) -> str:
    if store is None:
        from ..evidence.stores import configured_store_url

        return configured_store_url()
    if isinstance(store, (str, os.PathLike)):
        return os.fspath(store)
    return str(getattr(store, "url", f"object:{id(store)}"))


def _course_start(
    course: Any, lesson: Lesson, learner: LearnerRef, store_of: Callable[[], Any]
) -> Any:
    """What a new session of a course lesson starts from: the learner's record, read when the
    session is made (so a restart carries what the learner did since)."""
    from ..course import Course, load_course

    loaded = course if isinstance(course, Course) else load_course(course)
    if not loaded.has_lesson(lesson.id):
        raise SessionStateError(f"lesson {lesson.id!r} is not part of course {loaded.id!r}")

    def start() -> dict[str, Any]:
        store = store_of()
        if store is None:
            return {}
        from ..course.storage import read_record

        return read_record(loaded, store, learner).session_start(loaded, lesson.id)

    return start
