"""``lessonkit serve NOTEBOOK_OR_LESSON [--port N] [--no-browser]``: a lesson in Voilà.

A notebook is served as it is; a ``.lesson.yaml`` file (or a folder holding one lesson) gets a
generated launcher notebook in a cache folder; ``--dashboard`` serves the class dashboard.
Voilà runs with the ``lessonkit`` template and the learner-identity hook (see
:mod:`lessonkit.integrations.voila`).

``serve`` prints the page's address once Voilà listens, and where evidence is written. It
stops on Ctrl-C, SIGTERM or SIGHUP: Voilà is asked to stop (it shuts its kernels down), and
whatever it started and left behind is ended too, so no kernel outlives the command.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..errors import LessonDefinitionError, LessonkitError
from ._voila_process import Signals, stop_voila, wait_until_up

__all__ = [
    "base_url",
    "build_command",
    "describe_store",
    "isolation_notice",
    "preheat_size",
    "register",
    "run",
    "serve_env",
]

DEFAULT_PORT = 8866
"""Voilà's usual port; ``serve`` takes the next free one if it is in use."""
DEFAULT_PREHEAT = 1
"""Preheated kernels per notebook: one makes the next page ready at once for about 46 MB (PSS)
while it waits; a class arriving together needs more (see docs/performance.md)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` sub-command."""
    parser = sub.add_parser(
        "serve",
        help="serve a lesson to learners in Voilà",
        description="Serve a lesson notebook (or a .lesson.yaml file) in Voilà with the "
        "lessonkit page template. Code learners type in exercises is checked on the server "
        "inside a bubblewrap sandbox, or not at all where the sandbox is unavailable (see "
        "docs/security.md); --no-code-checking turns checking off (learners can then skip "
        "code exercises, recorded as not checked). "
        "Ctrl-C or SIGTERM stops Voilà and its kernels.",
    )
    parser.add_argument(
        "target", metavar="NOTEBOOK_OR_LESSON", nargs="?", help="notebook, lesson or folder"
    )
    parser.add_argument(
        "--dashboard", action="store_true", help="serve the class dashboard (with --store)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help=f"port (default: {DEFAULT_PORT} or the next free)"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--theme",
        choices=["light", "dark"],
        default="light",
        help="page theme when the URL "
        "has no ?theme= (the page also follows the browser's dark mode unless ?theme= is given)",
    )
    parser.add_argument(
        "--lang",
        metavar="LANG",
        type=catalog_language,
        default=None,
        help="the pages' language, e.g. es (a learner's own choice and ?lang= still win; "
        "default: the browser's)",
    )
    parser.add_argument("--store", metavar="URL", help="evidence store (default: configured)")
    parser.add_argument(
        "--no-code-checking",
        dest="code_checking",
        action="store_false",
        help="do not run code learners type in exercises (sets LESSONKIT_CODE_CHECKING=off)",
    )
    parser.add_argument(
        "--allow-code", action="store_true", help=argparse.SUPPRESS
    )  # the old opt-in, now the default
    parser.add_argument("--ip", default=None, help="interface to listen on (default localhost)")
    parser.add_argument(
        "--base-url",
        default=None,
        metavar="PATH",
        help="serve the pages under PATH (e.g. /user/ada/lessonkit/), as behind a proxy that "
        "passes the whole path on (jupyter-server-proxy with absolute_url, as on Binder)",
    )
    parser.add_argument(
        "--preheat",
        type=int,
        default=DEFAULT_PREHEAT,
        metavar="N",
        help="keep N kernels per notebook that already ran it, so a page is ready at once; "
        "each page's learner is bound when its request comes (0: start a kernel per page; "
        f"default {DEFAULT_PREHEAT}; never for --dashboard)",
    )
    parser.add_argument(
        "--render-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds a page may take to render before the learner is offered a retry "
        "(default: $LESSONKIT_RENDER_TIMEOUT or 60)",
    )
    parser.set_defaults(func=run)


def catalog_language(value: str) -> str:
    """``--lang``: a language lessonkit has a catalog for (``es-MX`` is served as ``es``)."""
    from ..i18n import available, negotiate

    found = negotiate([value], available())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"no translation for {value!r} (available: {', '.join(available())})"
        )
    return found


def _cache_dir() -> Path:
    from ..evidence.identity import user_data_dir

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(base) / "lessonkit" if os.name != "nt" else user_data_dir() / "cache"
    return root / "serve"


def resolve_notebook(target: str, cache: Path | None = None) -> Path:
    """The notebook to serve for ``target`` (writing a launcher for a lesson file)."""
    from ..integrations.voila import write_launcher

    path = Path(target).expanduser().resolve()
    if path.is_dir():
        notebooks = sorted(path.glob("*.ipynb"))
        lessons = sorted(path.glob("*.lesson.yaml"))
        if len(notebooks) == 1:
            return notebooks[0]
        if len(lessons) == 1:
            path = lessons[0]
        else:
            raise LessonDefinitionError(
                f"{target}: found {len(notebooks)} notebooks and {len(lessons)} lessons; "
                "name the one to serve"
            )
    if not path.is_file():
        raise LessonDefinitionError(f"{target}: no such notebook or lesson file")
    if path.suffix == ".ipynb":
        return path
    if not path.name.endswith((".yaml", ".yml", ".json")):
        raise LessonDefinitionError(f"{target}: expected a .ipynb or .lesson.yaml file")
    from ..lesson.loader import load_lesson

    load_lesson(path)  # fail here, with file:line:col, rather than in the page
    key = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return write_launcher(path, (cache or _cache_dir()) / key)


def _target_notebook(args: argparse.Namespace) -> Path:
    if bool(args.dashboard) == bool(args.target):
        raise LessonkitError("serve: give a notebook or lesson to serve, or --dashboard")
    if not args.dashboard:
        return resolve_notebook(args.target)
    from ..integrations.voila import dashboard_notebook

    try:
        return dashboard_notebook()
    except FileNotFoundError as exc:
        raise LessonkitError(str(exc)) from exc


def free_port(ip: str, start: int = DEFAULT_PORT, tries: int = 50) -> int:
    """The first port from ``start`` on that nothing listens on at ``ip``."""
    for port in range(start, start + tries):
        with socket.socket() as sock:
            try:
                sock.bind((ip, port))
            except OSError:
                continue
            return port
    raise LessonkitError(f"serve: no free port in {start}-{start + tries - 1}; use --port")


def build_command(args: argparse.Namespace, notebook: Path, config_dir: Path) -> list[str]:
    """The ``python -m voila`` command line for ``args`` (``args.port`` must be set)."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--template=lessonkit",
        f"--theme={args.theme}",
        f"--Voila.config_file_paths={config_dir}",
        f"--port={args.port}",
        "--Voila.port_retries=0",  # the address printed must be the one Voilà listens on
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    if args.ip:
        cmd.append(f"--Voila.ip={args.ip}")
    base = base_url(args)
    if base != "/":
        # Voilà's routes and the addresses in its pages both start with it; a preheated
        # kernel asks for its request there too (VOILA_SERVER_URL).
        cmd.append(f"--Voila.base_url={base}")
    return cmd


def base_url(args: argparse.Namespace) -> str:
    """The path the pages are served under: ``/``, or ``--base-url`` with a slash at each end."""
    raw = getattr(args, "base_url", None) or "/"
    parts = [part for part in raw.split("/") if part]
    if any(c in raw for c in ":?#%\\") or any(c.isspace() for c in raw) or ".." in parts:
        raise LessonkitError(f"serve: --base-url must be a path such as /lessons/, not {raw!r}")
    return "/" + "".join(f"{part}/" for part in parts)


def serve_env(args: argparse.Namespace, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voilà (and so every kernel) runs with."""
    from ..integrations.voila import extensions_dir

    env = dict(os.environ if base is None else base)
    extra = extensions_dir()
    if extra is not None:  # a development install: use the template from the source tree
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(extra), env.get("JUPYTER_PATH", "")) if p
        )
    if not getattr(args, "code_checking", True):
        env["LESSONKIT_CODE_CHECKING"] = "off"
    if args.store:
        env["LESSONKIT_STORE"] = args.store
    if getattr(args, "lang", None):
        env["LESSONKIT_LANGUAGE"] = args.lang
    if getattr(args, "render_timeout", None) is not None:
        env["LESSONKIT_RENDER_TIMEOUT"] = str(args.render_timeout)
    # A page's learner comes from the server or the page's request, never from the machine's
    # own anonymous id (which every visitor would share): see lessonkit.widgets.binding.
    env["LESSONKIT_PAGE_LEARNER"] = "request"
    ip = getattr(args, "ip", None)
    if ip not in (None, "", "0.0.0.0", "::"):
        env["VOILA_APP_IP"] = ip  # where a preheated kernel asks Voilà for its request
    return env


def preheat_size(args: argparse.Namespace) -> int:
    """Preheated kernels per notebook for ``args`` (none for the dashboard, whose numbers
    must be read when the page is asked for)."""
    if getattr(args, "dashboard", False):
        return 0
    size = getattr(args, "preheat", DEFAULT_PREHEAT)
    if size < 0:
        raise LessonkitError("serve: --preheat must be 0 or more")
    return int(size)


def describe_store(url: str) -> str:
    """Where a store URL keeps evidence, in words (a database password is left out)."""
    scheme = url.split(":", 1)[0].lower() if "://" in url else ""
    if scheme in ("", "file"):
        folder = urlsplit(url).path if scheme else url
        return f"{folder} (JSON-lines files, one per learner and session)"
    if scheme == "memory":
        return "memory:// (nothing is kept after a page closes)"
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        url = urlunsplit(parts._replace(netloc=netloc))
    return url


def isolation_notice() -> str:
    """One line on how learner code will run: confined, or why not."""
    from ..isolation import isolation_status

    status = isolation_status()
    if status.isolated:
        return f"lessonkit: {status.reason}"
    if status.available:
        return f"lessonkit: warning: {status.reason}"
    return f"lessonkit: warning: code exercises cannot be checked: {status.reason}"


def run(args: argparse.Namespace) -> int:
    """Start Voilà, say where it is, and wait; returns 0 once stopped by a signal, else
    Voilà's exit code."""
    from ..evidence.stores import configured_store_url
    from ..integrations.voila import render_timeout, template_dir, write_voila_config

    notebook = _target_notebook(args)
    base_url(args)  # a bad --base-url stops here, before anything starts
    if template_dir() is None:
        raise LessonkitError(
            "the lessonkit Voilà template is not installed (no voila/templates/lessonkit in the "
            "Jupyter data folders that `jupyter --paths` lists): reinstall lessonkit"
        )
    env = serve_env(args)
    evidence = describe_store(configured_store_url(env, cwd=notebook.parent))
    if args.port is None:
        args.port = free_port(args.ip or "127.0.0.1")
    timeout = render_timeout(env)
    preheat = preheat_size(args)
    # One folder per setting: servers started with other settings never rewrite this one.
    config_dir = _cache_dir() / "config" / f"render-{int(timeout)}-preheat-{preheat}"
    write_voila_config(config_dir, timeout=timeout, preheat=preheat)
    from ..lesson.schema import is_schema_valid

    is_schema_valid({})  # compiles the schema check into the user's cache for every page's kernel
    if getattr(args, "code_checking", True):
        print(isolation_notice(), file=sys.stderr)
    host = args.ip if args.ip not in (None, "", "0.0.0.0", "::") else "localhost"
    signals = Signals()
    with signals.installed():
        proc = subprocess.Popen(
            build_command(args, notebook, config_dir),
            env=env,
            cwd=notebook.parent,
            start_new_session=True,  # Ctrl-C reaches us alone; we stop Voilà in order
        )
        try:
            state = wait_until_up(proc, signals, time.monotonic() + 120, host, args.port)
            if state == "up":
                address = f"http://{host}:{args.port}{base_url(args)}"
                print(f"lessonkit: serving {notebook} at {address}", flush=True)
                print(f"lessonkit: evidence is written to {evidence}", flush=True)
                if preheat:
                    print(
                        f"lessonkit: {preheat} preheated kernel(s) wait for the next pages "
                        "(--preheat 0 to start one per page)",
                        flush=True,
                    )
                print("lessonkit: press Ctrl-C to stop", flush=True)
                while proc.poll() is None and not signals.count:
                    time.sleep(0.2)
            if not signals.count:
                if proc.poll() is None:
                    print("lessonkit: error: Voilà did not start within 120 s", file=sys.stderr)
                    return 1
                print(f"lessonkit: Voilà exited with code {proc.returncode}", file=sys.stderr)
                return proc.returncode or (1 if state == "exited" else 0)
        finally:
            stop_voila(proc, signals)
    print("lessonkit: stopped", file=sys.stderr)
    return 0
