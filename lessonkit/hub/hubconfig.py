"""Registering the course service in a ``jupyterhub_config.py``: :func:`add_lessonkit_service`.

In the hub's configuration file, after your own ``services``, ``load_roles`` and
``Spawner.environment`` settings::

    from lessonkit.hub.hubconfig import add_lessonkit_service
    add_lessonkit_service(c, config="/srv/lessonkit/lessonkit-hub.yaml",
                          public_url="https://hub.example.org/")

It registers the hub-managed service, lets every user's tokens and every single-user server's
token (a kernel's ``$JUPYTERHUB_API_TOKEN``) reach it, lets the service read the hub's groups,
and tells kernels where the service is (``LESSONKIT_STORE``). Works with JupyterHub 5.5 and 6.
This module imports nothing: ``c`` is the config object JupyterHub passes to the file.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["access_scope", "add_lessonkit_service", "add_lti_login"]


def access_scope(name: str = "lessonkit") -> str:
    """The scope a token needs to use the service called ``name``."""
    return f"access:services!service={name}"


def add_lessonkit_service(
    c: Any,
    *,
    config: str,
    public_url: str,
    port: int = 10101,
    python: str = sys.executable,
    name: str = "lessonkit",
) -> None:
    """Add the service ``name`` to the JupyterHub configuration ``c`` (see the module doc).

    Parameters
    ----------
    c
        The configuration object of ``jupyterhub_config.py``.
    config
        The service's configuration file (courses, database).
    public_url
        The hub's URL as kernels reach it (the proxy), e.g. ``https://hub.example.org/``.
    port
        The local port the service listens on.
    python
        The Python that runs the service (default: the hub's own).
    """
    scope = access_scope(name)
    c.JupyterHub.services.append(
        {
            "name": name,
            "url": f"http://127.0.0.1:{port}",
            "command": [python, "-m", "lessonkit.hub", "--config", config],
            "display": False,
            # an admin-configured course service: no "authorize access" page for the class view
            "oauth_no_confirm": True,
        }
    )
    # The role form works on JupyterHub 5.5 (Zero to JupyterHub 4.4) and 6.x alike. A server
    # token gets the intersection of what it requests and what its user holds, so both the
    # `user` and the `server` role must carry the access scope.
    server_scopes = ["users:activity!user", "access:servers!server", scope]
    c.JupyterHub.load_roles.extend(
        [
            {"name": "user", "scopes": ["self", scope]},
            {"name": "server", "scopes": server_scopes},
            {
                "name": f"{name}-service",
                "description": "lets the lessonkit service read course groups",
                "scopes": ["list:groups", "read:groups"],
                "services": [name],
            },
        ]
    )
    c.Spawner.server_token_scopes = server_scopes
    store = f"hub+{public_url.rstrip('/')}/services/{name}/"
    c.Spawner.environment.update({"LESSONKIT_STORE": store})


def add_lti_login(c: Any, *, config: str) -> None:
    """Log users in from an LMS (LTI 1.3) with :mod:`lessonkit.hub.lti_auth`.

    Call after :func:`add_lessonkit_service`. The platforms, the LMS courses and the key
    folder are in the service's configuration file ``config`` (its ``lti:`` section; see
    docs/lms.md). Course groups are then set at each launch (``Authenticator.manage_groups``),
    so ``JupyterHub.load_groups`` must stay empty.
    """
    c.JupyterHub.authenticator_class = "lessonkit.hub.lti_auth.LessonkitLTIAuthenticator"
    c.LessonkitLTIAuthenticator.lessonkit_config = config
    c.Authenticator.manage_groups = True
