"""Several replicas of the course service behind a real load balancer, under a real hub.

What a Kubernetes Deployment with a Service in front does, on one machine: ``count`` processes
of ``python -m lessonkit.hub`` (the external service ``lessonkit-ext`` of
:class:`~tests.hub.hubrun.TestHub`, all with the same token and configuration, on one
PostgreSQL), each on a port of its own, and HAProxy (Debian's ``haproxy``) listening on the
address the hub knows the service by, spreading requests over the replicas that answer its
health checks. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .harness import free_port
from .hubrun import EXT_TOKEN, TestHub

__all__ = ["Balancer", "Replicas", "find_haproxy"]

PREFIX = "/services/lessonkit-ext/"

HAPROXY_CONFIG = """
global
    maxconn 4000
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout http-keep-alive 30s
    option http-keep-alive
frontend lessonkit
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    http-reuse safe
    option httpchk GET {prefix}api/health
    default-server check inter 2s fall 2 rise 1 maxconn 200
{servers}
"""


def find_haproxy() -> str | None:
    """Debian's ``haproxy`` (./dev.sh installs it), or ``None``."""
    return shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )


class Balancer:
    """HAProxy on ``127.0.0.1:port`` in front of the given backend ports."""

    def __init__(self, folder: Path, port: int, backends: list[int]) -> None:
        self.folder, self.port, self.backends = folder, port, backends
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, binary: str) -> Balancer:
        servers = "\n".join(
            f"    server r{i} 127.0.0.1:{port}" for i, port in enumerate(self.backends)
        )
        config = self.folder / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(port=self.port, prefix=PREFIX, servers=servers),
            encoding="utf-8",
        )
        subprocess.run([binary, "-c", "-q", "-f", str(config)], check=True)
        log = open(self.folder / "haproxy.log", "wb")  # noqa: SIM115 - owned by the process
        # -db: stay in the foreground (no daemon), so stopping this process stops HAProxy
        self.proc = subprocess.Popen(
            [binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        _wait_port(self.port, self.proc)
        return self

    def stop(self) -> None:
        _stop(self.proc)


class Replicas:
    """``count`` processes of the service, as the external service of ``hub``."""

    def __init__(self, hub: TestHub, count: int, *, python: str = sys.executable) -> None:
        self.hub, self.count, self.python = hub, count, python
        self.ports = [free_port() for _ in range(count)]
        self.procs: list[subprocess.Popen[bytes]] = []

    def logs(self) -> list[Path]:
        """Each replica's log file."""
        return [self.hub.folder / f"replica-{port}.log" for port in self.ports]

    def start(self) -> Replicas:
        for port, log_path in zip(self.ports, self.logs(), strict=True):
            env = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(self.hub.folder),
                "LESSONKIT_HOME": str(self.hub.folder / "lessonkit-home"),
                "LESSONKIT_HUB_CONFIG": str(self.hub.service_config),
                "JUPYTERHUB_API_TOKEN": EXT_TOKEN,
                "JUPYTERHUB_API_URL": f"http://127.0.0.1:{self.hub.ports['hub']}/hub/api",
                "JUPYTERHUB_SERVICE_NAME": "lessonkit-ext",
                "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
                "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
                "JUPYTERHUB_CLIENT_ID": "service-lessonkit-ext",
                "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback",
                "JUPYTERHUB_BASE_URL": "/",
            }
            log = open(log_path, "wb")  # noqa: SIM115 - owned by the process
            self.procs.append(
                subprocess.Popen(
                    [self.python, "-m", "lessonkit.hub"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        for port, proc in zip(self.ports, self.procs, strict=True):
            _wait_port(port, proc, timeout=90)
        return self

    def pids(self) -> list[int]:
        """The replicas' process ids."""
        return [proc.pid for proc in self.procs]

    def stop(self) -> None:
        """Stop every replica (SIGTERM: each finishes and logs its counts)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited ({proc.returncode})")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")
