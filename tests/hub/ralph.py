"""A real Ralph xAPI LRS (``ralph-malph[cli,lrs]==5.1.0``) with its file-system backend.

Ralph pins its own dependencies, so it lives in its own virtual environment (``.venv-ralph``
in the repository, built on first use; ``./dev.sh test`` builds it up front). Ralph 5.1.0's
file-system backend refuses every write after the first (it creates its file with
``operation_type=CREATE``); the 5-line app module below switches it to ``APPEND``. This patch
is a test fixture only: lessonkit itself talks to any xAPI LRS over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .harness import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("LESSONKIT_RALPH_VENV", ROOT / ".venv-ralph"))
REQUIREMENT = ["ralph-malph[cli,lrs]==5.1.0", "requests"]  # requests: undeclared, needed

APP = """
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND  # 5.1.0 writes only once
from ralph.api import app  # noqa: E402,F401
"""

AUTH = """
import bcrypt, json, sys
user, password, path = sys.argv[1:]
hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()  # low cost: fast tests
agent = {"mbox": "mailto:lessonkit@example.org", "objectType": "Agent"}
entry = {"username": user, "hash": hashed, "scopes": ["all"], "agent": agent}
json.dump([entry], open(path, "w"))
"""


def ensure_venv() -> Path:
    """Ralph's virtual environment, built if missing; raises ``RuntimeError`` if it cannot be."""
    python = VENV / "bin" / "python"
    if (VENV / "bin" / "uvicorn").exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=120)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *REQUIREMENT],
            check=True,
            timeout=600,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise RuntimeError(f"cannot build Ralph's virtual environment in {VENV}: {exc}") from exc
    return python


class Ralph:
    """A Ralph LRS on a free port, with one user (``lessonkit``) allowed everything."""

    user = "lessonkit"
    password = "lrs-test-pass"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Ralph:
        python = ensure_venv()
        self.data.mkdir(parents=True, exist_ok=True)
        (self.folder / "ralph_fs_append.py").write_text(APP, encoding="utf-8")
        auth = self.folder / "auth.json"
        subprocess.run([str(python), "-c", AUTH, self.user, self.password, str(auth)], check=True)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "RALPH_RUNSERVER_BACKEND": "fs",  # default "es", even for `ralph auth`
            "RALPH_AUTH_FILE": str(auth),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data),
        }
        log = open(self.folder / "lrs.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                str(VENV / "bin" / "uvicorn"),
                "ralph_fs_append:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--app-dir",
                str(self.folder),
            ],
            cwd=self.folder,  # Ralph also reads a .env in its working directory: keep it here
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__") as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Ralph did not start; see {self.folder / 'lrs.log'}")

    def statement_ids(self) -> list[str]:
        """Ids of every statement in Ralph's store, one per stored line (duplicates show)."""
        path = self.data / "fs_lrs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]

    def get(self, statement_id: str) -> dict:
        """``GET /xAPI/statements?statementId=`` through Ralph's API."""
        import base64

        request = urllib.request.Request(
            f"{self.url}statements?statementId={statement_id}",
            headers={
                "X-Experience-API-Version": "1.0.3",
                "Authorization": "Basic "
                + base64.b64encode(f"{self.user}:{self.password}".encode()).decode(),
            },
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
