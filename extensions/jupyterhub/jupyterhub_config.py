# lessonkit course service for JupyterHub (>= 5.5): load it from your jupyterhub_config.py,
# after your own `c.JupyterHub.services` / `load_roles` / `Spawner.environment` settings:
#
#     load_subconfig("/path/to/lessonkit_jupyterhub_config.py")
#
# (or call lessonkit.hub.hubconfig.add_lessonkit_service(c, ...) yourself, as below). It
# registers the hub-managed service `lessonkit`, lets every user's token and every single-user
# server token (what a kernel has as $JUPYTERHUB_API_TOKEN) reach it, lets the service read the
# hub's groups, and tells kernels where the service is. Settings come from the environment of
# the hub process:
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

from lessonkit.hub.hubconfig import add_lessonkit_service

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

add_lessonkit_service(
    c,
    config=os.environ["LESSONKIT_HUB_CONFIG"],
    public_url=os.environ.get("LESSONKIT_PUBLIC_URL", "http://127.0.0.1:8000/"),
    port=int(os.environ.get("LESSONKIT_SERVICE_PORT", "10101")),
    python=os.environ.get("LESSONKIT_PYTHON", sys.executable),
)
