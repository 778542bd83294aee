"""Frozen records to keyed table rows and back: a record's fields are its table's columns.

Dates are stored as ISO text and read back as dates; every other value is stored as it is. A table may
add a ``source`` column the record does not carry (who wrote the row).
"""

from __future__ import annotations

import dataclasses
import sqlite3
import typing
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from reportbot.store.ipos import UpsertResult

R = TypeVar("R")


def upsert_row(conn: sqlite3.Connection, table: str, keys: Mapping[str, Any], values: Mapping[str, Any]) -> int:
    """Insert or update one row of a keyed table: 0 inserted, 1 updated, 2 unchanged."""
    where = " AND ".join(f"{k} = ?" for k in keys)
    old = conn.execute(f"SELECT * FROM {table} WHERE {where}", list(keys.values())).fetchone()
    if old is None:
        cols = [*keys, *values]
        conn.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [*keys.values(), *values.values()],
        )
        return 0
    if all(old[k] == v for k, v in values.items()):
        return 2
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*values.values(), *keys.values()])
    return 1


def upsert_records(
    conn: sqlite3.Connection, table: str, records: Iterable[Any], *, keys: tuple[str, ...], source: str | None = None
) -> UpsertResult:
    """Insert new records and revise changed ones, keyed on the ``keys`` fields (call inside a transaction).

    ``source``, when given, fills the table's ``source`` column of every row written.
    """
    counts = [0, 0, 0]
    for record in records:
        row = {f.name: _stored(getattr(record, f.name)) for f in dataclasses.fields(record)}
        if source is not None:
            row["source"] = source
        key = {k: row.pop(k) for k in keys}
        counts[upsert_row(conn, table, key, row)] += 1
    return UpsertResult(*counts)


def read_records(cls: type[R], rows: Iterable[sqlite3.Row]) -> list[R]:
    """One ``cls`` record per row, from the columns named as its fields (ISO text back to dates)."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    dates = {name for name in names if date in (hints[name], *typing.get_args(hints[name]))}
    return [cls(**{name: _date(row[name]) if name in dates else row[name] for name in names}) for row in rows]


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
