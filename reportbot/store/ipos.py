"""The ``ipos`` table (one row per IPO, keyed on the current trading code) and ``datasets``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportbot.domain import IPO_FIELDS, IPO_NUMBER_FIELDS, DatasetInfo, Ipo, ipo_from_mapping
from reportbot.kinds import Segment


def _sql_type(name: str) -> str:
    if name in ("code", "name", "segment"):
        return "TEXT NOT NULL"
    return "REAL" if name in IPO_NUMBER_FIELDS else "TEXT"


SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS ipos ("
    + ", ".join(f"{name} {_sql_type(name)}" for name in IPO_FIELDS)
    + ", updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, PRIMARY KEY (code))",
    "CREATE INDEX IF NOT EXISTS ipos_apply_date ON ipos (apply_date)",
    "CREATE INDEX IF NOT EXISTS ipos_listing_date ON ipos (listing_date)",
    "CREATE TABLE IF NOT EXISTS datasets ("
    " source TEXT PRIMARY KEY, as_of TEXT, loaded_at TEXT NOT NULL, rows INTEGER NOT NULL,"
    " checksum TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '')",
)


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        """Rows inserted or updated."""
        return self.inserted + self.updated


def to_row(ipo: Ipo) -> dict[str, Any]:
    """Stored representation: dates as ISO text, numbers as floats, None as NULL."""
    row: dict[str, Any] = {}
    for name in IPO_FIELDS:
        value = getattr(ipo, name)
        row[name] = value.isoformat() if isinstance(value, date) else value
    return row


def upsert_ipos(conn: sqlite3.Connection, ipos: Iterable[Ipo], *, source: str, now: datetime) -> UpsertResult:
    """Insert new IPOs and update changed ones; a value of None never erases a stored value.

    Call inside :func:`reportbot.store.db.transaction` to make a batch atomic.
    """
    inserted = updated = unchanged = 0
    for ipo in ipos:
        new = to_row(ipo)
        old = conn.execute("SELECT * FROM ipos WHERE code = ?", (ipo.code,)).fetchone()
        if old is None:
            insert_row(conn, new, source=source, now=now)
            inserted += 1
            continue
        changes = {k: v for k, v in new.items() if v is not None and old[k] != v}
        if not changes:
            unchanged += 1
            continue
        update_row(conn, ipo.code, changes, source=source, now=now)
        updated += 1
    return UpsertResult(inserted, updated, unchanged)


def insert_row(conn: sqlite3.Connection, row: dict[str, Any], *, source: str, now: datetime) -> None:
    """Insert one stored-form IPO row (missing fields are NULL), stamped with its source and time."""
    cols = [*IPO_FIELDS, "updated_at", "updated_by"]
    values = [row.get(c) for c in IPO_FIELDS] + [now.isoformat(), source]
    conn.execute(f"INSERT INTO ipos ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)


def update_row(conn: sqlite3.Connection, code: str, changes: dict[str, Any], *, source: str, now: datetime) -> None:
    """Set ``changes`` on the row ``code``, stamped with the source and time of the change."""
    sets = ", ".join(f"{k} = ?" for k in changes)
    conn.execute(
        f"UPDATE ipos SET {sets}, updated_at = ?, updated_by = ? WHERE code = ?",
        [*changes.values(), now.isoformat(), source, code],
    )


def list_ipos(conn: sqlite3.Connection, *, segment: Segment | None = Segment.BSE) -> list[Ipo]:
    """All stored IPOs of a segment (None for all), ordered by apply date then listing date."""
    sql = "SELECT * FROM ipos"
    args: tuple[Any, ...] = ()
    if segment is not None:
        sql += " WHERE segment = ?"
        args = (segment,)
    sql += " ORDER BY COALESCE(apply_date, listing_date), listing_date, code"
    return [ipo_from_mapping(dict(r)) for r in conn.execute(sql, args)]


def get_ipo(conn: sqlite3.Connection, code: str) -> Ipo | None:
    """One IPO by current or legacy code."""
    row = conn.execute("SELECT * FROM ipos WHERE code = ? OR legacy_code = ? LIMIT 1", (code, code)).fetchone()
    return ipo_from_mapping(dict(row)) if row else None


def field_coverage(conn: sqlite3.Connection, *, segment: Segment = Segment.BSE) -> dict[str, int]:
    """Non-null count per IPO field within a segment."""
    exprs = ", ".join(f"COUNT({name}) AS {name}" for name in IPO_FIELDS)
    row = conn.execute(f"SELECT {exprs} FROM ipos WHERE segment = ?", (segment,)).fetchone()
    return {name: int(row[name]) for name in IPO_FIELDS}


def record_dataset(conn: sqlite3.Connection, info: DatasetInfo, checksum: str = "") -> None:
    """Remember where a dataset came from and when it was loaded."""
    conn.execute(
        "INSERT INTO datasets (source, as_of, loaded_at, rows, checksum, note) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(source) DO UPDATE SET as_of = excluded.as_of, loaded_at = excluded.loaded_at,"
        " rows = excluded.rows, checksum = excluded.checksum, note = excluded.note",
        (
            info.source,
            info.as_of.isoformat() if info.as_of else None,
            info.loaded_at.isoformat(),
            info.rows,
            checksum,
            info.note,
        ),
    )


def dataset_checksum(conn: sqlite3.Connection, source: str) -> str | None:
    """The checksum recorded for ``source``, or None when it was never loaded."""
    row = conn.execute("SELECT checksum FROM datasets WHERE source = ?", (source,)).fetchone()
    return None if row is None else str(row[0])


def list_datasets(conn: sqlite3.Connection) -> list[DatasetInfo]:
    """Every recorded dataset, newest as-of first."""
    rows = conn.execute("SELECT * FROM datasets ORDER BY as_of DESC").fetchall()
    return [
        DatasetInfo(
            source=r["source"],
            as_of=date.fromisoformat(r["as_of"]) if r["as_of"] else None,
            loaded_at=datetime.fromisoformat(r["loaded_at"]),
            rows=int(r["rows"]),
            note=r["note"],
        )
        for r in rows
    ]
