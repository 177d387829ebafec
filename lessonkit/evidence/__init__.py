"""Evidence: learner events as xAPI 1.0.3 statements, the stores that keep them, and frames.

Layer: imports only ``lessonkit.errors`` (pandas and SQLAlchemy lazily); the engine emits
:class:`Event` s defined here and hands statements to a store's ``append``.

>>> from lessonkit.evidence import event_to_statement, statement_to_event  # doctest: +SKIP
>>> statement = event_to_statement(event)                                  # doctest: +SKIP
>>> statement_to_event(statement) == event                                 # doctest: +SKIP
True

See ``docs/evidence.md`` for the statement shape of every event kind.
"""

from __future__ import annotations

from .frame import FRAME_COLUMNS, statements_to_frame
from .index import StatementIndex, index_statement
from .statements import (
    ACTIVITY_TYPES,
    DEFAULT_BASE_IRI,
    EXT,
    VERBS,
    XAPI_VERSION,
    event_to_statement,
    format_timestamp,
    parse_timestamp,
    statement_id,
    statement_to_event,
)

__all__ = [
    "ACTIVITY_TYPES",
    "DEFAULT_BASE_IRI",
    "EXT",
    "FRAME_COLUMNS",
    "VERBS",
    "XAPI_VERSION",
    "StatementIndex",
    "event_to_statement",
    "format_timestamp",
    "index_statement",
    "parse_timestamp",
    "statement_id",
    "statement_to_event",
    "statements_to_frame",
]
