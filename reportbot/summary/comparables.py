"""The recent listings a brief shows beside its IPO: what was known of first days before subscription day.

Point in time: only IPOs listed strictly before the IPO's subscription day T, with a first-day result.
The latest ``count`` of them are taken by listing day, newest first, and a listing day is never split
(the IPOs listed on the last day taken all come in), so the set does not depend on code numbering; the
same rule as the model's recent-IPO factors.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportbot.domain import Ipo

COUNT = 5


@dataclass(frozen=True)
class Comparables:
    """The recent listings before ``before`` (newest first), their mean and median first day, or why none."""

    before: date | None
    rows: list[Ipo]
    mean_return_pct: float | None
    median_return_pct: float | None
    reason: str  # Chinese, when there are no rows


def recent_listings(ipos: Sequence[Ipo], before: date | None, count: int = COUNT) -> Comparables:
    """The latest ``count`` listings before ``before`` with a first-day return (whole listing days)."""
    if before is None:
        return Comparables(None, [], None, None, "申购日未知，无法确定此前上市的新股")
    known = [i for i in ipos if _listed_before(i, before) and i.first_day_return_pct is not None]
    known.sort(key=lambda i: (i.listing_date or before, i.code), reverse=True)
    rows: list[Ipo] = []
    for ipo in known:
        if len(rows) >= count and ipo.listing_date != rows[-1].listing_date:
            break
        rows.append(ipo)
    if not rows:
        return Comparables(before, [], None, None, "申购日前没有已知首日表现的新股")
    returns = [i.first_day_return_pct for i in rows if i.first_day_return_pct is not None]
    return Comparables(before, rows, statistics.fmean(returns), statistics.median(returns), "")


def _listed_before(ipo: Ipo, day: date) -> bool:
    return ipo.listing_date is not None and ipo.listing_date < day
