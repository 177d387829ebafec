# The Jupyter server's configuration on Binder (binder/postBuild links it into ~/.jupyter/).
#
# Binder's own Voilà link (/voila/render/...) runs Voilà inside the Jupyter server, where
# Voilà 0.5 starts a kernel for each page and cannot preheat one. This serves the loops lesson
# with `lessonkit serve --preheat 2` instead, at /lessonkit/ under the user's server
# (jupyter-server-proxy starts it on first visit and passes the whole path on, so Voilà's
# routes and the addresses in its pages carry the same prefix). Its readiness probe asks for
# the server's root, outside that prefix: the answer is a cheap 404, never a page that would
# use up a preheated kernel.
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]  # the link in ~/.jupyter/ resolves to binder/

c = get_config()  # noqa: F821 - provided by the Jupyter config loader

c.ServerProxy.servers = {
    "lessonkit": {
        "command": [
            "lessonkit",
            "serve",
            str(REPO / "lessons" / "loops"),
            "--port={port}",
            "--ip=127.0.0.1",
            "--base-url={base_url}lessonkit/",
            "--preheat=2",
            "--no-browser",
        ],
        "absolute_url": True,
        "timeout": 120,  # first start: lessonkit validates the lesson and compiles its schema
        "launcher_entry": {"title": "Loops lesson (Voilà, preheated)"},
        "new_browser_tab": True,
    }
}
