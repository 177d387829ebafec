"""Alembic's entry point: run the migrations on the connection or dialect
:mod:`lessonkit.hub.schema` passes in ``config.attributes`` (no ``alembic.ini``)."""

from __future__ import annotations

from alembic import context

from lessonkit.hub.schema import VERSION_TABLE

config = context.config
if context.is_offline_mode():  # --sql: print the statements instead of running them
    context.configure(
        dialect_name=config.attributes["dialect"],
        literal_binds=True,
        version_table=VERSION_TABLE,
        output_buffer=config.attributes["output"],
    )
else:  # a connection already inside the transaction that holds the migration lock
    context.configure(connection=config.attributes["connection"], version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
