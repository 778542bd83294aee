"""What was known on a given day: the store seen as of the end of a report month (no look-ahead; pure).

A report for month M must read like one written at the end of M. The store holds what is known today, so
every later fact is taken out here, in one place, before any statistic, sentence, chart or model sees it:

- an IPO exists from its first announcement (招股意向书) on; without that date, from two days before
  its subscription day T (the shortest lead between announcement and T in the data), so it is never
  shown earlier than it could have been known;
- its listing day and first-day outcome exist from the listing day on;
- its subscription results (winning rate, valid shares and accounts, frozen funds, multiple) exist from
  the result announcement (发行结果公告日) on, else from the listing day on;
- an index value exists from its day on, and never before the index itself was launched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from reportbot.domain import Ipo
from reportbot.marketdata import MarketPoint

ANNOUNCEMENT_LEAD = timedelta(days=2)
BSE50_LAUNCH = date(2022, 11, 21)  # 北证50 was published from this day on (base day 2022-04-29)
BSE50_METRICS = frozenset({"bse50_close", "bse50_change_pct"})

OUTCOME_FIELDS = (
    "listing_date",
    "first_day_close",
    "first_day_return_pct",
    "first_day_avg_price",
    "first_day_turnover_pct",
    "day2_close",
    "day3_close",
)
RESULT_FIELDS = (
    "online_winning_rate_pct",
    "online_valid_shares",
    "online_valid_accounts",
    "online_allocated_accounts",
    "frozen_funds_yi",
    "subscription_multiple",
)


def known_from(ipo: Ipo) -> date | None:
    """The first day the IPO was public (None: only its listing is dated, or nothing is)."""
    if ipo.first_announcement_date is not None:
        return ipo.first_announcement_date
    if ipo.apply_date is not None:
        return ipo.apply_date - ANNOUNCEMENT_LEAD
    return ipo.listing_date


def result_known_from(ipo: Ipo) -> date | None:
    """The day the subscription results were published (result announcement, else the listing day)."""
    return ipo.issue_result_date or ipo.listing_date


def as_known_on(ipo: Ipo, day: date) -> Ipo | None:
    """``ipo`` with only the fields public at the end of ``day`` (None when it was not yet announced)."""
    start = known_from(ipo)
    if start is None or start > day:
        return None
    blank: dict[str, Any] = {}
    if ipo.listing_date is None or ipo.listing_date > day:
        blank.update(dict.fromkeys(OUTCOME_FIELDS))
    result_day = result_known_from(ipo)
    if result_day is None or result_day > day:
        blank.update(dict.fromkeys(RESULT_FIELDS))
        blank["issue_result_date"] = None
    return dataclasses.replace(ipo, **blank) if blank else ipo


def known_ipos(ipos: Iterable[Ipo], day: date) -> list[Ipo]:
    """Every IPO as known at the end of ``day``, in the input order."""
    return [k for i in ipos if (k := as_known_on(i, day)) is not None]


def known_series(series: Sequence[tuple[date, float]], day: date) -> list[tuple[date, float]]:
    """北证50 closes up to ``day`` (none before the index was launched)."""
    return [(d, c) for d, c in series if BSE50_LAUNCH <= d <= day]


def valid_point(point: MarketPoint) -> bool:
    """False for a 北证50 figure dated before the index existed (a back-calculated value, not a quote)."""
    return not (point.metric in BSE50_METRICS and point.day < BSE50_LAUNCH)


def known_points(points: Iterable[MarketPoint], day: date) -> list[MarketPoint]:
    """Dated news figures up to ``day`` that could have been quoted then."""
    return [p for p in points if p.day <= day and valid_point(p)]
