"""Connections, schema and transactions for the embedded SQLite database, and its guard and backups.

The guard: a marker file beside the database (``<name>.created``) records that it exists. A database
that has a marker but has vanished or become empty is never silently recreated, and a damaged file is
one error line; both name the backup restore as the way out.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportbot.errors import DataError
from reportbot.store import bse_stats, deliveries, fetches, ipos, market, runs, subscribers

_SCHEMA_MODULES = (ipos, market, fetches, subscribers, deliveries, runs, bse_stats)
REQUIRED_TABLES = ("ipos", "job_runs")
_WAY_OUT = "restore a backup with `reportbot restore FILE`"
DAMAGE = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})  # sqlite3 error names that mean a damaged file


def marker_path(path: Path) -> Path:
    """The file beside the database that records that it was created."""
    return path.with_name(f"{path.name}.created")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with the schema applied.

    The connection is in autocommit mode; group writes with :func:`transaction`.

    Raises:
        DataError: the file cannot be opened, is damaged, or existed (per its marker) and has vanished
            or become empty.
    """
    _guard(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise DataError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        apply_schema(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    _write_marker(path)
    return conn


def _guard(path: Path) -> None:
    marker = marker_path(path)
    if path.exists() and path.stat().st_size == 0:
        raise DataError(f"database {path} is empty (0 bytes); not recreating it over lost data: {_WAY_OUT}")
    if marker.exists() and not path.exists():
        raise DataError(
            f"database {path} is missing but existed (marker {marker}); not recreating it: {_WAY_OUT},"
            " or delete the marker to start an empty database"
        )


def check_integrity(path: Path) -> None:
    """Open the database at ``path`` and check every page (SQLite ``quick_check``); serve runs it on start.

    It reads the whole file, so :func:`connect` does not run it on every open: a command that reads a
    damaged page fails with one line anyway (see :func:`damaged`), and backups check before they copy.

    Raises:
        DataError: the file does not open, or the check found damage (naming ``path``, the first problem
            and the way out).
    """
    conn = connect(path)
    try:
        problem = _quick_check(conn)
    finally:
        conn.close()
    if problem is not None:
        raise damaged(path, f"integrity check: {problem}")


def damaged(path: Path | str, problem: object) -> DataError:
    """The one-line error for a damaged database file, with the way out."""
    return DataError(f"database {path} is damaged ({problem}); {_WAY_OUT}")


def _quick_check(conn: sqlite3.Connection) -> str | None:
    """The first problem SQLite's ``quick_check`` finds, or None for an intact file."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") not in DAMAGE:  # e.g. locked: not a verdict on the file
            raise
        return str(exc)  # too damaged to even walk the pages
    return None if rows == ["ok"] else str(rows[0])


def _write_marker(path: Path) -> None:
    marker = marker_path(path)
    if not marker.exists():
        with contextlib.suppress(OSError):  # a read-only directory: the guard then relies on the size check
            marker.write_text(f"{path.resolve()}\n", encoding="utf-8")


def apply_schema(conn: sqlite3.Connection) -> None:
    """Create every table that does not exist yet and migrate older tables (idempotent)."""
    with transaction(conn):
        runs.migrate(conn)
        for module in _SCHEMA_MODULES:
            for statement in module.SCHEMA:
                conn.execute(statement)
        deliveries.migrate(conn)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction: all of it commits, or none of it does."""
    if conn.in_transaction:  # nested use joins the outer transaction
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@dataclass(frozen=True)
class BackupResult:
    """One backup written, and the old ones removed to keep the newest N."""

    path: Path
    size_bytes: int
    removed: tuple[Path, ...]


def backup_database(conn: sqlite3.Connection, directory: Path, now: datetime, *, keep: int) -> BackupResult:
    """Copy the open database into ``directory`` with SQLite's online backup API; keep the newest ``keep``.

    The database is checked first: a damaged file is never copied, so it cannot push a good copy out.

    Raises:
        DataError: the database is damaged, or the directory cannot be written.
    """
    path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
    problem = _quick_check(conn)
    if problem is not None:
        raise damaged(path, f"integrity check: {problem}; no backup written")
    name = path.stem
    target = directory / f"{name}-{now:%Y%m%d-%H%M%S}.sqlite3"
    partial = target.with_name(target.name + ".part")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _copy(conn, partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise DataError(f"backup to {directory}: cannot write {target.name}: {exc}") from exc
    copies = sorted(directory.glob(f"{name}-????????-??????.sqlite3"))
    removed = tuple(copies[:-keep]) if keep < len(copies) else ()
    for old in removed:
        old.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, removed)


def restore_database(source: Path, target: Path, now: datetime) -> Path | None:
    """Replace the database at ``target`` with the backup ``source`` (checked first).

    The current file, if any, is kept beside it as ``<name>.replaced-<time>``; its path is returned.

    Raises:
        DataError: ``source`` is missing, damaged or not a reportbot database.
    """
    check_backup(source)
    partial = target.with_name(target.name + ".restoring")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy(src, partial)
    finally:
        src.close()
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.replaced-{now:%Y%m%d-%H%M%S}")
        os.replace(target, kept)
    for suffix in ("-wal", "-shm"):  # the write-ahead log belongs to the file it was written for
        log_file = Path(f"{target}{suffix}")
        if kept is not None and log_file.exists():
            os.replace(log_file, Path(f"{kept}{suffix}"))
        log_file.unlink(missing_ok=True)
    os.replace(partial, target)
    _write_marker(target)
    return kept


def check_backup(source: Path) -> None:
    """Check that ``source`` is an intact reportbot database.

    Raises:
        DataError: it is missing, damaged or lacks reportbot's tables.
    """
    if not source.is_file() or source.stat().st_size == 0:
        raise DataError(f"backup {source}: not a file or empty")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            problem = _quick_check(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DataError(f"backup {source}: not a readable SQLite database: {exc}") from exc
    if problem is not None:
        raise DataError(f"backup {source}: damaged (integrity check: {problem})")
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise DataError(f"backup {source}: not a reportbot database (no table {missing[0]!r})")


def _copy(conn: sqlite3.Connection, target: Path) -> None:
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
