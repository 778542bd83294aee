"""The exchange trading calendar (BSE trades on the Shanghai exchange's calendar, XSHG).

Sessions come from exchange_calendars; a TOML override file adds closures or openings (for holiday
changes announced after the library's release). Beyond the library's last known session, dates fall
back to weekdays minus the override closures, and ``is_provisional`` says so.
"""

from __future__ import annotations

import functools
import warnings
from datetime import date, timedelta
from pathlib import Path

from reportbot.checks import read_overrides
from reportbot.config import Config
from reportbot.errors import ConfigError

_HISTORY_START = "2018-01-01"
WARN_DAYS_BEFORE_END = 60


class TradingCalendar:
    """Trading days of one exchange, with overrides."""

    def __init__(
        self,
        sessions: list[date],
        *,
        library_end: date,
        extra_closed: frozenset[date] = frozenset(),
        extra_open: frozenset[date] = frozenset(),
    ) -> None:
        """Build from explicit sessions (tests) or via :func:`load_calendar`."""
        self.library_end = library_end
        self._closed = extra_closed
        self._open = extra_open
        self._known = frozenset(sessions)

    def is_trading_day(self, day: date) -> bool:
        """Whether the exchange is open on ``day``."""
        if day in self._closed:
            return False
        if day in self._open:
            return True
        if day <= self.library_end:
            return day in self._known
        return day.weekday() < 5

    def is_provisional(self, day: date) -> bool:
        """True when ``day`` lies beyond the calendar library's published holidays."""
        return day > self.library_end

    def next_trading_day(self, day: date) -> date:
        """The first trading day strictly after ``day``."""
        return self.add_trading_days(day, 1)

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before ``day``."""
        return self.add_trading_days(day, -1)

    def add_trading_days(self, day: date, n: int) -> date:
        """Move ``n`` trading days from ``day`` (``day`` itself need not be a trading day)."""
        step = 1 if n >= 0 else -1
        current, left = day, abs(n)
        while left:
            current += timedelta(days=step)
            if self.is_trading_day(current):
                left -= 1
        return current

    def trading_days(self, start: date, end: date) -> list[date]:
        """Trading days in ``[start, end]``."""
        out, day = [], start
        while day <= end:
            if self.is_trading_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out


def load_calendar(exchange: str = "XSHG", overrides_file: Path | None = None) -> TradingCalendar:
    """Build the calendar for ``exchange`` with the override file applied (cached per arguments)."""
    return _load_calendar(exchange, str(overrides_file) if overrides_file else "")


@functools.lru_cache(maxsize=4)
def _load_calendar(exchange: str, overrides_file: str) -> TradingCalendar:
    import exchange_calendars as xcals  # heavy (pandas): only when a calendar is needed

    try:
        with warnings.catch_warnings():
            # exchange-calendars 4.13 uses pandas APIs that pandas 3.1 deprecates (Pandas4Warning, e.g.
            # Series.values of tz-aware sessions); the sessions are the same, and the warnings are not ours.
            warnings.simplefilter("ignore", DeprecationWarning)
            cal = xcals.get_calendar(exchange, start=_HISTORY_START)
    except Exception as exc:  # exchange_calendars raises its own error types
        raise ConfigError(f"calendar.exchange: unknown exchange calendar {exchange!r}: {exc}") from exc
    sessions = [ts.date() for ts in cal.sessions]
    closed, opened = read_overrides(Path(overrides_file)) if overrides_file else (frozenset(), frozenset())
    return TradingCalendar(sessions, library_end=sessions[-1], extra_closed=closed, extra_open=opened)


def calendar_for(config: Config) -> TradingCalendar:
    """The exchange calendar of ``[calendar]`` with its overrides applied."""
    return load_calendar(config.calendar.exchange, config.calendar.overrides_file)


def months_before(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def month_ends(cal: TradingCalendar, start: date, today: date) -> list[date]:
    """The last trading day of every month from ``start``'s month, and the latest trading day of this month."""
    out: list[date] = []
    year, month = start.year, start.month
    while (year, month) <= (today.year, today.month):
        nxt = date(year + month // 12, month % 12 + 1, 1)
        end = min(cal.previous_trading_day(nxt), today)
        if not cal.is_trading_day(end):
            end = cal.previous_trading_day(end)
        if end >= date(year, month, 1) and end >= start:
            out.append(end)
        year, month = nxt.year, nxt.month
    return out


def month_end_days(cal: TradingCalendar, first: date) -> tuple[date, date]:
    """The last trading day before ``first``'s month and the last trading day of that month."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return cal.previous_trading_day(date(first.year, first.month, 1)), cal.previous_trading_day(following)


def calendar_end_warning(cal: TradingCalendar, today: date, *, days: int = WARN_DAYS_BEFORE_END) -> str | None:
    """A Chinese warning when the calendar library's published holidays end within ``days`` of ``today``."""
    left = (cal.library_end - today).days
    if left > days:
        return None
    end = cal.library_end.isoformat()
    if left < 0:
        return f"交易日历库数据已于 {end} 结束，之后的交易日按工作日推算（暂定）；请补充交易所公布的休市安排。"
    return (
        f"交易日历库数据将于 {end} 结束（还剩 {left} 天），之后的交易日按工作日推算；请及时补充交易所公布的休市安排。"
    )
