"""The delivery ledger: one row per channel × recipient × item (IPOs of one event, or a report) × event.

A row is planned ``pending`` with its event's deadline and ends ``sent``, ``failed`` (with the reason and
whether a retry may help) or ``in_doubt``: the request may have reached the recipient (a read timeout, a
reset after the request was sent, a process killed with it on the wire), so it is never resent
automatically. A row is committed ``sending`` right before each request leaves; one still ``sending``
after a restart is in doubt at that part, any other is sent again from its ``parts_sent``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reportbot.kinds import Channel, DeliveryStatus, Event

IN_DOUBT_REASON = "in doubt: the process stopped while this part was being sent; not resent to avoid a duplicate"

_COLUMNS = (
    " id INTEGER PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL, item TEXT NOT NULL,"
    " event TEXT NOT NULL, event_date TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'in_doubt')),"
    " retryable INTEGER NOT NULL DEFAULT 0, deadline TEXT NOT NULL DEFAULT '', run_id INTEGER NOT NULL DEFAULT 0,"
    " parts_total INTEGER NOT NULL DEFAULT 0, parts_sent INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (channel, recipient, item, event)"
)
SCHEMA: tuple[str, ...] = (
    f"CREATE TABLE IF NOT EXISTS deliveries ({_COLUMNS})",
    "CREATE TABLE IF NOT EXISTS delivery_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, events TEXT NOT NULL,"
    " as_of TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, pid INTEGER NOT NULL DEFAULT 0,"
    " summary TEXT NOT NULL DEFAULT '')",
)
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, event_date)",
    "CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event_date, event)",
    "CREATE INDEX IF NOT EXISTS deliveries_run ON deliveries (run_id, status)",
    "CREATE INDEX IF NOT EXISTS deliveries_updated ON deliveries (updated_at)",
)
_OLD_COLUMNS = (
    "id, channel, recipient, item, event, event_date, parts_total, parts_sent, attempts, reason, created_at, updated_at"
)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a ledger of an earlier version to this schema (idempotent; call inside the schema transaction).

    The earlier table allowed no ``in_doubt`` status (SQLite cannot change a CHECK constraint), so it is
    rebuilt; rows it had settled as sent "in doubt" become ``in_doubt``.
    """
    columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(deliveries)")}
    if "deadline" not in columns:
        conn.execute(f"CREATE TABLE deliveries_v2 ({_COLUMNS})")
        conn.execute(
            f"INSERT INTO deliveries_v2 ({_OLD_COLUMNS}, status) SELECT {_OLD_COLUMNS},"
            " CASE WHEN status = 'sent' AND reason LIKE 'in doubt:%' THEN 'in_doubt' ELSE status END FROM deliveries"
        )
        conn.execute("DROP TABLE deliveries")
        conn.execute("ALTER TABLE deliveries_v2 RENAME TO deliveries")
    for statement in _INDEXES:
        conn.execute(statement)


@dataclass(frozen=True, kw_only=True)
class PlannedDelivery:
    """A delivery to plan (``deadline``: after it the delivery is expired instead of sent late)."""

    channel: Channel
    recipient: str
    item: str
    event: Event
    event_date: date
    deadline: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class LedgerRow:
    """One stored delivery."""

    id: int
    channel: Channel
    recipient: str
    item: str
    event: Event
    event_date: date
    status: DeliveryStatus
    parts_total: int
    parts_sent: int
    attempts: int
    reason: str
    retryable: bool = False
    deadline: datetime | None = None
    run_id: int = 0


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


def _from_row(row: sqlite3.Row) -> LedgerRow:
    return LedgerRow(
        id=int(row["id"]),
        channel=Channel(row["channel"]),
        recipient=str(row["recipient"]),
        item=str(row["item"]),
        event=Event(row["event"]),
        event_date=date.fromisoformat(row["event_date"]),
        status=DeliveryStatus(row["status"]),
        parts_total=int(row["parts_total"]),
        parts_sent=int(row["parts_sent"]),
        attempts=int(row["attempts"]),
        reason=str(row["reason"]),
        retryable=bool(row["retryable"]),
        deadline=datetime.fromisoformat(row["deadline"]) if row["deadline"] else None,
        run_id=int(row["run_id"]),
    )


def plan(conn: sqlite3.Connection, deliveries: Iterable[PlannedDelivery], *, now: datetime) -> int:
    """Insert pending rows for deliveries not planned before; returns how many were new."""
    stamp = _iso(now)
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO deliveries (channel, recipient, item, event, event_date, deadline, status,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        (
            (d.channel, d.recipient, d.item, d.event, d.event_date.isoformat(), _iso(d.deadline), stamp, stamp)
            for d in deliveries
        ),
    )
    return conn.total_changes - before


def start_run(conn: sqlite3.Connection, events: Sequence[Event], as_of: date, *, now: datetime) -> int:
    """Record a delivery run; returns its number (shown to the operator, used by ``alerts resend``)."""
    cur = conn.execute(
        "INSERT INTO delivery_runs (events, as_of, started_at, pid) VALUES (?, ?, ?, ?)",
        (",".join(events), as_of.isoformat(), _iso(now), os.getpid()),
    )
    return int(cur.lastrowid or 0)


def finish_run(conn: sqlite3.Connection, run_id: int, summary: str, *, now: datetime) -> None:
    """Record the end of a delivery run with its one-line result."""
    conn.execute("UPDATE delivery_runs SET finished_at = ?, summary = ? WHERE id = ?", (_iso(now), summary, run_id))


def claim(conn: sqlite3.Connection, row_ids: Sequence[int], run_id: int) -> None:
    """Mark rows as handled by ``run_id`` (so its in-doubt and failed rows can be listed and resent)."""
    conn.executemany("UPDATE deliveries SET run_id = ? WHERE id = ?", ((run_id, i) for i in row_ids))


_OPEN = "status IN ('pending', 'failed') AND (status = 'pending' OR retryable = 1)"  # may still be sent


def _select(conn: sqlite3.Connection, where: str, args: Sequence[object]) -> list[LedgerRow]:
    return [_from_row(r) for r in conn.execute(f"SELECT * FROM deliveries WHERE {where} ORDER BY id", args)]


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def sendable(conn: sqlite3.Connection, events: Sequence[Event], *, now: datetime) -> list[LedgerRow]:
    """Rows of ``events`` still timely (deadline after ``now``) to send: pending, and retryable failures."""
    where = f"{_OPEN} AND event IN ({_marks(events)}) AND (deadline = '' OR deadline > ?)"
    return _select(conn, where, (*events, _iso(now)))


def expirable(conn: sqlite3.Connection, events: Sequence[Event], *, now: datetime) -> list[LedgerRow]:
    """Pending and retryable rows of ``events`` whose deadline has passed."""
    return _select(
        conn, f"{_OPEN} AND event IN ({_marks(events)}) AND deadline != '' AND deadline <= ?", (*events, _iso(now))
    )


def expire(conn: sqlite3.Connection, events: Sequence[Event], *, now: datetime) -> list[LedgerRow]:
    """Give up on the :func:`expirable` rows; returns them as they were."""
    rows = expirable(conn, events, now=now)
    conn.executemany(
        "UPDATE deliveries SET status = 'failed', retryable = 0, reason = ?, updated_at = ? WHERE id = ?",
        (
            (f"expired: not delivered before {r.deadline:%Y-%m-%d %H:%M} ({r.reason or 'never sent'})", _iso(now), r.id)
            for r in rows
            if r.deadline is not None
        ),
    )
    return rows


def by_run(conn: sqlite3.Connection, run_id: int, status: DeliveryStatus) -> list[LedgerRow]:
    """Rows of one delivery run in ``status`` (indexed)."""
    return _select(conn, "run_id = ? AND status = ?", (run_id, status))


def problems(conn: sqlite3.Connection, *, since: datetime, limit: int = 50) -> list[LedgerRow]:
    """Failed and in-doubt rows updated since ``since`` (newest first), for ``status``."""
    sql = (
        "SELECT * FROM deliveries WHERE status IN ('failed', 'in_doubt') AND updated_at >= ?"
        " ORDER BY updated_at DESC, id DESC LIMIT ?"
    )
    return [_from_row(r) for r in conn.execute(sql, (_iso(since), limit))]


def delivered_keys(conn: sqlite3.Connection, event_date: date, events: Sequence[Event]) -> set[tuple[str, ...]]:
    """(channel, recipient, event) already sent, sending or in doubt on one event date (indexed; dry runs)."""
    sql = (
        f"SELECT channel, recipient, event FROM deliveries WHERE event_date = ? AND event IN ({_marks(events)})"
        " AND status IN ('sent', 'in_doubt', 'sending')"
    )
    return {tuple(map(str, r)) for r in conn.execute(sql, (event_date.isoformat(), *events))}


def prune(conn: sqlite3.Connection, before: datetime) -> int:
    """Delete finished rows (sent, failed, in doubt) last updated before ``before``; returns how many."""
    cur = conn.execute(
        "DELETE FROM deliveries WHERE status IN ('sent', 'failed', 'in_doubt') AND updated_at < ?", (_iso(before),)
    )
    conn.execute("DELETE FROM delivery_runs WHERE finished_at IS NOT NULL AND finished_at < ?", (_iso(before),))
    return int(cur.rowcount)


def recover_in_doubt(conn: sqlite3.Connection, *, now: datetime, events: Sequence[Event]) -> list[LedgerRow]:
    """Settle what a killed run left ``sending``: the part on the wire may have arrived.

    Such a row becomes ``in_doubt`` at that part and is not sent again automatically. Returns those
    rows, as they were.
    """
    rows = _select(conn, f"status = 'sending' AND event IN ({_marks(events)})", events)
    _set(conn, [r.id for r in rows], now, status=DeliveryStatus.IN_DOUBT, retryable=0, reason=IN_DOUBT_REASON)
    return rows


def list_rows(
    conn: sqlite3.Connection,
    *,
    status: DeliveryStatus | None = None,
    channel: Channel | None = None,
    event_date: date | None = None,
) -> list[LedgerRow]:
    """Ledger rows filtered by status, channel and event date, in planning order."""
    clauses, args = [], []
    for column, value in (("status", status), ("channel", channel), ("event_date", event_date)):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value.isoformat() if isinstance(value, date) else value)
    return _select(conn, " AND ".join(clauses) or "1", args)


def mark_sending(conn: sqlite3.Connection, row_id: int, parts_total: int, *, now: datetime) -> None:
    """The next part's request has left the process: from now on it may have been delivered."""
    conn.execute(
        "UPDATE deliveries SET status = 'sending', parts_total = ?, attempts = attempts + 1, updated_at = ?"
        " WHERE id = ?",
        (parts_total, _iso(now), row_id),
    )


def _set(conn: sqlite3.Connection, row_ids: Sequence[int], now: datetime, **values: object) -> None:
    columns = "".join(f"{name} = ?, " for name in values)
    conn.executemany(
        f"UPDATE deliveries SET {columns}updated_at = ? WHERE id = ?",
        ((*values.values(), _iso(now), row_id) for row_id in row_ids),
    )


def mark_part_sent(conn: sqlite3.Connection, row_id: int, parts_sent: int, parts_total: int, *, now: datetime) -> None:
    """A part was delivered: the row is ``sent`` after the last part, else back to ``pending``."""
    status = DeliveryStatus.SENT if parts_sent >= parts_total else DeliveryStatus.PENDING
    _set(conn, [row_id], now, status=status, parts_sent=parts_sent, parts_total=parts_total)


def mark_pending(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime) -> None:
    """The request definitely failed (e.g. 5xx) and will be retried in this run: ``pending`` with the reason."""
    _set(conn, [row_id], now, status=DeliveryStatus.PENDING, reason=reason)


def mark_failed(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime, retryable: bool = False) -> None:
    """Give up on a delivery for now, with the reason; ``retryable``: a later run of the event retries it."""
    _set(conn, [row_id], now, status=DeliveryStatus.FAILED, retryable=int(retryable), reason=reason)


def mark_in_doubt(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime) -> None:
    """The request may have reached the recipient: never resent automatically."""
    _set(conn, [row_id], now, status=DeliveryStatus.IN_DOUBT, retryable=0, reason=reason)


def reopen(conn: sqlite3.Connection, row_ids: Sequence[int], *, now: datetime) -> None:
    """Make rows pending again (an operator's resend of failed or in-doubt rows)."""
    _set(conn, row_ids, now, status=DeliveryStatus.PENDING, retryable=0)


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per status."""
    return {str(r[0]): int(r[1]) for r in conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}
