from datetime import date

import pytest

from reportbot.errors import ModelError
from reportbot.model.subscription import breakeven_return, freeze_cost, freeze_days
from reportbot.tradingcal import load_calendar


@pytest.mark.parametrize(
    ("apply_day", "days"),
    [
        (date(2026, 8, 17), 2),  # Monday → Wednesday
        (date(2026, 8, 13), 4),  # Thursday → Monday
        (date(2026, 8, 14), 4),  # Friday → Tuesday
        (date(2026, 9, 29), 9),  # Tuesday before National Day → 2026-10-08
    ],
)
def test_freeze_days_follow_the_exchange_calendar(apply_day: date, days: int) -> None:
    assert freeze_days(load_calendar("XSHG"), apply_day) == days


def test_source_refund_date_wins() -> None:
    assert freeze_days(load_calendar("XSHG"), date(2026, 8, 17), source_refund_date=date(2026, 8, 20)) == 3


def test_freeze_cost_and_bad_winning_rate() -> None:
    assert freeze_cost(1_000_000, 0.05, 2) == pytest.approx(273.97, abs=0.01)
    with pytest.raises(ModelError, match="winning rate must be a fraction"):
        breakeven_return(0.05, 4, 2.0)
