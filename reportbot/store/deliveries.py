"""The delivery ledger: one row per channel × recipient × item (IPO or report) × event.

A row is planned as ``pending`` and ends ``sent`` or ``failed`` with a reason. The unique key means a
re-run never plans the same delivery twice. The moment a request has been handed to the kernel, the
sender appends ``row part total`` to the *wire journal* (one ``write`` system call, which survives
SIGKILL, far quicker than a database commit). A row in the journal (or left ``sending``) that a killed
run did not mark ``sent`` is *in doubt*: Telegram may have it, so recovery counts that part as delivered
and never sends it again; a row not in the journal never reached Telegram and is sent on restart.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

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


class WireJournal:
    """Append-only record of requests handed to the kernel (``row part total`` lines)."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` for appending (shared safely by forked sender processes: O_APPEND)."""
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def record(self, row_id: int, part: int, total: int) -> None:
        """Part ``part`` (0-based) of ``total`` of row ``row_id`` may now reach the recipient."""
        os.write(self._fd, f"{row_id} {part} {total}\n".encode("ascii"))

    def retract(self, row_id: int, part: int, total: int) -> None:
        """That attempt definitely failed (e.g. 429 or 5xx): it did not reach the recipient."""
        os.write(self._fd, f"x {row_id} {part} {total}\n".encode("ascii"))

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)


def journal_path(database: Path) -> Path:
    """Where the wire journal of ``database`` lives."""
    return Path(f"{database}.wire")


def read_journal(path: Path) -> dict[int, tuple[int, int]]:
    """Row id → (highest part on the wire, parts in total); retracted attempts and torn lines are ignored."""
    parts: dict[int, set[int]] = {}
    totals: dict[int, int] = {}
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except FileNotFoundError:
        return {}
    for line in lines:
        fields = line.split()
        retract = bool(fields) and fields[0] == "x"
        numbers = fields[1:] if retract else fields
        if len(numbers) != 3 or not all(f.isdigit() for f in numbers):
            continue
        row_id, part, total = (int(f) for f in numbers)
        if retract:
            parts.get(row_id, set()).discard(part)
        else:
            parts.setdefault(row_id, set()).add(part)
            totals[row_id] = total
    return {row_id: (max(found), totals[row_id]) for row_id, found in parts.items() if found}


def recover_in_doubt(conn: sqlite3.Connection, *, now: datetime, journal: Path | None = None) -> list[LedgerRow]:
    """Settle what a killed run left: rows ``sending`` or in the wire journal but not ``sent``.

    The part on the wire is counted as delivered (never re-sent); a multi-part message resumes at the next
    part. Call inside a transaction, then :func:`clear_journal` once it has committed (re-applying the
    same journal changes nothing). Returns the settled rows as they were.
    """
    written = read_journal(journal) if journal is not None else {}
    rows = [_from_row(r) for r in conn.execute("SELECT * FROM deliveries WHERE status = 'sending' ORDER BY id")]
    if written:
        pending = conn.execute("SELECT * FROM deliveries WHERE status = 'pending' ORDER BY id")
        rows += [_from_row(r) for r in pending if int(r["id"]) in written]
    settled = []
    for row in rows:
        part, total = written.get(row.id, (row.parts_sent, row.parts_total))
        done = max(row.parts_sent, part + 1)
        total = max(total, row.parts_total, 1)
        if done <= row.parts_sent and row.status != SENDING:
            continue
        status = SENT if done >= total else PENDING
        conn.execute(
            "UPDATE deliveries SET status = ?, parts_sent = ?, parts_total = ?, reason = ?, updated_at = ?"
            " WHERE id = ?",
            (status, done, total, IN_DOUBT_REASON, _iso(now), row.id),
        )
        settled.append(row)
    return settled


def clear_journal(journal: Path) -> None:
    """Empty the wire journal (after its recovery committed)."""
    if journal.exists():
        os.truncate(journal, 0)


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


def mark_sent_many(conn: sqlite3.Connection, done: list[tuple[int, int, int]], *, now: datetime) -> None:
    """Mark rows (id, parts, attempts) delivered in full."""
    stamp = _iso(now)
    conn.executemany(
        "UPDATE deliveries SET status = 'sent', parts_sent = ?, parts_total = ?, attempts = attempts + ?,"
        " updated_at = ? WHERE id = ?",
        ((parts, parts, attempts, stamp, row_id) for row_id, parts, attempts in done),
    )


def mark_pending(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime) -> None:
    """The request definitely failed (e.g. 429 or 5xx): back to ``pending`` with the reason."""
    conn.execute(
        "UPDATE deliveries SET status = 'pending', reason = ?, updated_at = ? WHERE id = ?",
        (reason, _iso(now), row_id),
    )


def mark_failed(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime, attempts: int = 0) -> None:
    """Give up on a delivery, with the reason (``attempts`` made in this run are added)."""
    conn.execute(
        "UPDATE deliveries SET status = 'failed', reason = ?, attempts = attempts + ?, updated_at = ? WHERE id = ?",
        (reason, attempts, _iso(now), row_id),
    )


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per status."""
    return {str(r[0]): int(r[1]) for r in conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}
