"""Job runs of ``reportbot serve``: start, end, outcome, error, and missed runs.

APScheduler's own job store (a sibling SQLite file) holds *when* jobs run next; this table holds what
happened, so ``reportbot schedule list`` and ``reportbot status`` can show the last results.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reportbot.kinds import RunOutcome
from reportbot.store import db  # db imports this module: use db.transaction at call time

OUTCOMES = ("running", "ok", "partial", "failed", "missed", "interrupted")
FINAL_OUTCOMES = ("ok", "partial", "failed")

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS job_runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " job TEXT NOT NULL,"
    " kind TEXT NOT NULL,"  # scheduled | manual | missed
    " scheduled_at TEXT,"  # the run time the scheduler intended (missed runs), ISO with offset
    " started_at TEXT NOT NULL,"
    " finished_at TEXT,"
    " outcome TEXT NOT NULL CHECK (outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")),"
    " detail TEXT NOT NULL DEFAULT '',"
    " error TEXT NOT NULL DEFAULT '',"
    " host TEXT NOT NULL DEFAULT '',"
    " pid INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS job_runs_job ON job_runs (job, id)",
)


def migrate(conn: sqlite3.Connection) -> None:
    """Widen an older ``job_runs`` table whose outcome check lacks one of OUTCOMES (keeps every row).

    Runs inside the schema transaction of :func:`reportbot.store.db.apply_schema`; adding an outcome to
    OUTCOMES is all a new outcome needs.
    """
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'job_runs'").fetchone()
    if row is None or all(f"'{o}'" in row[0] for o in OUTCOMES):
        return
    conn.execute("ALTER TABLE job_runs RENAME TO job_runs_old")
    conn.execute("DROP INDEX IF EXISTS job_runs_job")
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute("INSERT INTO job_runs SELECT * FROM job_runs_old")
    conn.execute("DROP TABLE job_runs_old")


@dataclass(frozen=True)
class JobRun:
    """One recorded run (or missed run) of a job."""

    id: int
    job: str
    kind: str
    scheduled_at: datetime | None
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    detail: str
    error: str
    host: str
    pid: int


def start_run(conn: sqlite3.Connection, job: str, *, kind: str, now: datetime, host: str, pid: int) -> int:
    """Record that ``job`` started; returns the run id to pass to :func:`finish_run`."""
    with db.transaction(conn):
        cur = conn.execute(
            "INSERT INTO job_runs (job, kind, started_at, outcome, host, pid) VALUES (?, ?, ?, 'running', ?, ?)",
            (job, kind, now.isoformat(), host, pid),
        )
    return int(cur.lastrowid or 0)


def finish_run(
    conn: sqlite3.Connection, run_id: int, *, outcome: str, now: datetime, detail: str = "", error: str = ""
) -> None:
    """Record the end of a run (``outcome`` is one of FINAL_OUTCOMES)."""
    if outcome not in FINAL_OUTCOMES:
        raise ValueError(f"finish_run: outcome must be one of {FINAL_OUTCOMES}, got {outcome!r}")
    with db.transaction(conn):
        conn.execute(
            "UPDATE job_runs SET finished_at = ?, outcome = ?, detail = ?, error = ? WHERE id = ?",
            (now.isoformat(), outcome, detail, error, run_id),
        )


def record_missed(
    conn: sqlite3.Connection, job: str, *, scheduled_at: datetime, now: datetime, detail: str, host: str, pid: int
) -> int:
    """Record a run that was not made because it was found beyond its misfire grace."""
    with db.transaction(conn):
        cur = conn.execute(
            "INSERT INTO job_runs (job, kind, scheduled_at, started_at, finished_at, outcome, detail, host, pid)"
            " VALUES (?, 'missed', ?, ?, ?, 'missed', ?, ?, ?)",
            (job, scheduled_at.isoformat(), now.isoformat(), now.isoformat(), detail, host, pid),
        )
    return int(cur.lastrowid or 0)


def last_runs(conn: sqlite3.Connection) -> dict[str, JobRun]:
    """The latest run (of any outcome) of every job that has one."""
    rows = conn.execute(
        "SELECT * FROM job_runs WHERE id IN (SELECT MAX(id) FROM job_runs GROUP BY job) ORDER BY job"
    ).fetchall()
    return {row["job"]: _run(row) for row in rows}


def runs_since(conn: sqlite3.Connection, since: datetime, job: str | None = None) -> list[JobRun]:
    """Runs started at or after ``since`` (oldest first), optionally of one job."""
    sql = "SELECT * FROM job_runs WHERE started_at >= ?"
    params: list[object] = [since.isoformat()]
    if job is not None:
        sql += " AND job = ?"
        params.append(job)
    rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    return [r for r in (_run(row) for row in rows) if r.started_at >= since]


def _run(row: sqlite3.Row) -> JobRun:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    started = when(row["started_at"])
    assert started is not None  # NOT NULL column
    return JobRun(
        id=row["id"],
        job=row["job"],
        kind=row["kind"],
        scheduled_at=when(row["scheduled_at"]),
        started_at=started,
        finished_at=when(row["finished_at"]),
        outcome=RunOutcome(row["outcome"]),
        detail=row["detail"],
        error=row["error"],
        host=row["host"],
        pid=row["pid"],
    )


INTERRUPTED = "interrupted: the process stopped while the job ran"


def mark_interrupted(
    conn: sqlite3.Connection, *, host: str, alive: Callable[[int], bool], now: datetime
) -> list[JobRun]:
    """End the runs of ``host`` left ``running`` by a process that is gone: outcome ``interrupted``.

    Returns them as they were (their pending deliveries are resumed by the caller).
    """
    rows = conn.execute("SELECT * FROM job_runs WHERE outcome = 'running' AND host = ? ORDER BY id", (host,))
    dead = [run for run in (_run(row) for row in rows.fetchall()) if not alive(run.pid)]
    with db.transaction(conn):
        for run in dead:
            conn.execute(
                "UPDATE job_runs SET outcome = 'interrupted', finished_at = ?, error = ? WHERE id = ?",
                (now.isoformat(), f"{INTERRUPTED} (pid {run.pid})", run.id),
            )
    return dead
