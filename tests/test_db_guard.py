"""The database is guarded: damaged, emptied or vanished files are reported, never silently recreated."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.domain import TZ
from reportbot.errors import DataError
from reportbot.pipeline import manage
from reportbot.store import db
from tests.conftest import fixed_now

REPO = Path(__file__).parents[1]


def _config(tmp: Path) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f'[paths]\ndatabase = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "out"}"\n'
        f'[schedule]\nlock_file = "{tmp / "serve.lock"}"\n'
        f'[backup]\ndirectory = "{tmp / "backups"}"\nkeep = 2\n'
        '[telegram]\ntoken_env = "REPORTBOT_TEST_NO_SUCH_TOKEN"\n',
        encoding="utf-8",
    )
    return path


def _filled(tmp: Path) -> Path:
    database = tmp / "db.sqlite3"
    conn = db.connect(database)
    manage.ensure_bundled(conn, fixed_now)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return database


def _cli(tmp: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(_config(tmp)), "-q", *args])
    return result.exit_code, result.output


def test_truncated_database_is_one_line_error(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 2])
    code, out = _cli(tmp_path, "data", "status")
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: database {database} is damaged")
    assert "reportbot restore FILE" in lines[0]


def test_truncated_database_run_reports_to_the_admins(tmp_path: Path) -> None:
    from reportbot.config import load_config
    from reportbot.schedule.jobs import JobRunner
    from reportbot.schedule.scheduler import load_specs

    database = _filled(tmp_path)
    database.write_bytes(database.read_bytes()[:8192])
    config = load_config(_config(tmp_path), env={})
    admin: list[str] = []
    result = JobRunner(config, load_specs(config), now=fixed_now, admin=admin.append).run("health-summary")
    assert result.outcome == "failed" and "is damaged" in result.error
    assert len(admin) == 1 and "任务 health-summary 失败" in admin[0] and "数据库无法打开或已损坏" in admin[0]
    assert "is damaged" not in admin[0]  # the English detail: log and run record only


def test_serve_on_a_damaged_database_tells_the_admins_and_exits(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    database.write_bytes(database.read_bytes()[:8192])
    cmd = [sys.executable, "-m", "reportbot", "--config", str(_config(tmp_path)), "serve", "--no-bot"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, cwd=REPO)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(f"Error: database {database} is damaged")
    assert "服务无法启动" in done.stderr  # the admin message (logged: no admin chats configured)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("damage", ["empty", "vanished"])
def test_emptied_or_vanished_database_is_never_recreated(tmp_path: Path, damage: str) -> None:
    database = _filled(tmp_path)
    assert db.marker_path(database).is_file()
    if damage == "empty":
        database.write_bytes(b"")
    else:
        database.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    code, out = _cli(tmp_path, "status")
    assert code == 1
    assert ("is empty (0 bytes)" if damage == "empty" else "is missing but existed") in out
    if damage == "empty":
        assert database.stat().st_size == 0  # left as it was, for the operator to look at
    else:
        assert not database.exists()
    with pytest.raises(DataError):
        db.connect(database)


def test_new_database_is_created_with_a_marker(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "db.sqlite3"
    db.connect(database).close()
    assert database.stat().st_size > 0
    assert db.marker_path(database).read_text(encoding="utf-8").strip() == str(database.resolve())


def test_backup_keeps_n_and_restore_brings_the_data_back(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    conn = db.connect(database)
    ipos = conn.execute("SELECT COUNT(*) FROM ipos").fetchone()[0]
    made = [db.backup_database(conn, tmp_path / "backups", fixed_now() + timedelta(days=i), keep=2) for i in range(3)]
    conn.close()
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == sorted(m.path.name for m in made[1:])
    assert made[2].removed == (made[0].path,)
    database.write_bytes(b"")  # lost
    code, out = _cli(tmp_path, "restore", str(made[2].path))
    assert code == 0, out
    assert out.strip() == str(database)
    conn = db.connect(database)
    try:
        assert conn.execute("SELECT COUNT(*) FROM ipos").fetchone()[0] == ipos
    finally:
        conn.close()
    assert list(tmp_path.glob("db.sqlite3.replaced-*"))  # the empty file is kept aside, not deleted


def test_backup_command_prints_the_copy(tmp_path: Path) -> None:
    _filled(tmp_path)
    code, out = _cli(tmp_path, "backup")
    assert code == 0, out
    copy = Path(out.strip())
    assert copy.parent == tmp_path / "backups" and copy.name.startswith("db-")
    db.check_backup(copy)


def test_restore_refuses_a_bad_file(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    before = database.read_bytes()
    bogus = tmp_path / "bogus.sqlite3"
    conn = sqlite3.connect(bogus)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    code, out = _cli(tmp_path, "restore", str(bogus))
    assert code == 1 and "not a reportbot database (no table 'ipos')" in out
    code, out = _cli(tmp_path, "restore", str(tmp_path / "nope.sqlite3"))
    assert code == 1 and "not a file or empty" in out
    assert database.read_bytes() == before


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
    from reportbot.store import runs

    conn = db.connect(database)
    try:
        run_id = runs.start_run(conn, "refresh", kind="manual", now=datetime(2026, 12, 1, tzinfo=TZ), host="h", pid=1)
        runs.finish_run(conn, run_id, outcome="partial", now=datetime(2026, 12, 1, tzinfo=TZ))
        assert [r[0] for r in conn.execute("SELECT outcome FROM job_runs ORDER BY id")] == ["ok", "partial"]
    finally:
        conn.close()
