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
    assert cal.first_trading_day_of_month(2026, 10) == date(2026, 10, 8)


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
