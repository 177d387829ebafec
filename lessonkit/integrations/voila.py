"""Voilà integration: the ``lessonkit`` page template, learner identity, launcher notebooks.

Identity in Voilà
-----------------
Each page load starts a fresh kernel, which inherits the server's environment. The kernel learns
who the learner is (see :func:`lessonkit.evidence.identity.resolve_learner`) from, in order:

1. ``LESSONKIT_LEARNER`` or ``JUPYTERHUB_USER`` in the server's environment (a per-user server
   started by JupyterHub has the latter) — then nothing else is needed;
2. otherwise :func:`prelaunch_hook` reads a ``lessonkit_learner`` cookie holding an anonymous
   id (a UUID), creating it on the first visit, and passes it to the kernel as
   ``LESSONKIT_LEARNER``. Voilà 0.5 calls the hook as ``hook(handler, notebook=..., cwd=...)``
   before the kernel starts and cannot change the kernel's environment, so the hook prepends a
   hidden cell that sets the variable (the id is validated as a UUID first, so no text from
   the request reaches that code).

A cookie is not authentication: it only keeps the same browser on the same anonymous record.

The hook also records, in the notebook's metadata, whether ``?theme=`` was given (without it
the template follows the browser's ``prefers-color-scheme``) and the page's XSRF token, which
the template uses to shut the page's kernel down when the page goes away.

A page that does not finish rendering
-------------------------------------
Now and then a fresh kernel's first render never completed (a kernel restarted on new TCP
ports after its random ones were taken, or a message lost at start-up: Voilà then waits for
ever, and an error in its rendering task is swallowed, so the page streams heartbeats for
ever). ``lessonkit serve`` runs kernels on Unix sockets (no ports to lose), and the template
gives up after ``render_timeout`` seconds (``LESSONKIT_RENDER_TIMEOUT``, default 60): it stops
the page, shuts the page's kernel down (it may hold the learner's session) and shows an error
with a **Try again** button. Voilà's own limit on a cell is half as long again (90 s by
default), so a client that is not a browser is not held for ever either; a cell Voilà gave up
on shows the same error.

The page is the lesson: a launcher notebook's Markdown cells ("Run the cell below...", the
title again) are for notebook users and are left out, unless tagged ``lessonkit-voila``. When
Voilà runs inside a Jupyter server (``/voila/render/...``, as on Binder), the page also tells
the kernel where the same notebook opens in JupyterLab (``LESSONKIT_LAB_URL``), which the
player offers where code cannot be checked in the page.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

__all__ = [
    "COOKIE",
    "RENDER_TIMEOUT",
    "RENDER_TIMEOUT_VAR",
    "TEMPLATE_NAME",
    "dashboard_notebook",
    "extensions_dir",
    "lab_cell",
    "learner_cell",
    "nbgrader_config",
    "prelaunch_hook",
    "render_timeout",
    "template_dir",
    "write_launcher",
    "write_voila_config",
]

RENDER_TIMEOUT = 60.0
"""Default seconds a page may take to render (a first render takes 2-10 s) before the page
stops waiting and offers the learner a retry."""
RENDER_TIMEOUT_VAR = "LESSONKIT_RENDER_TIMEOUT"
"""Environment variable overriding :data:`RENDER_TIMEOUT` (``lessonkit serve --render-timeout``)."""
TEMPLATE_NAME = "lessonkit"
"""Name of the Voilà template (``share/jupyter/voila/templates/lessonkit``)."""
COOKIE = "lessonkit_learner"
"""Cookie holding the anonymous learner id."""
_COOKIE_DAYS = 365


def extensions_dir() -> Path | None:
    """The source tree's ``extensions`` folder (a development install), if there is one.

    Added to ``JUPYTER_PATH`` by ``lessonkit serve`` so template edits show without a
    reinstall; an installed wheel ships the template as shared data instead.
    """
    candidate = Path(__file__).resolve().parents[2] / "extensions"
    return candidate if (candidate / "voila" / "templates" / TEMPLATE_NAME).is_dir() else None


def _jupyter_data(*parts: str) -> Path | None:
    """The first ``<Jupyter data dir>/<parts>`` that exists (``JUPYTER_PATH``, the user's,
    the environment's ``share/jupyter``, the system's: see ``jupyter --paths``)."""
    from jupyter_core.paths import jupyter_path

    return next((Path(p) for p in jupyter_path(*parts) if Path(p).exists()), None)


def template_dir() -> Path | None:
    """The ``lessonkit`` Voilà template Voilà will use (``None`` if it is not installed).

    A wheel installs it as ``share/jupyter/voila/templates/lessonkit``; a development install
    uses the source tree's ``extensions/voila/templates/lessonkit``.
    """
    source = extensions_dir()
    if source is not None:
        return source / "voila" / "templates" / TEMPLATE_NAME
    return _jupyter_data("voila", "templates", TEMPLATE_NAME)


def _shipped(source: tuple[str, ...], installed: tuple[str, ...]) -> Path:
    root = extensions_dir()
    found = root.joinpath(*source) if root is not None else _jupyter_data(*installed)
    if found is None or not found.is_file():
        raise FileNotFoundError(
            f"lessonkit's {installed[-1]} is not installed (looked for "
            f"share/jupyter/{'/'.join(installed)} in the Jupyter data folders): reinstall lessonkit"
        )
    return found


def dashboard_notebook() -> Path:
    """The class dashboard notebook (``lessonkit serve --dashboard`` serves it)."""
    name = "lessonkit-dashboard.ipynb"
    return _shipped(("voila", "dashboard", name), ("lessonkit", "dashboard", name))


def nbgrader_config() -> Path:
    """The ``nbgrader_config.py`` snippet to merge into a course's configuration."""
    name = "nbgrader_config.py"
    return _shipped(("nbgrader", name), ("lessonkit", "nbgrader", name))


def _valid_id(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def learner_cell(learner_id: str) -> dict[str, Any]:
    """A hidden code cell setting ``LESSONKIT_LEARNER`` (``learner_id`` must be a UUID)."""
    safe = _valid_id(learner_id)
    if safe is None:
        raise ValueError(f"not an anonymous learner id: {learner_id!r}")
    source = (
        "import os as _lk_os\n"
        f"_lk_os.environ['LESSONKIT_LEARNER'] = '{safe}'\n"
        "_lk_os.environ['LESSONKIT_LEARNER_HOME_PAGE'] = 'urn:lessonkit:anonymous'\n"
        "del _lk_os"
    )
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "lessonkit-identity",
        "metadata": {"tags": ["lessonkit-identity"]},
        "outputs": [],
        "source": source,
    }


_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~/ -]+$")


def lab_cell(url: str) -> dict[str, Any]:
    """A hidden code cell setting ``LESSONKIT_LAB_URL`` (``url`` is URL-quoted ASCII)."""
    if not url.isascii() or any(ch in url for ch in "'\"\\\n\r"):
        raise ValueError(f"not a safe URL: {url!r}")
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "lessonkit-lab-url",
        "metadata": {"tags": ["lessonkit-identity"]},
        "outputs": [],
        "source": f"import os as _lk_os\n_lk_os.environ['LESSONKIT_LAB_URL'] = {url!r}\ndel _lk_os",
    }


def lab_url_for(handler: Any) -> str | None:
    """Where the page's notebook opens in JupyterLab, when Voilà runs in a Jupyter server."""
    base = str(getattr(handler, "base_url", "/") or "/")
    path = str(getattr(getattr(handler, "request", None), "path", "") or "")
    prefix = base.rstrip("/") + "/voila/render/"
    if not path.startswith(prefix):
        return None
    rest = unquote(path[len(prefix) :])
    if not rest.endswith(".ipynb") or ".." in rest.split("/") or not _SAFE_PATH.match(rest):
        return None
    return base.rstrip("/") + "/lab/tree/" + quote(rest)


def _page_cells(notebook: Any) -> None:
    """Leave out Markdown cells meant for notebook users when the notebook shows a lesson."""
    launches = any(
        cell.get("cell_type") == "code" and "lessonkit.show(" in str(cell.get("source", ""))
        for cell in notebook.cells
    )
    if launches:
        notebook.cells = [
            cell
            for cell in notebook.cells
            if cell.get("cell_type") != "markdown"
            or "lessonkit-voila" in (cell.get("metadata", {}).get("tags") or [])
        ]


def prelaunch_hook(handler: Any, notebook: Any, cwd: str, **_: Any) -> Any:
    """Voilà ``prelaunch_hook``: theme choice, and the anonymous learner cookie.

    Configure it in a ``voila.py`` config file (``lessonkit serve`` writes one)::

        from lessonkit.integrations.voila import prelaunch_hook
        c.VoilaConfiguration.prelaunch_hook = prelaunch_hook
    """
    meta = notebook.metadata.setdefault("lessonkit", {})
    meta["theme"] = "fixed" if handler.get_argument("theme", None) else "auto"
    meta["render_timeout"] = render_timeout()  # the page offers a retry after this long
    # The page shuts its kernel down when it goes away (Voilà's own request lacks the XSRF
    # token and is refused); a reload then resumes at once instead of waiting for a lock.
    token = handler.xsrf_token
    meta["xsrf"] = token.decode("ascii") if isinstance(token, bytes) else str(token)
    from nbformat import from_dict

    _page_cells(notebook)
    lab = lab_url_for(handler)
    if lab is not None:
        notebook.cells.insert(0, from_dict(lab_cell(lab)))
    if os.environ.get("LESSONKIT_LEARNER") or os.environ.get("JUPYTERHUB_USER"):
        return notebook
    learner = _valid_id(handler.get_cookie(COOKIE))
    if learner is None:
        learner = str(uuid.uuid4())
        handler.set_cookie(
            COOKIE, learner, expires_days=_COOKIE_DAYS, httponly=True, samesite="Lax", path="/"
        )
    notebook.cells.insert(0, from_dict(learner_cell(learner)))
    return notebook


def write_launcher(lesson_path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """Write a launcher notebook for a lesson file into ``folder``; returns its path."""
    lesson = Path(lesson_path).resolve()
    name = lesson.name.removesuffix(".yaml").removesuffix(".yml").removesuffix(".lesson")
    dest = Path(folder) / f"{name}.ipynb"
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "launch",
                "metadata": {"lessonkit": {"launcher": True}},
                "outputs": [],
                "source": f"import lessonkit\n\nlessonkit.show({str(lesson)!r})",
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    return dest


def _server_limit(timeout: float) -> int:
    """Seconds Voilà waits for one cell: longer than the page's own limit (the page gives up
    first and offers a retry), by half of it, at least 10 s."""
    return int(timeout) + max(10, int(timeout) // 2)


def render_timeout(env: Mapping[str, str] = os.environ) -> float:
    """Seconds a page may take to render before the learner is offered a retry
    (``LESSONKIT_RENDER_TIMEOUT``, default :data:`RENDER_TIMEOUT`)."""
    try:
        seconds = float(env.get(RENDER_TIMEOUT_VAR, "") or RENDER_TIMEOUT)
    except ValueError:
        return RENDER_TIMEOUT
    return seconds if 1 <= seconds <= 3600 else RENDER_TIMEOUT


def write_voila_config(folder: str | os.PathLike[str], *, timeout: float = RENDER_TIMEOUT) -> Path:
    """Write a ``voila.py`` config into ``folder``: :func:`prelaunch_hook`, kernels on Unix
    sockets (on Linux), and a limit on how long Voilà waits for one cell of a page (longer than
    ``timeout``: the page itself gives up first and offers a retry, see the module docstring)."""
    path = Path(folder) / "voila.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    sockets = ""
    if sys.platform.startswith("linux"):  # macOS's long temporary paths overflow a socket name
        sockets = (
            "# Kernels on Unix sockets: TCP ports picked at random can be taken by another\n"
            "# process before the kernel binds them, and the page then waits for a kernel it\n"
            "# cannot reach.\n"
            'c.KernelManager.transport = "ipc"  # noqa: F821\n'
        )
    path.write_text(
        "# Written by `lessonkit serve`.\n"
        "from lessonkit.integrations.voila import prelaunch_hook\n\n"
        "c.VoilaConfiguration.prelaunch_hook = prelaunch_hook  # noqa: F821\n"
        + sockets
        + "# A cell that never finishes ends the page's rendering instead of holding it forever.\n"
        f"c.VoilaExecutor.timeout = {_server_limit(timeout)}  # noqa: F821\n",
        encoding="utf-8",
    )
    return path
