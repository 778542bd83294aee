"""The monthly report's view model, computed from stored IPOs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from reportbot.domain import Ipo


@dataclass(frozen=True, kw_only=True)
class MonthlyIpoRow:
    """One IPO row in the month's table."""

    code: str
    name: str
    apply_date: date | None
    listing_date: date | None
    issue_price: float | None
    issue_pe: float | None
    winning_rate_pct: float | None
    first_day_return_pct: float | None


@dataclass(frozen=True, kw_only=True)
class MonthStat:
    """Listing count and mean first-day return of one month (for the history chart)."""

    month: str
    count: int
    mean_return_pct: float | None


@dataclass(frozen=True, kw_only=True)
class MonthlyReport:
    """Everything the monthly template shows; every number comes from stored data."""

    month: str
    rows: list[MonthlyIpoRow]
    count: int
    returns_known: int
    mean_return_pct: float | None
    median_return_pct: float | None
    history: list[MonthStat]
    missing_notes: list[str]
    data_as_of: date | None
    data_sources: list[str]
    generated_at: datetime


def month_of(day: date) -> str:
    """``date(2026, 8, 17)`` → ``"2026-08"``."""
    return f"{day.year:04d}-{day.month:02d}"


def latest_listing_month(ipos: list[Ipo]) -> str | None:
    """The latest month in which any stored IPO listed."""
    months = [month_of(i.listing_date) for i in ipos if i.listing_date]
    return max(months) if months else None


def build_monthly_report(
    ipos: list[Ipo],
    month: str,
    *,
    data_as_of: date | None,
    data_sources: list[str],
    generated_at: datetime,
    history_months: int = 12,
) -> MonthlyReport:
    """Summarise the IPOs that listed in ``month`` (YYYY-MM) with the preceding months for context."""
    listed = sorted(
        (i for i in ipos if i.listing_date and month_of(i.listing_date) == month),
        key=lambda i: (i.listing_date, i.code),
    )
    returns = [i.first_day_return_pct for i in listed if i.first_day_return_pct is not None]
    rows = [
        MonthlyIpoRow(
            code=i.code,
            name=i.name,
            apply_date=i.apply_date,
            listing_date=i.listing_date,
            issue_price=i.issue_price,
            issue_pe=i.issue_pe,
            winning_rate_pct=i.online_winning_rate_pct,
            first_day_return_pct=i.first_day_return_pct,
        )
        for i in listed
    ]
    return MonthlyReport(
        month=month,
        rows=rows,
        count=len(listed),
        returns_known=len(returns),
        mean_return_pct=statistics.fmean(returns) if returns else None,
        median_return_pct=statistics.median(returns) if returns else None,
        history=monthly_history(ipos, month, history_months),
        missing_notes=missing_notes(listed),
        data_as_of=data_as_of,
        data_sources=data_sources,
        generated_at=generated_at,
    )


def monthly_history(ipos: list[Ipo], last_month: str, months: int) -> list[MonthStat]:
    """Per-month listing counts and mean first-day returns for ``months`` months up to ``last_month``."""
    year, mon = (int(x) for x in last_month.split("-"))
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{mon:02d}")
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    out = []
    for key in reversed(keys):
        listed = [i for i in ipos if i.listing_date and month_of(i.listing_date) == key]
        rets = [i.first_day_return_pct for i in listed if i.first_day_return_pct is not None]
        out.append(MonthStat(month=key, count=len(listed), mean_return_pct=statistics.fmean(rets) if rets else None))
    return out


_FIELD_REASONS = {
    "apply_date": "申购日",
    "issue_price": "发行价",
    "issue_pe": "发行市盈率",
    "online_winning_rate_pct": "网上中签率",
    "first_day_return_pct": "首日涨幅",
}


def missing_notes(listed: list[Ipo]) -> list[str]:
    """One Chinese line per field that is missing for some of the month's IPOs, naming them."""
    notes = []
    for field, label in _FIELD_REASONS.items():
        names = [f"{i.name}（{i.code}）" for i in listed if getattr(i, field) is None]
        if names:
            notes.append(f"{label}暂缺：{'、'.join(names)}——内置数据集的来源未记录该字段（见数据来源说明）。")
    return notes
