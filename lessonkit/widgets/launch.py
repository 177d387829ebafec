"""``show()``: one line in a notebook puts a lesson on screen, resuming where the learner was.

``lessonkit.show("loops.lesson.yaml")`` loads the lesson, makes its player, works out who the
learner is (:func:`lessonkit.widgets.binding.page_request`: the environment, or a Voilà page's
request), opens the evidence store (``LESSONKIT_STORE`` or the configured default), and
continues the learner's latest session from its recorded events, or starts a new one. In a
preheated Voilà kernel everything up to the player happens before any request, the rest when
the request comes (:func:`lessonkit.widgets.binding.when_requested`).

One learner has one live session per lesson: a second tab, or the launcher cell run again,
resumes the *same* session and becomes its live view, while the older view steps back (see
:mod:`lessonkit.widgets.live`). A session is never forked because another view still holds it.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..engine.session import LessonSession
from ..errors import SessionStateError, StorageError
from ..evidence.events import LearnerRef
from ..evidence.identity import learner_ref
from ..i18n import N_
from ..lesson.model import Lesson
from .binding import PageRequest, when_requested
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
    ``language`` is the language the learner sees (a BCP 47 tag).

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
        Learner id or reference; default from the environment (see ``lessonkit.evidence.identity``)
        or, in a Voilà page, from the page's request (see :mod:`lessonkit.widgets.binding`).
        A preheated page (``lessonkit serve --preheat``) loads the lesson and makes the player
        before any request, and binds the learner's session when its request comes.
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
        The language to show (a BCP 47 tag such as ``"es"``): lessonkit's words, the lesson's
        translation into it where there is one, and numbers read as it writes them. By default
        the learner's own choice, the page's ``?lang=``, ``LESSONKIT_LANGUAGE``, JupyterLab's
        display language, the browser's, else the lesson's (see :mod:`lessonkit.i18n.choice`).
    """
    from ..lesson.loader import load_lesson

    base_dir: Path | None = None
    if not isinstance(lesson, Lesson):
        path = Path(lesson)
        base_dir = path.resolve().parent
        lesson = load_lesson(path)
    opener = _opener(store)
    if namespace is None:
        namespace = _notebook_namespace()
    mode = code_mode(namespace=namespace)
    session_ns = namespace if mode == "namespace" else None
    loaded = lesson
    player = LessonPlayer(
        None,
        base_dir=base_dir,
        code_mode=mode,
        allow_code=allow_code,
        lab_url=lab_url or os.environ.get("LESSONKIT_LAB_URL") or None,
        language=language,
    )

    def bind(ref: LearnerRef, language: str | None, page: Mapping[str, str] | None = None) -> None:
        lease: Lease | None = None
        if store is not False:
            lease = lease_for(_store_url(store), loaded.id, ref)
            lease.claim()
            release_local(lease.key)  # the launcher cell run again: the old view lets go first
        target = opener() if opener is not None else (None if store is False else store)
        box: dict[str, Any] = {"store": target}
        start = _course_start(course, loaded, ref, lambda: box["store"]) if course else None

        def reopen() -> LessonSession:
            box["store"] = opener() if opener is not None else box["store"]
            return open_session(
                loaded, learner=ref, store=box["store"], namespace=session_ns, wait=LOCK_WAIT,
                start=start, language=language,
            )  # fmt: skip

        def new_session() -> LessonSession:
            return open_session(
                loaded, learner=ref, store=box["store"], namespace=session_ns, resume=False,
                start=start, language=language,
            )  # fmt: skip

        away = False
        try:
            session = open_session(
                loaded, learner=ref, store=target, namespace=session_ns, resume=resume,
                wait=LOCK_WAIT, start=start, language=language,
            )  # fmt: skip
        except StorageError:
            session, away = _read_only(loaded, ref, target, session_ns), True
            if opener is not None:
                target.close()
        player.bind(
            session,
            new_session=new_session,
            reopen=reopen if opener is not None else None,
            lease=lease,
            page=page,
        )
        if away:
            player.hand_over(busy=True)

    if learner:
        bind(learner_ref(learner), language)
    else:
        # A preheated Voilà page binds its learner when its request comes (now, elsewhere).
        when_requested(lambda request, error: _bind_request(player, bind, request, error, language))
    return player


UNBOUND = N_(
    "This page could not tell who you are, so it shows no lesson rather than someone "
    "else's. Please reload the page."
)
"""What a page whose request names no learner says (see :mod:`lessonkit.widgets.binding`)."""


def _bind_request(
    player: LessonPlayer,
    bind: Callable[[LearnerRef, str | None, Mapping[str, str] | None], None],
    request: PageRequest | None,
    error: str | None,
    language: str | None,
) -> None:
    """Bind the session of the request's learner, in ``language`` (the one ``show()`` was
    given): the session is made here, after the request, so whatever the request says about
    the learner's language (``request.params``, ``request.accept_language``) can choose it."""
    # The kernel was started before the request: its environment says nothing about this page,
    # so the page's ?lang= and Accept-Language are handed to the player's language choice.
    page = dict(os.environ)
    if request is not None:
        page.update(QUERY_STRING=request.query, HTTP_ACCEPT_LANGUAGE=request.accept_language)
    if request is None or request.learner is None:
        from ..i18n import translator
        from ..i18n.choice import choose_language, environment_preferences

        chosen = choose_language(explicit=language, **environment_preferences(page))
        player.unbound(translator(chosen.language).gettext(UNBOUND))
        if error:  # for the server's operator: a kernel's stderr is the server's
            print(f"lessonkit: a page's request did not reach its kernel ({error})",
                  file=sys.__stderr__, flush=True)  # fmt: skip
        return
    bind(request.learner, language, page)


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
