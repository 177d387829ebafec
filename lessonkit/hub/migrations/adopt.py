"""Checking tables a revision adopts: a table that already existed must be the one it declares.

A revision that creates tables ``IF NOT EXISTS`` also accepts a table of the same name made
some other way (an earlier build's ``create_all``, or by hand). :func:`check_adopted` compares
such tables with the revision's own layout, with Alembic's comparison (columns, types,
nullability, unique constraints, indexes) and the primary keys, and raises
:class:`~lessonkit.hub.schema.SchemaError` listing what differs, so the upgrade rolls back
instead of recording a revision the tables do not have. An extra non-unique index is allowed:
it changes no answer, and an administrator may have added it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from lessonkit.hub.schema import VERSION_TABLE, SchemaError

__all__ = ["check_adopted", "differences"]


def differences(conn: sa.Connection, expected: sa.MetaData, tables: Sequence[str]) -> list[str]:
    """What differs between ``tables`` in the database and in ``expected``, in words."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    wanted = set(tables)

    def include(name: Any, kind: str, parent: Any) -> bool:
        return kind != "table" or name in wanted

    context = MigrationContext.configure(
        conn,
        opts={"compare_type": True, "include_name": include, "version_table": VERSION_TABLE},
    )
    found = [_describe(d) for d in compare_metadata(context, expected)]
    inspector = sa.inspect(conn)
    for name in sorted(wanted):
        want = [c.name for c in expected.tables[name].primary_key.columns]
        have = inspector.get_pk_constraint(name)["constrained_columns"]
        if sorted(have) != sorted(want):
            found.append(f"{name}: primary key ({', '.join(have)}), not ({', '.join(want)})")
    return [d for d in found if d]


def check_adopted(conn: sa.Connection, expected: sa.MetaData, tables: Sequence[str]) -> None:
    """Raise :class:`SchemaError` if an adopted table differs from what the revision declares."""
    if not tables:
        return
    found = differences(conn, expected, tables)
    if found:
        raise SchemaError(
            "the database already holds table(s) "
            f"{', '.join(tables)}, but not as lessonkit declares them: "
            + "; ".join(found)
            + ". Nothing was changed. Rename or drop the tables that differ (after a backup) "
            "and upgrade again; lessonkit then creates them anew."
        )


def _describe(diff: Any) -> str:
    """One difference of Alembic's ``compare_metadata``, in words ("" for one allowed)."""
    if isinstance(diff, list):  # column changes come as a list of (op, schema, table, ...)
        kind, _schema, table, column, _kw, have, want = diff[0]
        what = "type" if kind == "modify_type" else kind.removeprefix("modify_")
        if kind == "modify_nullable":
            have = "NULL allowed" if have else "NOT NULL"
            want = "NULL allowed" if want else "NOT NULL"
        return f"{table}.{column}: {what} {have}, not {want}"
    kind, *rest = diff
    if kind in {"add_column", "remove_column"}:
        _schema, table, column = rest
        where = "lacks" if kind == "add_column" else "has an undeclared"
        return f"{table} {where} column {column.name}"
    if kind in {"add_index", "remove_index", "add_constraint", "remove_constraint"}:
        item = rest[0]
        unique = bool(getattr(item, "unique", False)) or isinstance(item, sa.UniqueConstraint)
        if kind == "remove_index" and not unique:
            return ""  # an extra plain index changes no answer
        where = "lacks" if kind.startswith("add") else "has an undeclared"
        label = "unique constraint" if unique else "index"
        columns = ", ".join(c.name for c in item.columns)
        return f"{item.table.name} {where} {label} {item.name} ({columns})"
    return f"{kind}: {rest}"
