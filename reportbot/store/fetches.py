"""The fetch log (per source: successes, failures and why, rows), the raw-file index and source conflicts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS fetch_log ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, started_at TEXT NOT NULL,"
    " finished_at TEXT NOT NULL, ok INTEGER NOT NULL, rows INTEGER NOT NULL DEFAULT 0,"
    " inserted INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,"
    " conflicts INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '', raw_dir TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS fetch_log_source ON fetch_log (source, id)",
    "CREATE TABLE IF NOT EXISTS raw_files ("
    " fetch_id INTEGER NOT NULL REFERENCES fetch_log (id), seq INTEGER NOT NULL, url TEXT NOT NULL,"
    " path TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (fetch_id, seq))",
    "CREATE TABLE IF NOT EXISTS source_conflicts ("
    " code TEXT NOT NULL, field TEXT NOT NULL, kept_value TEXT, kept_source TEXT NOT NULL,"
    " other_value TEXT, other_source TEXT NOT NULL, resolution TEXT NOT NULL, first_seen TEXT NOT NULL,"
    " PRIMARY KEY (code, field, kept_source, other_source, kept_value, other_value))",
    "CREATE TABLE IF NOT EXISTS field_sources ("
    " code TEXT NOT NULL, field TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (code, field))",
)

RESOLUTION_REPLACED = "replaced"  # the new source's value replaced the stored one
RESOLUTION_KEPT = "kept"  # the stored value was kept; the other source's value is only logged


@dataclass(frozen=True, kw_only=True)
class RawFile:
    """One raw response kept on disk."""

    url: str
    path: str
    sha256: str
    size: int


@dataclass(frozen=True, kw_only=True)
class FetchRecord:
    """One run of one source."""

    source: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    conflicts: int = 0
    error: str = ""
    raw_dir: str = ""
    id: int = 0  # assigned by the log


@dataclass(frozen=True, kw_only=True)
class Conflict:
    """Two sources disagree on one field of one record."""

    code: str
    field: str
    kept_value: str | None
    kept_source: str
    other_value: str | None
    other_source: str
    resolution: str
    first_seen: datetime


@dataclass(frozen=True, kw_only=True)
class SourceHealth:
    """What ``data status`` shows for one source."""

    source: str
    last_success: FetchRecord | None
    last_failure: FetchRecord | None
    runs: int
    conflicts: int


def record_fetch(conn: sqlite3.Connection, rec: FetchRecord, files: list[RawFile]) -> int:
    """Append a run (and its raw files) to the log; returns its id."""
    cur = conn.execute(
        "INSERT INTO fetch_log (source, started_at, finished_at, ok, rows, inserted, updated, conflicts, error,"
        " raw_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rec.source,
            rec.started_at.isoformat(),
            rec.finished_at.isoformat(),
            int(rec.ok),
            rec.rows,
            rec.inserted,
            rec.updated,
            rec.conflicts,
            rec.error,
            rec.raw_dir,
        ),
    )
    fetch_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO raw_files (fetch_id, seq, url, path, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?)",
        [(fetch_id, i, f.url, f.path, f.sha256, f.size) for i, f in enumerate(files)],
    )
    return fetch_id


def record_conflict(conn: sqlite3.Connection, conflict: Conflict) -> bool:
    """Log a disagreement once (the same pair of values seen again adds nothing); True when new."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO source_conflicts (code, field, kept_value, kept_source, other_value, other_source,"
        " resolution, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conflict.code,
            conflict.field,
            conflict.kept_value,
            conflict.kept_source,
            conflict.other_value,
            conflict.other_source,
            conflict.resolution,
            conflict.first_seen.isoformat(),
        ),
    )
    return cur.rowcount > 0


def field_source(conn: sqlite3.Connection, code: str, field: str) -> str | None:
    """The source that last set ``field`` of ``code`` (None: set by the bundled load)."""
    row = conn.execute("SELECT source FROM field_sources WHERE code = ? AND field = ?", (code, field)).fetchone()
    return None if row is None else str(row[0])


def set_field_source(conn: sqlite3.Connection, code: str, field: str, source: str) -> None:
    """Remember which source set a field."""
    conn.execute(
        "INSERT INTO field_sources (code, field, source) VALUES (?, ?, ?)"
        " ON CONFLICT(code, field) DO UPDATE SET source = excluded.source",
        (code, field, source),
    )


def rename_code(conn: sqlite3.Connection, old: str, new: str) -> None:
    """Follow a re-keyed record (legacy code → 920 code) in the provenance table."""
    conn.execute("UPDATE field_sources SET code = ? WHERE code = ?", (new, old))


def list_conflicts(conn: sqlite3.Connection, limit: int = 20) -> list[Conflict]:
    """The most recent conflicts first."""
    rows = conn.execute(
        "SELECT * FROM source_conflicts ORDER BY first_seen DESC, code, field LIMIT ?", (limit,)
    ).fetchall()
    return [
        Conflict(
            code=r["code"],
            field=r["field"],
            kept_value=r["kept_value"],
            kept_source=r["kept_source"],
            other_value=r["other_value"],
            other_source=r["other_source"],
            resolution=r["resolution"],
            first_seen=datetime.fromisoformat(r["first_seen"]),
        )
        for r in rows
    ]


def count_conflicts(conn: sqlite3.Connection, source: str | None = None) -> int:
    """Logged conflicts (involving ``source`` when given)."""
    if source is None:
        return int(conn.execute("SELECT COUNT(*) FROM source_conflicts").fetchone()[0])
    sql = "SELECT COUNT(*) FROM source_conflicts WHERE kept_source = ? OR other_source = ?"
    return int(conn.execute(sql, (source, source)).fetchone()[0])


def source_health(conn: sqlite3.Connection, source: str) -> SourceHealth:
    """Last success, last failure and run count of one source."""
    runs = int(conn.execute("SELECT COUNT(*) FROM fetch_log WHERE source = ?", (source,)).fetchone()[0])
    return SourceHealth(
        source=source,
        last_success=_last(conn, source, ok=True),
        last_failure=_last(conn, source, ok=False),
        runs=runs,
        conflicts=count_conflicts(conn, source),
    )


def raw_files(conn: sqlite3.Connection, fetch_id: int) -> list[RawFile]:
    """The raw files kept for one fetch."""
    rows = conn.execute("SELECT * FROM raw_files WHERE fetch_id = ? ORDER BY seq", (fetch_id,))
    return [RawFile(url=r["url"], path=r["path"], sha256=r["sha256"], size=int(r["bytes"])) for r in rows]


def _last(conn: sqlite3.Connection, source: str, *, ok: bool) -> FetchRecord | None:
    row = conn.execute(
        "SELECT * FROM fetch_log WHERE source = ? AND ok = ? ORDER BY id DESC LIMIT 1", (source, int(ok))
    ).fetchone()
    if row is None:
        return None
    return FetchRecord(
        source=row["source"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=datetime.fromisoformat(row["finished_at"]),
        ok=bool(row["ok"]),
        rows=int(row["rows"]),
        inserted=int(row["inserted"]),
        updated=int(row["updated"]),
        conflicts=int(row["conflicts"]),
        error=row["error"],
        raw_dir=row["raw_dir"],
        id=int(row["id"]),
    )


def source_rows(conn: sqlite3.Connection, source: str) -> int:
    """Records currently holding at least one value from ``source`` (IPOs and every market table)."""
    sql = (
        "SELECT (SELECT COUNT(DISTINCT code) FROM field_sources WHERE source = :s)"
        " + (SELECT COUNT(*) FROM index_daily WHERE source = :s)"
        " + (SELECT COUNT(*) FROM margin_daily WHERE source = :s)"
        " + (SELECT COUNT(*) FROM market_daily WHERE source = :s)"
        " + (SELECT COUNT(*) FROM stock_snapshots WHERE source = :s)"
        " + (SELECT COUNT(*) FROM listed_companies WHERE source = :s)"
        " + (SELECT COUNT(*) FROM review_states WHERE source = :s)"
    )
    return int(conn.execute(sql, {"s": source}).fetchone()[0])
