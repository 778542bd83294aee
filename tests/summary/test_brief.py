"""The per-IPO brief's subscription math: cash at the cap, capital, freeze period and their gaps."""

from __future__ import annotations

from datetime import date

import pytest

from reportbot.domain import Ipo, SubscriberSettings
from reportbot.summary import brief
from reportbot.tradingcal import TradingCalendar, load_calendar
from tests.conftest import FIXED_NOW

SETTINGS = SubscriberSettings(capital_cny=50_000.0, annual_rate=0.02, min_probability=0.6)


@pytest.fixture(scope="module")
def calendar() -> TradingCalendar:
    return load_calendar()


def _brief(calendar: TradingCalendar, **kw: object) -> brief.IpoBrief:
    fields: dict[str, object] = {"code": "920999", "name": "测试新股", "issue_price": 10.0}
    fields.update(kw)
    ipo = Ipo(**fields)  # type: ignore[arg-type]
    return brief.build_brief(
        ipo,
        calendar,
        SETTINGS,
        None,
        prediction_reason="",
        refund_offset=2,
        data_as_of=None,
        generated_at=FIXED_NOW,
    )


def test_cap_cash_from_cap_shares_and_price(calendar: TradingCalendar) -> None:
    b = _brief(calendar, apply_date=date(2026, 8, 12), subscription_cap_shares=20_000.0, online_winning_rate_pct=0.05)
    assert b.cap_cash == 200_000.0 and b.capital_used == 50_000.0
    assert b.shares_applied == 5_000.0
    assert b.freeze_days is not None and b.freeze_days > 0
    assert b.freeze_cost_capital == pytest.approx(50_000.0 * 0.02 * b.freeze_days / 365)
    assert b.breakeven_pct == pytest.approx(0.02 * b.freeze_days / 365 / 0.0005 * 100)
    assert b.notes == []


def test_cap_cash_from_the_source_when_cap_shares_are_missing(calendar: TradingCalendar) -> None:
    b = _brief(calendar, apply_date=date(2026, 8, 12), top_apply_amount_wan=3.0)
    assert b.cap_cash == 30_000.0 and b.capital_used == 30_000.0
    assert brief.cap_cash_of(b.ipo) == 30_000.0
    assert any("顶格申购需资金" in n for n in b.notes)


def test_no_subscription_day_leaves_the_freeze_absent_with_a_reason(calendar: TradingCalendar) -> None:
    b = _brief(calendar, subscription_cap_shares=20_000.0)
    assert b.freeze_days is None and b.refund_day is None and b.freeze_cost_cap is None
    assert b.breakeven_pct is None and not b.provisional_calendar
    assert any(n.startswith("申购日暂缺") for n in b.notes)
