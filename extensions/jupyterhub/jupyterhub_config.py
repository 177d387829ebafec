# lessonkit course service for JupyterHub (>= 5.5): load it from your jupyterhub_config.py,
# after your own `c.JupyterHub.services` / `load_roles` / `Spawner.environment` settings:
#
#     load_subconfig("/path/to/lessonkit_jupyterhub_config.py")
#
# It registers the hub-managed service `lessonkit`, lets every user's token and every
# single-user server token (what a kernel has as $JUPYTERHUB_API_TOKEN) reach it, lets the
# service read the hub's groups, and tells kernels where the service is. Settings come from
# the environment of the hub process:
#
#   LESSONKIT_HUB_CONFIG   the service's configuration file (courses, database)  [required]
#   LESSONKIT_PUBLIC_URL   the hub's URL as kernels reach it (default http://127.0.0.1:8000/)
#   LESSONKIT_SERVICE_PORT the port the service listens on (default 10101)
#   LESSONKIT_PYTHON       the Python that runs the service (default: the hub's own)
#
# Courses are hub groups: `lessonkit-<course>` (learners), `lessonkit-<course>-instructors`,
# `lessonkit-<course>-observers`. See docs/jupyterhub.md.
import os
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

_SCOPE = "access:services!service=lessonkit"
_PORT = int(os.environ.get("LESSONKIT_SERVICE_PORT", "10101"))
_PUBLIC = os.environ.get("LESSONKIT_PUBLIC_URL", "http://127.0.0.1:8000/").rstrip("/") + "/"

c.JupyterHub.services.append(
    {
        "name": "lessonkit",
        "url": f"http://127.0.0.1:{_PORT}",
        "command": [
            os.environ.get("LESSONKIT_PYTHON", sys.executable),
            "-m",
            "lessonkit.hub",
            "--config",
            os.environ["LESSONKIT_HUB_CONFIG"],
        ],
        "display": False,
        # an admin-configured course service: no "authorize access" page before the class view
        "oauth_no_confirm": True,
    }
)
# The role form works on JupyterHub 5.5 (Zero to JupyterHub 4.4) and 6.x alike. A server
# token gets the intersection of what it requests and what its user holds, so both the
# `user` and the `server` role must carry the access scope.
c.JupyterHub.load_roles.extend(
    [
        {"name": "user", "scopes": ["self", _SCOPE]},
        {"name": "server", "scopes": ["users:activity!user", "access:servers!server", _SCOPE]},
        {
            "name": "lessonkit-service",
            "description": "lets the lessonkit service read course groups",
            "scopes": ["list:groups", "read:groups"],
            "services": ["lessonkit"],
        },
    ]
)
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", _SCOPE]
c.Spawner.environment.update({"LESSONKIT_STORE": f"hub+{_PUBLIC}services/lessonkit/"})
