"""The delivery ledger: one row per channel × recipient × item (IPOs of one event, or a report) × event.

A row is planned ``pending`` with the event's deadline and ends ``sent``, ``failed`` (with the reason and
whether a retry may help) or ``in_doubt``: the request may have reached Telegram (a read timeout, a
connection reset after the body was sent, a process killed while it was on the wire). In-doubt rows are
never resent automatically; ``reportbot alerts resend --in-doubt RUN`` does it on purpose.

The moment a request has been handed to the kernel, the sender appends ``row part total`` to the *wire
journal* of its event (one ``write`` system call, which survives SIGKILL). On restart a row in the journal
that was not marked ``sent`` is in doubt; a row not in it never reached Telegram and is sent again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportbot.store.wirejournal import JournalEntry, WireJournal, clear_journal, journal_path, read_journal

__all__ = ["JournalEntry", "WireJournal", "clear_journal", "journal_path", "read_journal"]  # re-exported

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
IN_DOUBT = "in_doubt"
STATUSES = (PENDING, SENDING, SENT, FAILED, IN_DOUBT)
IN_DOUBT_REASON = "in doubt: the process stopped while this part was being sent; not resent to avoid a duplicate"

_COLUMNS = (
    " id INTEGER PRIMARY KEY,"
    " channel TEXT NOT NULL,"
    " recipient TEXT NOT NULL,"
    " item TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " event_date TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'in_doubt')),"
    " retryable INTEGER NOT NULL DEFAULT 0,"
    " deadline TEXT NOT NULL DEFAULT '',"
    " run_id INTEGER NOT NULL DEFAULT 0,"
    " parts_total INTEGER NOT NULL DEFAULT 0,"
    " parts_sent INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " UNIQUE (channel, recipient, item, event)"
)
SCHEMA: tuple[str, ...] = (
    f"CREATE TABLE IF NOT EXISTS deliveries ({_COLUMNS})",
    "CREATE TABLE IF NOT EXISTS delivery_runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " events TEXT NOT NULL,"
    " as_of TEXT NOT NULL,"
    " started_at TEXT NOT NULL,"
    " finished_at TEXT,"
    " pid INTEGER NOT NULL DEFAULT 0,"
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

    channel: str
    recipient: str
    item: str
    event: str
    event_date: date
    deadline: datetime | None = None


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
    retryable: bool = False
    deadline: datetime | None = None
    run_id: int = 0


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
            (d.channel, d.recipient, d.item, d.event, d.event_date.isoformat(), _deadline(d), stamp, stamp)
            for d in deliveries
        ),
    )
    return conn.total_changes - before


def _deadline(planned: PlannedDelivery) -> str:
    return _iso(planned.deadline) if planned.deadline is not None else ""


def start_run(conn: sqlite3.Connection, events: Sequence[str], as_of: date, *, now: datetime) -> int:
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


def sendable(
    conn: sqlite3.Connection, events: Sequence[str], *, now: datetime, retry_failed: bool = True
) -> list[LedgerRow]:
    """Rows of ``events`` still timely (deadline after ``now``) to send: pending, and retryable failures."""
    marks = ", ".join("?" for _ in events)
    statuses = "('pending', 'failed')" if retry_failed else "('pending')"
    sql = (
        f"SELECT * FROM deliveries WHERE status IN {statuses} AND event IN ({marks})"
        " AND (status = 'pending' OR retryable = 1) AND (deadline = '' OR deadline > ?) ORDER BY id"
    )
    return [_from_row(r) for r in conn.execute(sql, (*events, _iso(now)))]


def expire(conn: sqlite3.Connection, events: Sequence[str], *, now: datetime) -> list[LedgerRow]:
    """Give up on pending and retryable rows of ``events`` whose deadline has passed; returns them as they were."""
    marks = ", ".join("?" for _ in events)
    sql = (
        f"SELECT * FROM deliveries WHERE status IN ('pending', 'failed') AND event IN ({marks})"
        " AND (status = 'pending' OR retryable = 1) AND deadline != '' AND deadline <= ? ORDER BY id"
    )
    rows = [_from_row(r) for r in conn.execute(sql, (*events, _iso(now)))]
    conn.executemany(
        "UPDATE deliveries SET status = 'failed', retryable = 0, reason = ?, updated_at = ? WHERE id = ?",
        (
            (f"expired: not delivered before {r.deadline:%Y-%m-%d %H:%M} ({r.reason or 'never sent'})", _iso(now), r.id)
            for r in rows
            if r.deadline is not None
        ),
    )
    return rows


def by_run(conn: sqlite3.Connection, run_id: int, status: str) -> list[LedgerRow]:
    """Rows of one delivery run in ``status`` (indexed)."""
    sql = "SELECT * FROM deliveries WHERE run_id = ? AND status = ? ORDER BY id"
    return [_from_row(r) for r in conn.execute(sql, (run_id, status))]


def problems(conn: sqlite3.Connection, *, since: datetime, limit: int = 50) -> list[LedgerRow]:
    """Failed and in-doubt rows updated since ``since`` (newest first), for ``status``."""
    sql = (
        "SELECT * FROM deliveries WHERE status IN ('failed', 'in_doubt') AND updated_at >= ?"
        " ORDER BY updated_at DESC, id DESC LIMIT ?"
    )
    return [_from_row(r) for r in conn.execute(sql, (_iso(since), limit))]


def delivered_keys(conn: sqlite3.Connection, event_date: date, events: Sequence[str]) -> set[tuple[str, str, str]]:
    """(channel, recipient, event) already sent or in doubt for one event date (indexed; for dry runs)."""
    marks = ", ".join("?" for _ in events)
    sql = (
        f"SELECT channel, recipient, event FROM deliveries WHERE event_date = ? AND event IN ({marks})"
        " AND status IN ('sent', 'in_doubt', 'sending')"
    )
    return {(str(r[0]), str(r[1]), str(r[2])) for r in conn.execute(sql, (event_date.isoformat(), *events))}


def prune(conn: sqlite3.Connection, before: datetime) -> int:
    """Delete finished rows (sent, failed, in doubt) last updated before ``before``; returns how many."""
    cur = conn.execute(
        "DELETE FROM deliveries WHERE status IN ('sent', 'failed', 'in_doubt') AND updated_at < ?", (_iso(before),)
    )
    conn.execute("DELETE FROM delivery_runs WHERE finished_at IS NOT NULL AND finished_at < ?", (_iso(before),))
    return int(cur.rowcount)


def recover_in_doubt(
    conn: sqlite3.Connection, *, now: datetime, journal: Path | None = None, events: Sequence[str] | None = None
) -> list[LedgerRow]:
    """Settle what a killed run left in the journal (or ``sending``) but not in the ledger.

    A part whose answer was confirmed counts as delivered (the row is ``sent``, or resumes at its next
    part). A part on the wire without an answer may have arrived: the row is ``in_doubt`` at that part
    and is not sent again automatically. Call inside a transaction, then :func:`clear_journal` once it
    has committed. Returns the rows left in doubt, as they were.
    """
    written = read_journal(journal) if journal is not None else {}
    sending = "SELECT * FROM deliveries WHERE status = 'sending'"
    args: list[str] = []
    if events is not None:
        sending += f" AND event IN ({', '.join('?' for _ in events)})"
        args = list(events)
    rows = [_from_row(r) for r in conn.execute(sending + " ORDER BY id", args)]
    if written:
        marks = ", ".join("?" for _ in written)
        found = conn.execute(
            f"SELECT * FROM deliveries WHERE status IN ('pending', 'failed') AND id IN ({marks}) ORDER BY id",
            list(written),
        )
        rows += [_from_row(r) for r in found]
    doubtful = []
    for row in rows:
        entry = written.get(row.id, JournalEntry(row.parts_sent if row.status == SENDING else -1, -1, row.parts_total))
        total = max(entry.total, row.parts_total, 1)
        done = max(row.parts_sent, entry.confirmed + 1)
        if entry.on_wire >= done:  # on the wire after the last confirmed part: in doubt
            status, parts, reason = IN_DOUBT, entry.on_wire, IN_DOUBT_REASON
            doubtful.append(row)
        else:
            status, parts, reason = (SENT if done >= total else PENDING), done, row.reason
        conn.execute(
            "UPDATE deliveries SET status = ?, retryable = 0, parts_sent = ?, parts_total = ?, reason = ?,"
            " updated_at = ? WHERE id = ?",
            (status, parts, total, reason, _iso(now), row.id),
        )
    return doubtful


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
        "UPDATE deliveries SET status = 'sent', retryable = 0, parts_sent = ?, parts_total = ?,"
        " attempts = attempts + ?, updated_at = ? WHERE id = ?",
        ((parts, parts, attempts, stamp, row_id) for row_id, parts, attempts in done),
    )


def mark_pending(conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime) -> None:
    """The request definitely failed (e.g. 429 or 5xx) and will be retried: ``pending`` with the reason."""
    conn.execute(
        "UPDATE deliveries SET status = 'pending', reason = ?, updated_at = ? WHERE id = ?",
        (reason, _iso(now), row_id),
    )


def mark_failed(
    conn: sqlite3.Connection,
    row_id: int,
    reason: str,
    *,
    now: datetime,
    attempts: int = 0,
    retryable: bool = False,
    parts_sent: int | None = None,
) -> None:
    """Give up on a delivery for now, with the reason; ``retryable``: a later run of the event retries it."""
    conn.execute(
        "UPDATE deliveries SET status = 'failed', retryable = ?, reason = ?, attempts = attempts + ?,"
        " parts_sent = COALESCE(?, parts_sent), updated_at = ? WHERE id = ?",
        (int(retryable), reason, attempts, parts_sent, _iso(now), row_id),
    )


def mark_in_doubt(
    conn: sqlite3.Connection, row_id: int, reason: str, *, now: datetime, attempts: int, parts_sent: int
) -> None:
    """The request may have reached the recipient: never resent automatically."""
    conn.execute(
        "UPDATE deliveries SET status = 'in_doubt', retryable = 0, reason = ?, attempts = attempts + ?,"
        " parts_sent = ?, updated_at = ? WHERE id = ?",
        (reason, attempts, parts_sent, _iso(now), row_id),
    )


def reopen(conn: sqlite3.Connection, row_ids: Sequence[int], *, now: datetime) -> None:
    """Make rows pending again (an operator's resend of failed or in-doubt rows)."""
    conn.executemany(
        "UPDATE deliveries SET status = 'pending', retryable = 0, updated_at = ? WHERE id = ?",
        ((_iso(now), i) for i in row_ids),
    )


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per status."""
    return {str(r[0]): int(r[1]) for r in conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}
