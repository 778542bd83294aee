"""The job_runs table: runs left by dead processes, and tables from older versions widened."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from reportbot.domain import TZ
from reportbot.store import db, runs
from tests.conftest import fixed_now


def test_a_run_left_running_by_a_dead_process_becomes_interrupted(store: sqlite3.Connection) -> None:
    dead = runs.start_run(store, "alerts-eve", kind="scheduled", now=fixed_now(), host="h", pid=4_000_000)
    alive = runs.start_run(store, "refresh", kind="scheduled", now=fixed_now(), host="h", pid=1)
    ended = runs.mark_interrupted(store, host="h", alive=lambda pid: pid == 1, now=fixed_now())
    assert [r.id for r in ended] == [dead]
    outcomes = dict(store.execute("SELECT id, outcome FROM job_runs WHERE id IN (?, ?)", (dead, alive)).fetchall())
    assert outcomes == {dead: "interrupted", alive: "running"}


def test_old_job_runs_table_is_widened_for_partial_runs(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(database)
    conn.execute(
        "CREATE TABLE job_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, kind TEXT NOT NULL,"
        " scheduled_at TEXT, started_at TEXT NOT NULL, finished_at TEXT,"
        " outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'missed')),"
        " detail TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '',"
        " pid INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute("INSERT INTO job_runs (job, kind, started_at, outcome) VALUES ('refresh', 'scheduled', 'x', 'ok')")
    conn.commit()
    conn.close()
    conn = db.connect(database)
    try:
        run_id = runs.start_run(conn, "refresh", kind="manual", now=datetime(2026, 12, 1, tzinfo=TZ), host="h", pid=1)
        runs.finish_run(conn, run_id, outcome="partial", now=datetime(2026, 12, 1, tzinfo=TZ))
        assert [r[0] for r in conn.execute("SELECT outcome FROM job_runs ORDER BY id")] == ["ok", "partial"]
    finally:
        conn.close()
