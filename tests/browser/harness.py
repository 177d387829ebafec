"""Real Voilà servers and Debian chromium for the browser tests, benchmarks and screenshots.

Nothing here is a stand-in: :class:`VoilaServer` runs ``lessonkit serve`` (or plain
``voila``) as a subprocess on a free port, and :func:`launch_chromium` starts the system's
chromium through Playwright (browsers are never downloaded).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LESSONKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LOOPS = ROOT / "lessons" / "loops" / "loops.ipynb"
READY = ".lk-player .lk-header"
"""A selector that exists only once the lesson player has rendered."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited early with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


class VoilaServer:
    """A Voilà server in a subprocess (its own process group), stopped on exit.

    ``lessonkit=True`` runs ``lessonkit serve`` (the lessonkit template and identity, with
    ``--preheat`` when ``preheat`` is given); ``False`` runs plain ``voila`` with its default
    template (the benchmark baseline).
    """

    def __init__(
        self,
        notebook: Path,
        *,
        env: dict[str, str] | None = None,
        lessonkit: bool = True,
        log: Path | None = None,
        preheat: int | None = None,
    ) -> None:
        self.notebook = notebook
        self.preheat = preheat
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.lessonkit = lessonkit
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self._out: Any = None

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        if self.lessonkit:
            return [
                sys.executable,
                "-m",
                "lessonkit",
                "serve",
                str(self.notebook),
                f"--port={self.port}",
                "--no-browser",
                "--ip=127.0.0.1",
                *([] if self.preheat is None else [f"--preheat={self.preheat}"]),
            ]
        return [
            sys.executable,
            "-m",
            "voila",
            str(self.notebook),
            f"--port={self.port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
        ]

    def __enter__(self) -> VoilaServer:
        self._out = open(self.log, "wb") if self.log else None
        out: Any = self._out or subprocess.DEVNULL
        self.proc = subprocess.Popen(
            self.command(),
            env=self.env,
            cwd=self.notebook.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_for_port(self.port, self.proc, timeout=60)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server and the kernels it started (its process group)."""
        try:
            self._stop()
        finally:
            if self._out is not None:
                self._out.close()
                self._out = None

    def _stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def chromium_available() -> bool:
    """Whether the system chromium exists."""
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


BASELINE_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "quiz",
            "metadata": {},
            "outputs": [],
            "source": (
                "import ipywidgets as w\n"
                "q = w.RadioButtons(options=['0 1 2', '1 2 3', '0 1 2 3'], value=None,\n"
                "                   description='Answer')\n"
                "b = w.Button(description='Check')\n"
                "out = w.HTML()\n"
                "tries = []\n"
                "def check(_):\n"
                "    tries.append(q.value)  # each answer's feedback differs, as the lesson's\n"
                "    said = 'Correct!' if q.value == '0 1 2' else 'Not quite.'\n"
                '    out.value = f\'<p class="fb">{said} You answered: {q.value} '
                "(try {len(tries)})</p>'\n"
                "b.on_click(check)\n"
                "w.VBox([w.HTML('<h2 class=\"ready\">Quiz</h2>'), q, b, out])"
            ),
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}
"""A plain ipywidgets quiz (RadioButtons + Button + HTML): the benchmark baseline."""


WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
"""axe-core rule tags for WCAG 2.1 level AA."""


def axe_violations(page: Any, context: str | None = None) -> list[str]:
    """WCAG 2.1 AA violations axe-core finds in ``context`` (a selector) or the whole page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async ([context, tags]) => await axe.run(context ? document.querySelector(context)
            : document, {runOnly: {type: 'tag', values: tags}})""",
        [context, WCAG_AA],
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def server_pid(proc: subprocess.Popen[bytes]) -> int:
    """The pid of the web server: ``proc`` itself, or the Voilà child ``lessonkit serve`` ran."""
    import psutil

    for child in psutil.Process(proc.pid).children(recursive=False):
        if "voila" in " ".join(child.cmdline()):
            return int(child.pid)
    return proc.pid


class LabServer(VoilaServer):
    """JupyterLab (default settings: widget messages over kernel subshells) in ``folder``."""

    TOKEN = "lessonkit-browser-tests"

    def __init__(self, folder: Path, **kwargs: Any) -> None:
        super().__init__(folder / "unused.ipynb", **kwargs)
        self.folder = folder

    def lab_url(self, notebook: str) -> str:
        """Where ``notebook`` (relative to the folder) opens, with a fresh workspace."""
        return f"{self.url}lab/tree/{notebook}?reset&token={self.TOKEN}"

    def command(self) -> list[str]:
        # Default settings, but no news toast over the page (it would take the keyboard).
        settings = self.folder / ".lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false, "doNotDisturbMode": true}'
        )
        return [
            sys.executable,
            "-m",
            "jupyterlab",
            f"--LabApp.user_settings_dir={self.folder / '.lab-settings'}",
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.token={self.TOKEN}",
            f"--ServerApp.root_dir={self.folder}",
            "--allow-root",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # Kernels on Unix sockets: TCP ports picked at random can be taken meanwhile on a
            # busy machine, and the kernel then dies and restarts under the page.
            "--KernelManager.transport=ipc",
        ]


def run_in_lab(page: Any, url: str, cells: int, timeout: float = 120_000) -> None:
    """Open a notebook in JupyterLab and run its first ``cells`` cells (Shift+Enter each)."""
    open_in_lab(page, url, timeout)
    page.locator(".jp-Notebook .jp-Cell .cm-content").first.click()
    for _ in range(cells):
        page.keyboard.press("Shift+Enter")
    # A run asked for before the new kernel is connected is dropped: JupyterLab moves on to
    # the next cell and the prompt stays "[ ]:" (a run that started shows "[*]:" or a number).
    if not _run_started(page, 15_000):
        run_all_from_the_menu(page)
        page.wait_for_selector(READY, timeout=timeout)
        return
    try:
        page.wait_for_selector(READY, timeout=timeout / 2)
    except Exception:  # a later key press was lost to a dialog: run the cells from the menu
        run_all_from_the_menu(page)
        page.wait_for_selector(READY, timeout=timeout / 2)


def open_in_lab(page: Any, url: str, timeout: float = 120_000) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is idle."""
    page.goto(url)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)


def _run_started(page: Any, timeout: float) -> bool:
    """Whether a cell of the notebook has started running within ``timeout`` ms."""
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
            ".some(p => /[0-9*]/.test(p.textContent))",
            timeout=timeout,
        )
    except Exception:
        return False
    return True


def run_all_from_the_menu(page: Any, tries: int = 6) -> None:
    """Run All Cells from JupyterLab's menu bar, found by its command (in any display
    language: the menus' names are translated), until a cell has started (a run asked for
    before the kernel is connected is dropped)."""
    for _ in range(tries):
        _click_run_all(page)
        if _run_started(page, 10_000):
            return
    raise AssertionError(f"JupyterLab ran no cell after {tries} times Run All Cells")


def _click_run_all(page: Any) -> None:
    page.keyboard.press("Escape")
    run_all = page.locator("[data-command='runmenu:run-all']")
    for item in page.locator(".lm-MenuBar-item").all():
        item.click()
        try:
            run_all.first.wait_for(state="visible", timeout=2_000)  # menus open on a frame
        except Exception:
            page.keyboard.press("Escape")
            continue
        run_all.first.click()
        return
    raise AssertionError("JupyterLab's menu has no Run All Cells")


def write_notebook(path: Path, sources: list[str]) -> None:
    """Write a Python notebook of code cells (ids ``cell-0``, ``cell-1``...) to ``path``."""
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"cell-{index}", "metadata": {},
         "outputs": [], "source": source}
        for index, source in enumerate(sources)
    ]  # fmt: skip
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook), encoding="utf-8")
