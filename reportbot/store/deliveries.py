"""The delivery ledger: one row per channel × recipient × item (IPO or report) × event.

A row is planned as ``pending``; it turns ``sending`` the moment its request has been written to the
socket, then ``sent`` or ``failed`` with a reason (back to ``pending`` when an attempt definitely
failed). The unique key means a re-run never plans the same delivery twice, and a row left ``sending``
by a killed process is *in doubt* (Telegram may or may not have received the request): recovery never
re-sends it, so a restart cannot duplicate a message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
IN_DOUBT_REASON = "in doubt: the process stopped while this part was being sent; not resent to avoid a duplicate"

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS deliveries ("
    " id INTEGER PRIMARY KEY,"
    " channel TEXT NOT NULL,"
    " recipient TEXT NOT NULL,"
    " item TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " event_date TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),"
    " parts_total INTEGER NOT NULL DEFAULT 0,"
    " parts_sent INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " UNIQUE (channel, recipient, item, event))",
    "CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, event_date)",
)


@dataclass(frozen=True, kw_only=True)
class PlannedDelivery:
    """A delivery to plan."""

    channel: str
    recipient: str
    item: str
    event: str
    event_date: date


@dataclass(frozen=True, kw_only=True)
class LedgerRow:
    """One stored delivery."""

    id: int
    channel: str
    recipient: str
    item: str
    event: str
    event_date: date
    status: str
    parts_total: int
    parts_sent: int
    attempts: int
    reason: str


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _from_row(row: sqlite3.Row) -> LedgerRow:
    return LedgerRow(
        id=int(row["id"]),
        channel=str(row["channel"]),
        recipient=str(row["recipient"]),
        item=str(row["item"]),
        event=str(row["event"]),
        event_date=date.fromisoformat(row["event_date"]),
        status=str(row["status"]),
        parts_total=int(row["parts_total"]),
        parts_sent=int(row["parts_sent"]),
        attempts=int(row["attempts"]),
        reason=str(row["reason"]),
    )


def plan(conn: sqlite3.Connection, deliveries: Iterable[PlannedDelivery], *, now: datetime) -> int:
    """Insert pending rows for deliveries not planned before; returns how many were new."""
    stamp = _iso(now)
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO deliveries (channel, recipient, item, event, event_date, status, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        ((d.channel, d.recipient, d.item, d.event, d.event_date.isoformat(), stamp, stamp) for d in deliveries),
    )
    return conn.total_changes - before


def recover_in_doubt(conn: sqlite3.Connection, *, now: datetime) -> list[LedgerRow]:
    """Settle rows a killed process left ``sending``; returns them as they were.

    The part on the wire is counted as sent (never re-sent); a multi-part message resumes at the next part.
    """
    rows = [_from_row(r) for r in conn.execute("SELECT * FROM deliveries WHERE status = 'sending' ORDER BY id")]
    for row in rows:
        done = row.parts_sent + 1
        status = SENT if done >= row.parts_total else PENDING
        conn.execute(
            "UPDATE deliveries SET status = ?, parts_sent = ?, reason = ?, updated_at = ? WHERE id = ?",
            (status, done, IN_DOUBT_REASON, _iso(now), row.id),
        )
    return rows


def list_rows(
    conn: sqlite3.Connection,
    *,
    status: str | None = None,
    channel: str | None = None,
    event_date: date | None = None,
) -> list[LedgerRow]:
    """Ledger rows filtered by status, channel and event date, in planning order."""
    clauses, args = [], []
    for column, value in (("status", status), ("channel", channel), ("event_date", event_date)):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value.isoformat() if isinstance(value, date) else value)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return [_from_row(r) for r in conn.execute(f"SELECT * FROM deliveries{where} ORDER BY id", args)]


def mark_sending(conn: sqlite3.Connection, row_id: int, parts_total: int, *, now: datetime) -> None:
    """The next part's request has left the process: from now on it may have been delivered."""
    conn.execute(
        "UPDATE deliveries SET status = 'sending', parts_total = ?, attempts = attempts + 1, updated_at = ?"
        " WHERE id = ?",
        (parts_total, _iso(now), row_id),
    )


def mark_part_sent(conn: sqlite3.Connection, row_id: int, parts_sent: int, parts_total: int, *, now: datetime) -> None:
    """A part was delivered: the row is ``sent`` after the last part, else back to ``pending``."""
    conn.execute(
        "UPDATE deliveries SET status = ?, parts_sent = ?, parts_total = ?, updated_at = ? WHERE id = ?",
        (SENT if parts_sent >= parts_total else PENDING, parts_sent, parts_total, _iso(now), row_id),
    )


def mark_sent_many(conn: sqlite3.Connection, done: list[tuple[int, int]], *, now: datetime) -> None:
    """Mark rows (id, parts) delivered in full."""
    stamp = _iso(now)
    conn.executemany(
        "UPDATE deliveries SET status = 'sent', parts_sent = ?, parts_total = ?, updated_at = ? WHERE id = ?",
        ((parts, parts, stamp, row_id) for row_id, parts in done),
    )


def mark_pending(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime) -> None:
    """The request definitely failed (e.g. 429 or 5xx): back to ``pending`` with the reason."""
    conn.execute(
        "UPDATE deliveries SET status = 'pending', reason = ?, updated_at = ? WHERE id = ?",
        (reason, _iso(now), row_id),
    )


def mark_failed(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime) -> None:
    """Give up on a delivery, with the reason."""
    conn.execute(
        "UPDATE deliveries SET status = 'failed', reason = ?, updated_at = ? WHERE id = ?",
        (reason, _iso(now), row_id),
    )


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per status."""
    return {str(r[0]): int(r[1]) for r in conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}
