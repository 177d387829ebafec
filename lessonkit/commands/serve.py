"""``lessonkit serve NOTEBOOK_OR_LESSON [--port N] [--no-browser]``: a lesson in Voilà.

A notebook is served as it is; a ``.lesson.yaml`` file (or a folder holding one lesson) gets a
generated launcher notebook in a cache folder. Voilà runs with the ``lessonkit`` template and
the learner-identity hook (see :mod:`lessonkit.integrations.voila`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from ..errors import LessonDefinitionError

__all__ = ["build_command", "isolation_notice", "register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` sub-command."""
    parser = sub.add_parser(
        "serve",
        help="serve a lesson to learners in Voilà",
        description="Serve a lesson notebook (or a .lesson.yaml file) in Voilà with the "
        "lessonkit page template. Code learners type in exercises is checked on the server "
        "inside a bubblewrap sandbox, or not at all where the sandbox is unavailable (see "
        "docs/security.md); --no-code-checking turns checking off (learners can then skip "
        "code exercises, recorded as not checked).",
    )
    parser.add_argument("target", metavar="NOTEBOOK_OR_LESSON", help="notebook, lesson or folder")
    parser.add_argument("--port", type=int, default=None, help="port (default: Voilà's, 8866)")
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


def build_command(args: argparse.Namespace, notebook: Path, config_dir: Path) -> list[str]:
    """The ``python -m voila`` command line for ``args``."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--template=lessonkit",
        f"--theme={args.theme}",
        f"--Voila.config_file_paths={config_dir}",
    ]
    if args.port:
        cmd.append(f"--port={args.port}")
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
    return env


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
    """Start Voilà and wait for it; returns its exit code."""
    from ..integrations.voila import write_voila_config

    notebook = resolve_notebook(args.target)
    config_dir = _cache_dir() / "config"
    write_voila_config(config_dir)
    cmd = build_command(args, notebook, config_dir)
    if getattr(args, "code_checking", True):
        print(isolation_notice(), file=sys.stderr)
    print(f"lessonkit: serving {notebook} (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(cmd, env=serve_env(args), cwd=notebook.parent)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130
