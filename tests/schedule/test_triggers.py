"""Triggers on the exchange calendar: weekends, the 2026 Mid-Autumn/National Day closures, month ends."""

from __future__ import annotations

import pickle
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from reportbot.domain import TZ
from reportbot.schedule.triggers import EventDayTrigger, TradingDayTrigger

REPO = Path(__file__).parents[2]


def _trigger(rule: str, hour: int = 17, minute: int = 30, overrides: Path | None = None) -> TradingDayTrigger:
    cron = {"hour": str(hour), "minute": str(minute)}
    return TradingDayTrigger(cron, rule=rule, timezone=TZ, exchange="XSHG", overrides_file=overrides)


def _fires(trigger: object, start: datetime, n: int) -> list[datetime]:
    out: list[datetime] = []
    previous = None
    for _ in range(n):
        fire = trigger.get_next_fire_time(previous, previous or start)  # type: ignore[attr-defined]
        assert fire is not None
        out.append(fire)
        previous = fire
    return out


def test_every_trading_day_skips_weekend_mid_autumn_and_national_day() -> None:
    # Thu 2026-09-24; Fri 09-25 is Mid-Autumn, 10-01..10-07 National Day (with the weekend around them).
    fires = _fires(_trigger("every"), datetime(2026, 9, 24, 12, 0, tzinfo=TZ), 6)
    assert [f.date() for f in fires] == [
        date(2026, 9, 24),
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
    ]
    assert all(f.timetz() == time(17, 30, tzinfo=TZ) for f in fires)
    assert all(f.utcoffset() == timedelta(hours=8) for f in fires)  # Beijing time, 09:30 UTC


def test_first_trading_day_of_month_across_holiday_and_into_the_provisional_year() -> None:
    overrides = REPO / "schedules" / "holidays.toml"  # closes 2027-01-01 (New Year's Day)
    fires = _fires(_trigger("first_of_month", 9, 0, overrides), datetime(2026, 9, 15, tzinfo=TZ), 5)
    assert [f.date() for f in fires] == [
        date(2026, 10, 8),  # 10-01..10-07 closed
        date(2026, 11, 2),  # 11-01 is a Sunday
        date(2026, 12, 1),
        date(2027, 1, 4),  # beyond the library: weekdays minus the override (Fri 01-01), then the weekend
        date(2027, 2, 1),
    ]


def test_last_trading_day_of_month_and_week() -> None:
    month_end = _fires(_trigger("last_of_month"), datetime(2026, 9, 1, tzinfo=TZ), 2)
    assert [f.date() for f in month_end] == [date(2026, 9, 30), date(2026, 10, 30)]
    week_end = _fires(_trigger("last_of_week"), datetime(2026, 9, 21, tzinfo=TZ), 3)
    assert [f.date() for f in week_end] == [date(2026, 9, 24), date(2026, 9, 30), date(2026, 10, 9)]
    week_start = _fires(_trigger("first_of_week"), datetime(2026, 9, 29, tzinfo=TZ), 2)
    assert [f.date() for f in week_start] == [date(2026, 10, 8), date(2026, 10, 12)]


def test_same_day_before_and_after_the_fire_time() -> None:
    trigger = _trigger("every")
    assert trigger.get_next_fire_time(None, datetime(2026, 9, 30, 17, 29, tzinfo=TZ)) == datetime(
        2026, 9, 30, 17, 30, tzinfo=TZ
    )
    assert trigger.get_next_fire_time(None, datetime(2026, 9, 30, 17, 31, tzinfo=TZ)) == datetime(
        2026, 10, 8, 17, 30, tzinfo=TZ
    )


def test_triggers_survive_the_job_store_pickle() -> None:
    trigger = _trigger("first_of_month", 9, 0)
    copy = pickle.loads(pickle.dumps(trigger))
    start = datetime(2026, 9, 15, tzinfo=TZ)
    assert copy.get_next_fire_time(None, start) == trigger.get_next_fire_time(None, start)
    event = EventDayTrigger([date(2026, 9, 30)], time(20, 0), timezone=TZ)
    assert pickle.loads(pickle.dumps(event)).get_next_fire_time(None, start) == datetime(2026, 9, 30, 20, tzinfo=TZ)


def test_event_days_fire_once_each_in_order() -> None:
    trigger = EventDayTrigger([date(2026, 10, 9), date(2026, 9, 30), date(2026, 9, 30)], time(20), timezone=TZ)
    start = datetime(2026, 9, 1, tzinfo=TZ)
    first = trigger.get_next_fire_time(None, start)
    assert first == datetime(2026, 9, 30, 20, tzinfo=TZ)
    assert trigger.get_next_fire_time(first, first) == datetime(2026, 10, 9, 20, tzinfo=TZ)
    assert trigger.get_next_fire_time(datetime(2026, 10, 9, 20, tzinfo=TZ), start) is None


def test_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown rule 'third'"):
        _trigger("third").accepts(date(2026, 9, 30))
