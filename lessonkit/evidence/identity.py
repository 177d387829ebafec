"""Who is the learner: an explicit id, the environment, JupyterHub, or a persisted anonymous id.

:func:`resolve_learner` tries, in order:

1. the ``explicit`` id passed by the caller (``home_page`` ``urn:lessonkit:local``);
2. ``LESSONKIT_LEARNER`` (``home_page`` from ``LESSONKIT_LEARNER_HOME_PAGE``, else
   ``urn:lessonkit:local``);
3. ``JUPYTERHUB_USER`` — every kernel a JupyterHub spawns inherits it, and on Kubernetes all OS
   users are ``jovyan``, so the env var is the only reliable name (``home_page`` is the hub's
   URL, see :func:`hub_home_page`);
4. an anonymous id (a UUID4) created once and kept in :func:`user_data_dir` ``/learner-id``, so the
   same person on the same machine keeps the same id across kernels (``home_page``
   ``urn:lessonkit:anonymous``).

Nothing here proves who a learner is: the environment is under the learner's control.
"""

from __future__ import annotations

import os
import sys
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path

from .events import LearnerRef
from .safefs import private_text

__all__ = [
    "ANONYMOUS_HOME_PAGE",
    "LOCAL_HOME_PAGE",
    "hub_home_page",
    "learner_ref",
    "resolve_learner",
    "user_data_dir",
]

LOCAL_HOME_PAGE = "urn:lessonkit:local"
"""Namespace of learner ids given explicitly or through ``LESSONKIT_LEARNER``."""
ANONYMOUS_HOME_PAGE = "urn:lessonkit:anonymous"
"""Namespace of persisted anonymous ids."""
JUPYTERHUB_HOME_PAGE = "urn:lessonkit:jupyterhub"
"""Fallback namespace of JupyterHub users when the hub's URL is not in the environment."""

_ID_FILE = "learner-id"


def user_data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """lessonkit's per-user data folder (not created here).

    ``LESSONKIT_HOME`` if set; otherwise ``$XDG_DATA_HOME/lessonkit`` (default
    ``~/.local/share/lessonkit``) on Linux and other Unixes,
    ``~/Library/Application Support/lessonkit`` on macOS and ``%LOCALAPPDATA%\\lessonkit`` on
    Windows.
    """
    if env.get("LESSONKIT_HOME"):
        return Path(env["LESSONKIT_HOME"]).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "lessonkit"


def hub_home_page(env: Mapping[str, str] = os.environ) -> str:
    """The public URL of the JupyterHub the kernel runs under, as an xAPI account home page.

    ``JUPYTERHUB_HOST`` (set when the hub serves users from their own host, e.g.
    ``https://hub.example.org``) joined with ``JUPYTERHUB_BASE_URL`` (default ``/``); otherwise
    the hub part of ``JUPYTERHUB_API_URL`` (``http://hub:8081/hub/api`` →
    ``http://hub:8081/hub/``); otherwise ``urn:lessonkit:jupyterhub``.
    """
    host = env.get("JUPYTERHUB_HOST", "").rstrip("/")
    base = env.get("JUPYTERHUB_BASE_URL", "/") or "/"
    if not base.startswith("/"):
        base = "/" + base
    if host:
        return host + base
    api = env.get("JUPYTERHUB_API_URL", "").rstrip("/")
    if api:
        return api.removesuffix("/api") + "/"
    return JUPYTERHUB_HOME_PAGE


def learner_ref(learner: LearnerRef | str | None) -> LearnerRef:
    """``learner`` as a :class:`LearnerRef`: as given, an id (``urn:lessonkit:local``), or
    :func:`resolve_learner` for ``None`` or an empty id."""
    if isinstance(learner, LearnerRef):
        return learner
    if learner:
        return LearnerRef(id=learner)
    return resolve_learner()


def resolve_learner(
    explicit: str | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    state_dir: Path | str | None = None,
) -> LearnerRef:
    """Who the learner is (see the module docstring for the order of sources).

    Parameters
    ----------
    explicit
        A learner id chosen by the caller; wins over everything else when non-empty.
    env
        The environment to read (defaults to :data:`os.environ`).
    state_dir
        Folder of the persisted anonymous id; defaults to :func:`user_data_dir` of ``env``.

    Returns
    -------
    LearnerRef
        Never fails: if the anonymous id cannot be persisted, a fresh one is used for this
        process only, with a :class:`RuntimeWarning`.
    """
    if explicit:
        return LearnerRef(id=explicit, home_page=LOCAL_HOME_PAGE)
    if env.get("LESSONKIT_LEARNER"):
        home = env.get("LESSONKIT_LEARNER_HOME_PAGE") or LOCAL_HOME_PAGE
        return LearnerRef(id=env["LESSONKIT_LEARNER"], home_page=home)
    if env.get("JUPYTERHUB_USER"):
        return LearnerRef(id=env["JUPYTERHUB_USER"], home_page=hub_home_page(env))
    folder = Path(state_dir) if state_dir is not None else user_data_dir(env)
    return LearnerRef(id=_anonymous_id(folder), home_page=ANONYMOUS_HOME_PAGE)


def _anonymous_id(folder: Path) -> str:
    """The id persisted in ``folder``, created atomically on first use (a ``0600`` file in a
    ``0700`` folder; links and other users' files are refused, see :mod:`.safefs`)."""
    try:
        return str(uuid.UUID(private_text(folder, _ID_FILE, str(uuid.uuid4()), _is_uuid)))
    except OSError as exc:
        warnings.warn(
            f"lessonkit: cannot keep an anonymous learner id in {folder} ({exc}); "
            "using a new id for this process only (set LESSONKIT_LEARNER or LESSONKIT_HOME)",
            RuntimeWarning,
            stacklevel=3,
        )
        return str(uuid.uuid4())


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
