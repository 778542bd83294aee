"""The recent listings a brief shows beside its IPO: what was known of first days before subscription day.

Point in time: only IPOs listed strictly before the IPO's subscription day T, with a first-day result.
The latest ``count`` of them are taken by listing day, newest first, and a listing day is never split
(the IPOs listed on the last day taken all come in), so the set does not depend on code numbering: the
model's recent-IPO rule (:meth:`reportbot.model.factors.OutcomeHistory.last_days_ipos`).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportbot.domain import Ipo
from reportbot.model.factors import OutcomeHistory

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
    rows = OutcomeHistory(ipos).last_days_ipos(before, count)[::-1]  # the model's recent-IPO rule
    if not rows:
        return Comparables(before, [], None, None, "申购日前没有已知首日表现的新股")
    returns = [i.first_day_return_pct for i in rows if i.first_day_return_pct is not None]
    return Comparables(before, rows, statistics.fmean(returns), statistics.median(returns), "")
