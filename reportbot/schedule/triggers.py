"""APScheduler triggers on the exchange calendar (Beijing time).

Both triggers pickle to plain values (APScheduler's SQLAlchemy job store stores them): the trading
calendar is loaded again, lazily, from the exchange code and the override file.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from reportbot.tradingcal import TradingCalendar, load_calendar

_MAX_DAYS = 3 * 366  # a trading-day trigger that finds nothing within this many days has no next run


class TradingDayTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """A CronTrigger that only fires on trading days matching ``rule``.

    Rules: ``every`` trading day, the ``first_of_month`` / ``last_of_month`` / ``first_of_week`` /
    ``last_of_week`` trading day.
    """

    def __init__(
        self,
        cron: dict[str, str],
        *,
        rule: str,
        timezone: ZoneInfo,
        exchange: str,
        overrides_file: Path | None,
    ) -> None:
        """Build from cron fields, a trading-day rule and the calendar's identity."""
        self.cron = CronTrigger(timezone=timezone, **cron)
        self.rule = rule
        self.timezone = timezone
        self.exchange = exchange
        self.overrides_file = str(overrides_file) if overrides_file else ""

    @property
    def calendar(self) -> TradingCalendar:
        """The exchange calendar (cached by tradingcal)."""
        return load_calendar(self.exchange, Path(self.overrides_file) if self.overrides_file else None)

    def accepts(self, day: date) -> bool:
        """Whether the trigger may fire on ``day``."""
        cal = self.calendar
        if not cal.is_trading_day(day):
            return False
        if self.rule == "every":
            return True
        if self.rule == "first_of_month":
            return cal.previous_trading_day(day).month != day.month
        if self.rule == "last_of_month":
            return cal.next_trading_day(day).month != day.month
        week = day.isocalendar()[:2]
        if self.rule == "first_of_week":
            return cal.previous_trading_day(day).isocalendar()[:2] != week
        if self.rule == "last_of_week":
            return cal.next_trading_day(day).isocalendar()[:2] != week
        raise ValueError(f"TradingDayTrigger: unknown rule {self.rule!r}")

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The cron's next fire time on an accepted day (None beyond ~3 years)."""
        candidate: datetime | None = self.cron.get_next_fire_time(previous_fire_time, now)
        limit = now.astimezone(self.timezone).date() + timedelta(days=_MAX_DAYS)
        while candidate is not None:
            local = candidate.astimezone(self.timezone)
            if local.date() > limit:
                return None
            if self.accepts(local.date()):
                return candidate
            midnight = datetime.combine(local.date() + timedelta(days=1), time(), self.timezone)
            candidate = self.cron.get_next_fire_time(None, midnight)
        return None

    def __str__(self) -> str:
        """Readable form for APScheduler's logs."""
        return f"trading_day[{self.rule}, {self.cron}]"

    def __repr__(self) -> str:
        """Readable form for debugging."""
        return f"<TradingDayTrigger (rule={self.rule!r}, cron={self.cron!r}, exchange={self.exchange!r})>"

    def __getstate__(self) -> dict[str, Any]:
        """Plain values for the job store (never the loaded calendar)."""
        return {
            "version": 1,
            "cron": self.cron.__getstate__(),
            "rule": self.rule,
            "timezone": self.timezone.key,
            "exchange": self.exchange,
            "overrides_file": self.overrides_file,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`__getstate__`."""
        if state.get("version") != 1:
            raise ValueError(f"TradingDayTrigger: cannot restore state version {state.get('version')!r}")
        self.cron = CronTrigger.__new__(CronTrigger)
        self.cron.__setstate__(state["cron"])
        self.rule = state["rule"]
        self.timezone = ZoneInfo(state["timezone"])
        self.exchange = state["exchange"]
        self.overrides_file = state["overrides_file"]


class EventDayTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """Fires at one time of day on a fixed set of days (derived from the IPO calendar)."""

    def __init__(self, days: list[date] | tuple[date, ...], at: time, *, timezone: ZoneInfo) -> None:
        """Fire on each of ``days`` at ``at`` (Beijing time)."""
        self.days = tuple(sorted(set(days)))
        self.at = at
        self.timezone = timezone

    def fire_times(self) -> list[datetime]:
        """Every fire time, oldest first."""
        return [datetime.combine(d, self.at, self.timezone) for d in self.days]

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The first fire time after ``previous_fire_time`` (or at/after ``now`` for a new job)."""
        for fire in self.fire_times():
            if (fire > previous_fire_time) if previous_fire_time is not None else (fire >= now):
                return fire
        return None

    def __str__(self) -> str:
        """Readable form for APScheduler's logs."""
        return f"event_days[{len(self.days)} days at {self.at:%H:%M:%S}]"

    def __repr__(self) -> str:
        """Readable form for debugging."""
        return f"<EventDayTrigger (days={len(self.days)}, at={self.at!r})>"

    def __getstate__(self) -> dict[str, Any]:
        """Plain values for the job store."""
        return {
            "version": 1,
            "days": [d.isoformat() for d in self.days],
            "at": self.at.isoformat(),
            "tz": self.timezone.key,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`__getstate__`."""
        if state.get("version") != 1:
            raise ValueError(f"EventDayTrigger: cannot restore state version {state.get('version')!r}")
        self.days = tuple(date.fromisoformat(d) for d in state["days"])
        self.at = time.fromisoformat(state["at"])
        self.timezone = ZoneInfo(state["tz"])
