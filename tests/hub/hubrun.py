"""A real JupyterHub for tests: configurable-http-proxy, DummyAuthenticator, local spawner,
the lessonkit service as a hub-managed service (the shipped config snippet), real kernels.

:class:`TestHub` writes a ``jupyterhub_config.py`` that loads
``extensions/jupyterhub/jupyterhub_config.py`` and adds only what a test needs (users, course
groups, an admin token for the test driver). Ports are free ones picked per run. The hub is
stopped with SIGTERM, which also stops the proxy, the service and the single-user servers
(they run in their own sessions; see the recipe's pitfalls).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from .harness import free_port

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = ROOT / "extensions" / "jupyterhub" / "jupyterhub_config.py"
ADMIN_TOKEN = "lessonkit-test-admin-" + uuid.uuid4().hex
EXT_TOKEN = "lessonkit-test-external-" + uuid.uuid4().hex


def find_chp() -> str | None:
    """configurable-http-proxy from the repository's node_modules (./dev.sh) or PATH."""
    local = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    return shutil.which("configurable-http-proxy")


HUB_CONFIG = """
import os
c = get_config()  # noqa: F821
env = os.environ
load_subconfig(env["LESSONKIT_TEST_SNIPPET"])  # noqa: F821 - the shipped snippet
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env["HUB_TEST_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["HUB_TEST_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:" + env["HUB_TEST_PROXY_API_PORT"]
c.ConfigurableHTTPProxy.command = [env["HUB_TEST_CHP"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(env["HUB_TEST_DIR"], "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(env["HUB_TEST_DIR"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(env["HUB_TEST_DIR"], "cookie_secret")
c.JupyterHub.authenticator_class = "dummy"
learners = [f"learner-{i:03d}" for i in range(int(env.get("HUB_TEST_LEARNERS", "0")))]
c.Authenticator.allowed_users = {"student-a", "student-b", "teacher", *learners}
c.JupyterHub.spawner_class = "simple"
homes = os.path.join(env["HUB_TEST_DIR"], "homes")
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(homes, "{username}")
c.Spawner.cmd = [env["HUB_TEST_SINGLEUSER"]]
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
c.JupyterHub.load_groups = {
    "lessonkit-algebra": {"users": ["student-a", "student-b", *learners]},
    "lessonkit-algebra-instructors": {"users": ["teacher"]},
}
c.JupyterHub.services.append({"name": "test-admin", "api_token": env["HUB_TEST_ADMIN_TOKEN"]})
c.JupyterHub.load_roles.append({
    "name": "test-admin-role",
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:services"],
    "services": ["test-admin"],
})
"""
EXTERNAL_CONFIG = """
# A second instance of the service, run outside the hub (as on Kubernetes), same database.
# The hub waits about 30 s at start for an external service that is not up yet.
c.JupyterHub.services.append({
    "name": "lessonkit-ext",
    "url": "http://127.0.0.1:" + env["HUB_TEST_EXT_PORT"],
    "api_token": env["HUB_TEST_EXT_TOKEN"],
    "oauth_no_confirm": True,
})
c.JupyterHub.load_roles.append({
    "name": "lessonkit-ext-access",
    "scopes": ["access:services!service=lessonkit-ext"],
    "groups": ["lessonkit-algebra", "lessonkit-algebra-instructors"],
})
c.JupyterHub.load_roles.append({
    "name": "lessonkit-ext-service",
    "scopes": ["list:groups", "read:groups"],
    "services": ["lessonkit-ext"],
})
"""


class TestHub:
    """A running hub; see the module docstring."""

    __test__ = False  # not a test class

    def __init__(
        self,
        folder: Path,
        service_config: Path,
        *,
        learners: int = 0,
        venv_bin: Path | None = None,
        extra_config: str = "",
        external: bool = True,
    ) -> None:
        self.folder = folder
        self.learners = learners
        # the environment the hub, the service, the single-user servers and kernels run from
        self.venv_bin = venv_bin or Path(sys.executable).parent
        self.extra_config = (EXTERNAL_CONFIG if external else "") + extra_config
        names = ("public", "hub", "proxy_api", "service", "external")
        self.ports = {k: free_port() for k in names}
        self.public = f"http://127.0.0.1:{self.ports['public']}"
        self.service_config = service_config
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "hub.log"

    def start(self, chp: str, timeout: float = 60) -> TestHub:
        config = self.folder / "jupyterhub_config.py"
        config.write_text(HUB_CONFIG + self.extra_config, encoding="utf-8")
        venv_bin = self.venv_bin
        env = {
            **os.environ,
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "LESSONKIT_TEST_SNIPPET": str(SNIPPET),
            "LESSONKIT_HUB_CONFIG": str(self.service_config),
            "LESSONKIT_PUBLIC_URL": self.public,
            "LESSONKIT_SERVICE_PORT": str(self.ports["service"]),
            "HUB_TEST_PORT": str(self.ports["public"]),
            "HUB_TEST_HUB_PORT": str(self.ports["hub"]),
            "HUB_TEST_PROXY_API_PORT": str(self.ports["proxy_api"]),
            "HUB_TEST_CHP": chp,
            "HUB_TEST_DIR": str(self.folder),
            "HUB_TEST_SINGLEUSER": str(venv_bin / "jupyterhub-singleuser"),
            "HUB_TEST_ADMIN_TOKEN": ADMIN_TOKEN,
            "HUB_TEST_LEARNERS": str(self.learners),
            "HUB_TEST_EXT_PORT": str(self.ports["external"]),
            "HUB_TEST_EXT_TOKEN": EXT_TOKEN,
        }
        env.pop("LESSONKIT_STORE", None)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(venv_bin / "jupyterhub"), "-f", str(config)],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_for(lambda: self.api("GET", "/hub/api/")[0] == 200, timeout, "the hub")
        self.wait_for(self.service_up, timeout, "the lessonkit service")
        return self

    def version(self) -> str:
        """The version of the running JupyterHub, as its API reports it."""
        return str(self.api("GET", "/hub/api/")[1]["version"])

    def service_up(self) -> bool:
        return self.api("GET", "/services/lessonkit/api/health")[0] == 200

    def wait_for(self, ready: Any, timeout: float, what: str) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited; see {self.log}:\n{self.tail()}")
            try:
                if ready():
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{what} not ready after {timeout}s; see {self.log}:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str, token: str = ADMIN_TOKEN, body: Any = None) -> Any:
        from lessonkit.evidence.stores.service import request_json

        return request_json(method, self.public + path, token, body, timeout=60)

    def token(self, user: str) -> str:
        status, body = self.api(
            "POST", f"/hub/api/users/{user}/tokens", body={"note": "test", "expires_in": 3600}
        )
        assert status in (200, 201), body
        return str(body["token"])

    def spawn(self, user: str) -> float:
        status, body = self.api("POST", f"/hub/api/users/{user}/server")
        assert status in (201, 202), (status, body)

        def ready() -> bool:
            model = self.api("GET", f"/hub/api/users/{user}")[1]
            return bool(model.get("servers", {}).get("", {}).get("ready"))

        return self.wait_for(ready, 120, f"{user}'s server")

    def kernel(self, user: str, token: str) -> Kernel:
        """A new kernel in ``user``'s server; run cells with :meth:`Kernel.run`."""
        from lessonkit.evidence.stores.service import request_json

        base = f"{self.public}/user/{user}/api/kernels"
        status, model = request_json("POST", base, token, {"name": "python3"}, timeout=60)
        assert status == 201, (status, model)
        return Kernel(self.public, user, token, str(model["id"]))

    def external_service(self) -> subprocess.Popen[bytes]:
        """``python -m lessonkit.hub`` started outside the hub as the service
        ``lessonkit-ext`` (the environment an external service sets itself), on the same
        configuration and database as the managed one."""
        port = self.ports["external"]
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.folder),
            "LESSONKIT_HUB_CONFIG": str(self.service_config),
            "JUPYTERHUB_API_TOKEN": EXT_TOKEN,
            "JUPYTERHUB_API_URL": f"http://127.0.0.1:{self.ports['hub']}/hub/api",
            "JUPYTERHUB_SERVICE_NAME": "lessonkit-ext",
            "JUPYTERHUB_SERVICE_PREFIX": "/services/lessonkit-ext/",
            "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
            "JUPYTERHUB_CLIENT_ID": "service-lessonkit-ext",
            "JUPYTERHUB_OAUTH_CALLBACK_URL": "/services/lessonkit-ext/oauth_callback",
            "JUPYTERHUB_BASE_URL": "/",
        }
        log = open(self.folder / "external.log", "wb")  # noqa: SIM115 - owned by the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "lessonkit.hub"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        path = "/services/lessonkit-ext/api/health"
        self.wait_for(lambda: self.api("GET", path)[0] == 200, 60, "the external service")
        return proc

    def service_pid(self) -> int:
        """The pid of the running lessonkit service process (a child of the hub)."""
        assert self.proc is not None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and b"lessonkit.hub" in cmdline:
                return int(entry.name)
        raise LookupError("the lessonkit service is not running")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Kernel:
    """A kernel of a single-user server, driven over its websocket through the proxy."""

    def __init__(self, public: str, user: str, token: str, kernel_id: str) -> None:
        self.public, self.user, self.token, self.id = public, user, token, kernel_id

    def run(self, code: str, timeout: float = 120) -> str:
        """Execute ``code``; its stdout (a kernel error raises ``AssertionError``).

        The websocket client runs on an event loop of its own in a worker thread: another
        test's synchronous Playwright may hold a running loop in this thread."""
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self._run(code, timeout)).result()

    def shutdown(self) -> None:
        from lessonkit.evidence.stores.service import request_json

        request_json("DELETE", f"{self.public}/user/{self.user}/api/kernels/{self.id}", self.token)

    async def _run(self, code: str, timeout: float) -> str:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = self.public.replace("http", "ws", 1)
        url += f"/user/{self.user}/api/kernels/{self.id}/channels"
        request = HTTPRequest(url, headers={"Authorization": f"token {self.token}"})
        ws = await websocket_connect(request)
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": self.user,
            "session": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "version": "5.3",
        }
        content = {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
        }
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        ws.write_message(json.dumps({**message, "channel": "shell"}))
        out: list[str] = []
        error = ""
        try:
            while True:
                raw = await asyncio.wait_for(ws.read_message(), timeout)
                if raw is None:
                    raise RuntimeError("the kernel websocket closed")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "stream" and msg["content"]["name"] == "stdout":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    error = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(msg["content"]["traceback"]))
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    break
        finally:
            ws.close()
            with contextlib.suppress(TimeoutError):  # let the close handshake finish
                while await asyncio.wait_for(ws.read_message(), 5) is not None:
                    pass
        if error:
            raise AssertionError(f"kernel error in {self.user}'s server:\n{error}")
        return "".join(out)
