"""Sub-commands of the ``lessonkit`` CLI, one module each.

Layer: the top; may import every other layer (integrations, analytics, widgets lazily).

Each module defines ``register(subparsers) -> None`` (adds its parser and sets
``func=run`` as a default) and ``run(args) -> int`` (the exit code). The CLI discovers the
modules in this package, so a new command is a new file; a module whose name starts with
``_`` is a helper of the commands, not a command.
"""
