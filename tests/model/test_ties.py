"""Same-day listings: the "recent IPOs" factors follow a rule that does not depend on code numbering."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
from datetime import date, timedelta

import pytest

from reportbot.domain import Ipo
from reportbot.kinds import Segment
from reportbot.model import factors as fx
from reportbot.store import ipos as ipo_store


def _ipo(code: str, listed: date, ret: float) -> Ipo:
    return Ipo(code=code, name=code, listing_date=listed, first_day_return_pct=ret)


def test_last_three_takes_whole_listing_days() -> None:
    day1, day2 = date(2026, 1, 5), date(2026, 1, 6)
    history = fx.OutcomeHistory(
        [
            _ipo("1", day1, 10.0),
            _ipo("2", day1, 20.0),
            _ipo("3", day1, 30.0),
            _ipo("4", day2, 100.0),
            _ipo("5", day2, 200.0),
        ]
    )
    # the 3rd-last IPO listed on day 1 together with two others: the whole day counts
    assert history.last_days_mean(date(2026, 1, 7), 3) == pytest.approx((10 + 20 + 30 + 100 + 200) / 5)
    assert history.last_days(date(2026, 1, 7), 3) == [10.0, 20.0, 30.0, 100.0, 200.0]  # the baseline's probabilities
    assert history.last_days_mean(date(2026, 1, 6), 3) == pytest.approx(20.0)
    assert history.last_days_mean(date(2026, 1, 6), 4) is None  # fewer than 4 known


def test_renumbering_same_day_listings_changes_no_factor(store: sqlite3.Connection) -> None:
    ipos = ipo_store.list_ipos(store, segment=Segment.BSE)
    by_day: dict[date, list[Ipo]] = {}
    for i in ipos:
        if i.listing_date is not None and i.first_day_return_pct is not None:
            by_day.setdefault(i.listing_date, []).append(i)
    shared = [d for d, group in by_day.items() if len(group) > 1]
    assert shared  # the bundled data has same-day listings
    # reverse the code order within each shared day by swapping codes (the outcomes stay with their IPO)
    renamed: dict[str, str] = {}
    for d in shared:
        codes = sorted(i.code for i in by_day[d])
        renamed.update(zip(codes, reversed(codes), strict=True))
    swapped = [dataclasses.replace(i, code=renamed.get(i.code, i.code)) for i in ipos]
    before = {(r.apply_date, r.actual_return_pct): r.values for r in fx.factor_rows(ipos)}
    after = {(r.apply_date, r.actual_return_pct): r.values for r in fx.factor_rows(swapped)}
    assert before == after
    assert {r.recent3 for r in fx.factor_rows(ipos)} == {r.recent3 for r in fx.factor_rows(swapped)}


T = date(2026, 3, 1)
AGED = [
    _ipo("1", T - timedelta(days=80), 100.0),  # weight 0.25 at half-life 40
    _ipo("2", T - timedelta(days=40), 300.0),  # weight 0.5
    _ipo("3", T - timedelta(days=40), 0.0),  # same day: same weight, whatever the code
    _ipo("4", T, 900.0),  # listed on T: not known before T
]


def test_calendar_ewma_weights_each_ipo_by_its_age_in_calendar_days() -> None:
    history = fx.OutcomeHistory(AGED)
    expected = (0.25 * math.log(2.0) + 0.5 * math.log(4.0) + 0.5 * math.log(1.0)) / 1.25
    assert history.log_ewma_calendar(T, 40.0) == pytest.approx(expected)
    assert history.log_ewma_calendar(T - timedelta(days=40), 40.0) is None  # fewer than 3 known


def test_log_of_calendar_ewma_averages_percent_returns_with_the_same_weights() -> None:
    history = fx.OutcomeHistory(AGED)
    mean_pct = (0.25 * 100.0 + 0.5 * 300.0 + 0.5 * 0.0) / 1.25  # 140 %; the IPO listed on T is not in
    assert history.log_of_ewma_calendar(T, 40.0) == pytest.approx(math.log(1.0 + mean_pct / 100.0))
    assert history.log_of_ewma_calendar(T + timedelta(days=1), 40.0) != history.log_of_ewma_calendar(T, 40.0)
    assert history.log_of_ewma_calendar(T - timedelta(days=40), 40.0) is None  # fewer than 3 known
    # swapping the codes of the same-day IPOs changes nothing
    swapped = [dataclasses.replace(i, code={"2": "3", "3": "2"}.get(i.code, i.code)) for i in AGED]
    assert fx.OutcomeHistory(swapped).log_of_ewma_calendar(T, 40.0) == history.log_of_ewma_calendar(T, 40.0)
