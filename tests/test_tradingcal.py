import warnings
from datetime import date
from pathlib import Path

import pytest

from reportbot.errors import ConfigError
from reportbot.tradingcal import load_calendar


def test_weekend_and_holiday() -> None:
    cal = load_calendar("XSHG")
    assert cal.next_trading_day(date(2026, 8, 14)) == date(2026, 8, 17)  # Fri → Mon
    assert cal.next_trading_day(date(2026, 9, 30)) == date(2026, 10, 8)  # National Day
    assert cal.previous_trading_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert not cal.is_trading_day(date(2026, 10, 1))


def test_override_file_and_provisional_dates(tmp_path: Path) -> None:
    overrides = tmp_path / "holidays.toml"
    overrides.write_text("closed = [2026-08-17, 2027-01-04]\nopen = []\n")
    cal = load_calendar("XSHG", overrides)
    assert cal.next_trading_day(date(2026, 8, 14)) == date(2026, 8, 18)
    assert cal.is_provisional(date(2027, 1, 5))
    assert cal.next_trading_day(date(2027, 1, 1)) == date(2027, 1, 5)


def test_bad_override_file(tmp_path: Path) -> None:
    overrides = tmp_path / "holidays.toml"
    overrides.write_text('closed = ["2026-08-17"]\n')
    with pytest.raises(ConfigError, match="closed entry must be a TOML date"):
        load_calendar("XSHG", overrides)


def test_calendar_end_warning_60_days_before() -> None:
    from reportbot.tradingcal import TradingCalendar, calendar_end_warning

    cal = TradingCalendar([date(2026, 12, 31)], library_end=date(2026, 12, 31))
    assert calendar_end_warning(cal, date(2026, 10, 31)) is None  # 61 days to go: not yet
    assert "还剩 60 天" in (calendar_end_warning(cal, date(2026, 11, 1)) or "")
    assert "已于 2026-12-31 结束" in (calendar_end_warning(cal, date(2027, 1, 4)) or "")


def test_missing_or_mistyped_overrides_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"calendar\.overrides_file: cannot read"):
        load_calendar("XSHG", tmp_path / "missing.toml")
    typo = tmp_path / "typo.toml"
    typo.write_text("closd = [2027-01-01]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'closd'"):
        load_calendar("XSHG", typo)


def test_loading_a_calendar_shows_no_library_warning() -> None:
    # exchange-calendars builds each exchange once per process: one no other test loads is built here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_calendar("XHKG")
    assert [str(w.message) for w in caught] == []
