"""Connections, schema and transactions for the embedded SQLite database."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from reportbot.errors import DataError
from reportbot.store import bse_stats, deliveries, fetches, ipos, market, runs, subscribers

_SCHEMA_MODULES = (ipos, market, fetches, subscribers, deliveries, runs, bse_stats)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with the schema applied.

    The connection is in autocommit mode; group writes with :func:`transaction`.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise DataError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    apply_schema(conn)
    return conn


def apply_schema(conn: sqlite3.Connection) -> None:
    """Create every table that does not exist yet (idempotent)."""
    with transaction(conn):
        for module in _SCHEMA_MODULES:
            for statement in module.SCHEMA:
                conn.execute(statement)


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
