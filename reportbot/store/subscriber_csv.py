"""Subscribers as CSV (``subscribers import`` / ``export``): every row validated, written in one transaction."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from reportbot.config import Config
from reportbot.domain import SubscriberSettings
from reportbot.errors import DataError
from reportbot.kinds import Clock
from reportbot.model.defaults import default_settings
from reportbot.store import db
from reportbot.store import subscribers as sub_store

CSV_COLUMNS = ("chat_id", "name", "capital_cny", "annual_rate", "min_probability", "active")


def export_subscribers(conn: sqlite3.Connection) -> str:
    """Every subscriber as CSV (header + one row each)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sub_store.list_subscribers(conn):
        st = s.settings
        numbers = [_plain(st.capital_cny), _plain(st.annual_rate), _plain(st.min_probability)]
        writer.writerow([s.chat_id, s.name, *numbers, int(s.active)])
    return out.getvalue()


def _plain(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


def import_subscribers(config: Config, conn: sqlite3.Connection, now: Clock, path: Path) -> int:
    """Insert or update subscribers from a CSV with :data:`CSV_COLUMNS` (missing settings: defaults).

    All rows are validated first and written in one transaction.

    Raises:
        DataError: unreadable file or a bad value (names the line, column and value).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"cannot read subscribers file {path}: {exc.strerror}") from exc
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "chat_id" not in reader.fieldnames:
        raise DataError(f"{path}: the header must contain chat_id (columns: {', '.join(CSV_COLUMNS)})")
    defaults = default_settings(config)
    rows = [_parse_row(path, n, row, defaults) for n, row in enumerate(reader, start=2)]
    with db.transaction(conn):
        for subscriber in rows:
            sub_store.upsert_subscriber(conn, subscriber, now=now())
    return len(rows)


def _parse_row(path: Path, line: int, row: dict[str, str], defaults: SubscriberSettings) -> sub_store.Subscriber:
    def number(column: str, default: float, low: float, high: float) -> float:
        raw = (row.get(column) or "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise DataError(f"{path}:{line}: column {column}={raw!r} is not a number") from None
        if not low <= value <= high:
            raise DataError(f"{path}:{line}: column {column}={raw!r} is outside [{low:g}, {high:g}]")
        return value

    chat = (row.get("chat_id") or "").strip()
    if not chat.lstrip("-").isdigit():
        raise DataError(f"{path}:{line}: column chat_id={chat!r} is not an integer")
    active = (row.get("active") or "1").strip().lower()
    if active not in ("1", "0", "true", "false"):
        raise DataError(f"{path}:{line}: column active={active!r} must be 1/0/true/false")
    return sub_store.Subscriber(
        chat_id=int(chat),
        name=(row.get("name") or "").strip(),
        settings=SubscriberSettings(
            capital_cny=number("capital_cny", defaults.capital_cny, 1_000, 1e8),
            annual_rate=number("annual_rate", defaults.annual_rate, 0, 0.3),
            min_probability=number("min_probability", defaults.min_probability, 0, 1),
        ),
        active=active in ("1", "true"),
        inactive_reason="" if active in ("1", "true") else "imported as inactive",
    )
