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
import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from ..errors import LessonDefinitionError, LessonkitError

__all__ = ["build_command", "describe_store", "isolation_notice", "register", "run", "serve_env"]

DEFAULT_PORT = 8866
"""Voilà's usual port; ``serve`` takes the next free one if it is in use."""
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_GRACE = 15.0
"""Seconds Voilà gets to shut its kernels down before it is killed."""


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
        "--render-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds a page may take to render before the learner is offered a retry "
        "(default: $LESSONKIT_RENDER_TIMEOUT or 60)",
    )
    parser.set_defaults(func=run)


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
    return cmd


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
    if getattr(args, "render_timeout", None) is not None:
        env["LESSONKIT_RENDER_TIMEOUT"] = str(args.render_timeout)
    return env


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


class _Signals:
    """Turns Ctrl-C, SIGTERM and SIGHUP into a count the serving loop checks."""

    def __init__(self) -> None:
        self.count = 0

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Signals]:
        """Handle the stop signals inside the block (in the main thread only)."""
        previous = {}
        try:
            for sig in _STOP_SIGNALS:
                previous[sig] = signal.signal(sig, self._handle)
        except ValueError:  # not the main thread: leave the defaults alone
            pass
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _listening(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
        return True
    return False


def _wait(
    proc: subprocess.Popen[bytes], signals: _Signals, until: float, host: str, port: int
) -> str:
    """Wait until Voilà listens (``"up"``), exits (``"exited"``) or a signal came (``"stop"``)."""
    while time.monotonic() < until:
        if signals.count:
            return "stop"
        if proc.poll() is not None:
            return "exited"
        if _listening(host, port):
            return "up"
        time.sleep(0.1)
    return "stop"


def stop_voila(proc: subprocess.Popen[bytes], signals: _Signals | None = None) -> None:
    """Stop Voilà and everything it started: SIGTERM first, which makes Voilà shut its kernels
    down; then any process it started that is still there (kernels run in sessions of their
    own, so its process group alone would miss them) is terminated, and killed if need be."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _GRACE
        while proc.poll() is None and time.monotonic() < deadline:
            if signals is not None and signals.count > 1:  # asked twice: do not wait
                break
            time.sleep(0.1)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    _, alive = psutil.wait_procs(family, timeout=2)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(alive, timeout=3)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=3)


def run(args: argparse.Namespace) -> int:
    """Start Voilà, say where it is, and wait; returns 0 once stopped by a signal, else
    Voilà's exit code."""
    from ..evidence.stores import configured_store_url
    from ..integrations.voila import render_timeout, template_dir, write_voila_config

    notebook = _target_notebook(args)
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
    # One folder per setting: servers started with other settings never rewrite this one.
    config_dir = _cache_dir() / "config" / f"render-{int(timeout)}"
    write_voila_config(config_dir, timeout=timeout)
    from ..lesson.schema import is_schema_valid

    is_schema_valid({})  # compiles the schema check into the user's cache for every page's kernel
    if getattr(args, "code_checking", True):
        print(isolation_notice(), file=sys.stderr)
    host = args.ip if args.ip not in (None, "", "0.0.0.0", "::") else "localhost"
    signals = _Signals()
    with signals.installed():
        proc = subprocess.Popen(
            build_command(args, notebook, config_dir),
            env=env,
            cwd=notebook.parent,
            start_new_session=True,  # Ctrl-C reaches us alone; we stop Voilà in order
        )
        try:
            state = _wait(proc, signals, time.monotonic() + 120, host, args.port)
            if state == "up":
                print(f"lessonkit: serving {notebook} at http://{host}:{args.port}/", flush=True)
                print(f"lessonkit: evidence is written to {evidence}", flush=True)
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
