"""``python -m lessonkit.hub [--config FILE] [--ip IP] [--port N]``: the course service."""

from __future__ import annotations

import sys

from .serve import main

if __name__ == "__main__":
    sys.exit(main())
