"""The recent listings beside a brief: strictly before T, whole listing days, never by code numbering."""

from __future__ import annotations

from datetime import date

from reportbot.domain import Ipo
from reportbot.summary.comparables import recent_listings

T = date(2026, 9, 16)


def _ipo(code: str, listed: date | None, ret: float | None) -> Ipo:
    return Ipo(code=code, name=f"样本{code}", listing_date=listed, first_day_return_pct=ret)


IPOS = [
    _ipo("920001", date(2026, 9, 16), 500.0),  # listed on T itself: not known before T
    _ipo("920002", date(2026, 9, 15), 100.0),
    _ipo("920003", date(2026, 9, 10), 0.0),  # a flat first day still counts
    _ipo("920004", date(2026, 9, 10), 40.0),
    _ipo("920005", date(2026, 9, 9), None),  # no first-day result
    _ipo("920006", date(2026, 9, 1), 20.0),
    _ipo("920007", date(2026, 8, 20), 60.0),  # 5th and 6th share a listing day: both come in
    _ipo("920008", date(2026, 8, 20), 80.0),
    _ipo("920009", date(2026, 8, 1), 1000.0),
    _ipo("920010", None, 10.0),
]


def test_latest_listings_before_t_whole_days_newest_first() -> None:
    got = recent_listings(IPOS, T, count=5)
    assert [i.code for i in got.rows] == ["920002", "920004", "920003", "920006", "920008", "920007"]
    assert got.mean_return_pct == (100 + 0 + 40 + 20 + 60 + 80) / 6
    assert got.median_return_pct == 50.0  # (40 + 60) / 2
    assert got.reason == ""


def test_renumbering_does_not_change_the_set() -> None:
    renumbered = [_ipo(f"9209{99 - n}", i.listing_date, i.first_day_return_pct) for n, i in enumerate(IPOS)]
    original = recent_listings(IPOS, T, count=5)
    again = recent_listings(renumbered, T, count=5)
    assert sorted(i.first_day_return_pct or 0 for i in again.rows) == sorted(
        i.first_day_return_pct or 0 for i in original.rows
    )


def test_no_subscription_day_or_no_history_is_said_in_chinese() -> None:
    assert recent_listings(IPOS, None).reason == "申购日未知，无法确定此前上市的新股"
    early = recent_listings(IPOS, date(2026, 8, 1))
    assert early.rows == [] and early.mean_return_pct is None and early.reason == "申购日前没有已知首日表现的新股"
