"""Running the service: ``lessonkit hub serve`` and ``python -m lessonkit.hub``.

As a hub-managed service, JupyterHub passes everything through the environment
(``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_API_URL``, ``JUPYTERHUB_SERVICE_NAME``,
``JUPYTERHUB_SERVICE_URL``, ``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_CLIENT_ID``,
``JUPYTERHUB_OAUTH_CALLBACK_URL``); an external service (e.g. a Kubernetes Deployment) sets the
same variables itself. The service stops cleanly on SIGINT or SIGTERM (the hub stops managed
services with SIGINT, which a process started in the background may otherwise ignore).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any
from urllib.parse import urlsplit

from .app import make_app
from .base import Service
from .config import HubConfig
from .limits import DRAIN_BYTES
from .lrs import forwarder
from .lti_runtime import worker as lti_worker
from .serialize import COUNTS

__all__ = ["hub_service", "serve"]

log = logging.getLogger("lessonkit.hub")


def hub_service(config: HubConfig) -> Service:
    """The service authenticated by the JupyterHub this process was started for."""
    from .hubauth import ServiceAuth
    from .roles import GroupDirectory

    # 300 s: JupyterHub's own default. Every replica renews every active token once per period
    # (in the background), so the hub's work grows with learners x replicas / period.
    auth = ServiceAuth.instance(cache_max_age=300)
    directory = GroupDirectory(auth.api_url, auth.api_token, config.group_prefix)
    return Service(config, auth, directory)


async def run_service(service: Service, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set; forward to the LRS meanwhile."""
    app = make_app(service)
    # Bodies over the service's own limit are still read (and dropped) up to DRAIN_BYTES more,
    # so the handler can answer 413 in JSON rather than tornado dropping the connection.
    ceiling = service.config.limits.body_bytes + DRAIN_BYTES
    server = app.listen(port, host, xheaders=True, max_body_size=ceiling)
    task = asyncio.create_task(forwarder(service))
    lms = asyncio.create_task(lti_worker(service))  # grades to the LMS (docs/lms.md)
    log.info("lessonkit service listening on http://%s:%s", host, port)
    try:
        await stop.wait()
    finally:
        task.cancel()
        lms.cancel()
        server.stop()
        await server.close_all_connections()
        await asyncio.get_running_loop().run_in_executor(None, service.close)
        log.info(
            "answer checks: %d graded, %d recorded, %d graded for nothing (another replica "
            "recorded that attempt first)",
            *(COUNTS.get(name) for name in ("graded", "recorded", "discarded")),
        )


def serve(config: HubConfig, *, host: str | None = None, port: int | None = None) -> None:
    """Run the service in the foreground until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s %(name)s] %(message)s")
    bind = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    service = hub_service(config)  # opening the database upgrades its schema if needed
    if config.home_page:
        log.info("learners' account home page: %s", config.home_page)
    else:  # replicas, an LRS and pseudonyms agree only on a configured one
        log.warning(
            "learners' account home page: %s, derived from this process's environment; set "
            "home_page: to the hub's public URL in the configuration",
            service.ledger.home_page,
        )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await _check_directory(service)
        await run_service(
            service, host or bind.hostname or "127.0.0.1", port or bind.port or 10101, stop
        )

    asyncio.run(main())


async def _check_directory(service: Any) -> None:
    try:
        membership = await service.directory.membership()
    except Exception as exc:  # keep serving: the hub may be restarting; log why
        log.error("cannot read course groups from the hub: %s", exc)
        return
    for course in service.config.courses:
        log.info("course %s: %d learner(s)", course, len(membership.roster(course)))


def main(argv: list[str] | None = None) -> int:
    """``python -m lessonkit.hub``: parse ``--config/--ip/--port`` and serve."""
    import argparse

    from ..errors import LessonkitError
    from .config import load_config

    parser = argparse.ArgumentParser(prog="python -m lessonkit.hub", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        serve(config, host=args.ip, port=args.port)
    except LessonkitError as exc:  # a bad configuration, a database it cannot use
        print(f"lessonkit hub: error: {exc}", file=sys.stderr)
        return 1
    return 0


def add_arguments(parser: Any) -> None:
    """The options of ``serve``."""
    parser.add_argument(
        "--config", metavar="FILE", help="service configuration (default $LESSONKIT_HUB_CONFIG)"
    )
    parser.add_argument("--ip", help="address to bind (default: from $JUPYTERHUB_SERVICE_URL)")
    parser.add_argument("--port", type=int, help="port (default: from $JUPYTERHUB_SERVICE_URL)")
