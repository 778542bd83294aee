"""The database is guarded: damaged, emptied or vanished files are reported, never silently recreated."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.errors import DataError
from reportbot.pipeline import manage
from reportbot.store import db
from tests.conftest import fixed_now


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
    code, out = _cli(tmp_path, "serve", "--no-bot")
    assert code == 1
    assert out.strip().splitlines()[-1].startswith(f"Error: database {database} is damaged")
    assert "服务无法启动" in out  # the admin message (logged: no admin chats configured)
    assert "Traceback" not in out


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


def _damage_a_table(database: Path, table: str = "ipos") -> None:
    """Overwrite the root page of one table: the file still opens, reading that table fails."""
    conn = sqlite3.connect(database)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(database.read_bytes())
    data[(root - 1) * size : root * size] = b"\xff" * size
    database.write_bytes(bytes(data))


def test_opening_reads_no_page_it_does_not_need_and_a_damaged_page_is_one_line(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    _damage_a_table(database)
    db.connect(database).close()  # the full check is not run on every open
    with pytest.raises(DataError, match="is damaged \\(integrity check: "):
        db.check_integrity(database)
    code, out = _cli(tmp_path, "data", "status")
    assert code == 1
    assert out.strip().splitlines() == [
        f"Error: database {database} is damaged (database disk image is malformed); "
        "restore a backup with `reportbot restore FILE`"
    ]


def test_backup_refuses_a_damaged_database_and_keeps_the_good_copies(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    code, good = _cli(tmp_path, "backup")
    assert code == 0, good
    _damage_a_table(database)
    for _ in range(3):  # keep = 2: three damaged copies would have pushed the good one out
        code, out = _cli(tmp_path, "backup")
        assert code == 1 and "is damaged (integrity check: " in out and "no backup written" in out
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [Path(good.strip()).name]


def test_serve_checks_every_page_on_start(tmp_path: Path) -> None:
    database = _filled(tmp_path)
    _damage_a_table(database, "job_runs")
    code, out = _cli(tmp_path, "serve", "--no-bot")
    assert code == 1
    assert out.strip().splitlines()[-1].startswith(f"Error: database {database} is damaged (integrity check: ")


def test_an_intact_database_passes_the_check(tmp_path: Path) -> None:
    db.check_integrity(_filled(tmp_path))
