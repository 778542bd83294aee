"""The ``subscribers`` table: one row per Telegram chat, with its advice settings and active flag."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from reportbot.domain import SubscriberSettings

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS subscribers ("
    " chat_id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL DEFAULT '',"
    " capital_cny REAL NOT NULL,"
    " annual_rate REAL NOT NULL,"
    " min_probability REAL NOT NULL,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " inactive_reason TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS subscribers_active ON subscribers (active)",
)


def iso(value: datetime) -> str:
    """A tz-aware time as ISO text (seconds precision)."""
    return value.isoformat(timespec="seconds")


COLUMNS = ("chat_id", "name", "capital_cny", "annual_rate", "min_probability", "active", "inactive_reason")


@dataclass(frozen=True, kw_only=True)
class Subscriber:
    """One subscriber (a Telegram chat)."""

    chat_id: int
    name: str
    settings: SubscriberSettings
    active: bool
    inactive_reason: str = ""


def _from_row(row: sqlite3.Row) -> Subscriber:
    return Subscriber(
        chat_id=int(row["chat_id"]),
        name=str(row["name"]),
        settings=SubscriberSettings(
            capital_cny=float(row["capital_cny"]),
            annual_rate=float(row["annual_rate"]),
            min_probability=float(row["min_probability"]),
        ),
        active=bool(row["active"]),
        inactive_reason=str(row["inactive_reason"]),
    )


def get_subscriber(conn: sqlite3.Connection, chat_id: int) -> Subscriber | None:
    """One subscriber, or None when the chat never subscribed."""
    row = conn.execute("SELECT * FROM subscribers WHERE chat_id = ?", (chat_id,)).fetchone()
    return None if row is None else _from_row(row)


def list_subscribers(conn: sqlite3.Connection, *, active_only: bool = False) -> list[Subscriber]:
    """Subscribers ordered by chat id."""
    sql = "SELECT * FROM subscribers" + (" WHERE active = 1" if active_only else "") + " ORDER BY chat_id"
    return [_from_row(r) for r in conn.execute(sql)]


def count_active(conn: sqlite3.Connection) -> int:
    """How many subscribers are active (indexed)."""
    return int(conn.execute("SELECT count(*) FROM subscribers WHERE active = 1").fetchone()[0])


def subscribe(
    conn: sqlite3.Connection, chat_id: int, name: str, defaults: SubscriberSettings, *, now: datetime
) -> Subscriber:
    """Add the chat with ``defaults`` or re-activate it keeping its settings."""
    conn.execute(
        "INSERT INTO subscribers (chat_id, name, capital_cny, annual_rate, min_probability, active,"
        " inactive_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, '', ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET active = 1, inactive_reason = '', name = excluded.name,"
        " updated_at = excluded.updated_at",
        (chat_id, name, defaults.capital_cny, defaults.annual_rate, defaults.min_probability, iso(now), iso(now)),
    )
    found = get_subscriber(conn, chat_id)
    assert found is not None
    return found


def deactivate(conn: sqlite3.Connection, chat_id: int, reason: str, *, now: datetime) -> bool:
    """Mark a subscriber inactive (unsubscribed, or the user blocked the bot); False if unknown."""
    cur = conn.execute(
        "UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ? WHERE chat_id = ?",
        (reason, iso(now), chat_id),
    )
    return cur.rowcount > 0


def update_settings(conn: sqlite3.Connection, chat_id: int, settings: SubscriberSettings, *, now: datetime) -> bool:
    """Store new advice settings; False if the chat is unknown."""
    cur = conn.execute(
        "UPDATE subscribers SET capital_cny = ?, annual_rate = ?, min_probability = ?, updated_at = ?"
        " WHERE chat_id = ?",
        (settings.capital_cny, settings.annual_rate, settings.min_probability, iso(now), chat_id),
    )
    return cur.rowcount > 0


def upsert_subscriber(conn: sqlite3.Connection, subscriber: Subscriber, *, now: datetime) -> None:
    """Insert or replace one subscriber with every field given (import)."""
    s = subscriber.settings
    conn.execute(
        "INSERT INTO subscribers (chat_id, name, capital_cny, annual_rate, min_probability, active,"
        " inactive_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET name = excluded.name, capital_cny = excluded.capital_cny,"
        " annual_rate = excluded.annual_rate, min_probability = excluded.min_probability,"
        " active = excluded.active, inactive_reason = excluded.inactive_reason, updated_at = excluded.updated_at",
        (
            subscriber.chat_id,
            subscriber.name,
            s.capital_cny,
            s.annual_rate,
            s.min_probability,
            int(subscriber.active),
            subscriber.inactive_reason,
            iso(now),
            iso(now),
        ),
    )
