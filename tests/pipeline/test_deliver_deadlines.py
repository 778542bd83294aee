"""Event deadlines and send starts that fit them (issue 11: 100,000 subscribers before the 09:30 open)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time

from reportbot.config import Config
from reportbot.domain import TZ
from reportbot.kinds import Event
from reportbot.pipeline import deadlines
from reportbot.schedule.scheduler import build_trigger, load_specs
from reportbot.store import db
from reportbot.tradingcal import calendar_for
from tests.conftest import fixed_now


def test_deadlines_follow_the_trading_day(config: Config) -> None:
    cal = calendar_for(config)
    friday = date(2026, 8, 14)
    assert deadlines.deadline(Event.EVE, friday, cal) == datetime(2026, 8, 17, 9, 15, tzinfo=TZ)  # Monday 09:15
    assert deadlines.deadline(Event.MORNING, date(2026, 8, 17), cal) == datetime(2026, 8, 17, 15, 0, tzinfo=TZ)
    assert deadlines.deadline(Event.LISTING, date(2026, 8, 28), cal) == datetime(2026, 8, 28, 9, 30, tzinfo=TZ)
    assert deadlines.deadline(Event.MONTHLY, friday, cal) is None


def test_a_large_audience_starts_the_listing_alert_early() -> None:
    # 100,000 at 28.5/s take 3,509 s; with the 600 s margin the 09:30 open needs a start by 08:21:31.
    assert deadlines.latest_start(Event.LISTING, time(8, 30), 100_000, 28.5, 600) == time(8, 21, 31)
    assert deadlines.latest_start(Event.LISTING, time(8, 30), 1_000, 28.5, 600) == time(8, 30)
    assert deadlines.latest_start(Event.EVE, time(20, 0), 100_000, 28.5, 600) == time(20, 0)
    assert deadlines.latest_start(Event.LISTING, time(8, 30), 10_000_000, 28.5, 600) == time(0, 0)  # cannot fit


def test_the_scheduler_uses_the_computed_start(config: Config, store: sqlite3.Connection) -> None:
    with db.transaction(store):
        store.executemany(
            "INSERT INTO subscribers (chat_id, capital_cny, annual_rate, min_probability, created_at, updated_at)"
            " VALUES (?, 1000000, 0.05, 0.5, 'x', 'x')",
            ((i,) for i in range(1, 100_001)),
        )
    [listing] = [s for s in load_specs(config) if s.name == "alerts-listing"]
    trigger = build_trigger(listing, config, store)
    fire = trigger.get_next_fire_time(None, datetime(2026, 8, 27, 12, 0, tzinfo=TZ))
    # 100,000 at 30 msg/s less 5 %: 3,509 s, plus 600 s: 08:21:31 instead of 08:30.
    assert fire == datetime(2026, 8, 28, 8, 21, 31, tzinfo=TZ)
    assert fixed_now().tzinfo is TZ
