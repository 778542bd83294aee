"""Monthly IPO statistics and table rows, computed from stored IPOs (no I/O).

Every figure is an aggregate of stored fields, named in :data:`STAT_DEFINITIONS` so a reader can trace it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reportbot.domain import Ipo, Prediction

STAT_DEFINITIONS = (
    "上市数量：上市日在当月的北交所新股只数",
    "首日平均涨幅/中位数：当月上市新股首日涨幅（首日收盘价相对发行价）的算术平均/中位数",
    "破发：首日涨幅低于0",
    "募资总额：当月上市新股募集资金之和",
    "发行市盈率/行业市盈率：每只新股发行市盈率与所属行业市盈率之比的平均",
    "网上中签率：当月上市新股网上发行中签率的平均（百分比）",
    "冻结资金：单只新股网上申购冻结资金（有效申购股数 × 发行价）的平均",
    "首日换手率：当月上市新股首日换手率的平均",
    "行业：证监会行业分类；细分行业为数据源提供的更细分组，仅作补充",
)


@dataclass(frozen=True, kw_only=True)
class MonthStat:
    """Aggregates of the IPOs listed in one month (None where no IPO had the field)."""

    month: str
    count: int
    returns_known: int
    mean_return_pct: float | None
    median_return_pct: float | None
    breaks: int
    raised_yi: float | None
    pe_ratio: float | None  # mean issue PE / industry PE
    mean_issue_pe: float | None
    mean_winning_rate_pct: float | None
    frozen_yi: float | None  # mean per IPO (the same cash is reused from one IPO to the next)
    frozen_known: int
    mean_multiple: float | None
    mean_turnover_pct: float | None


@dataclass(frozen=True, kw_only=True)
class MonthlyIpoRow:
    """One IPO of the month with the model's out-of-sample prediction when there is one."""

    code: str
    name: str
    industry: str | None
    apply_date: date | None
    listing_date: date | None
    issue_price: float | None
    issue_pe: float | None
    winning_rate_pct: float | None
    first_day_return_pct: float | None
    predicted_return_pct: float | None
    prediction_error_pct: float | None


def month_of(day: date) -> str:
    """``date(2026, 8, 17)`` → ``"2026-08"``."""
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``."""
    year, mon = (int(x) for x in month.split("-"))
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def previous_month(month: str) -> str:
    """``2026-01`` → ``2025-12``."""
    return month_of(month_bounds(month)[0] - timedelta(days=1))


def listed_in(ipos: Sequence[Ipo], month: str) -> list[Ipo]:
    """IPOs listed in ``month``, by listing date then code."""
    return sorted(
        (i for i in ipos if i.listing_date and month_of(i.listing_date) == month),
        key=lambda i: (i.listing_date, i.code),
    )


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _sum(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def month_stat(ipos: Sequence[Ipo], month: str) -> MonthStat:
    """Aggregates of the IPOs listed in ``month``."""
    listed = listed_in(ipos, month)
    returns = [i.first_day_return_pct for i in listed if i.first_day_return_pct is not None]
    ratios = [i.issue_pe / i.industry_pe for i in listed if i.issue_pe is not None and i.industry_pe]
    return MonthStat(
        month=month,
        count=len(listed),
        returns_known=len(returns),
        mean_return_pct=statistics.fmean(returns) if returns else None,
        median_return_pct=statistics.median(returns) if returns else None,
        breaks=sum(1 for r in returns if r < 0),
        raised_yi=_sum([i.raised_funds_yi for i in listed]),
        pe_ratio=statistics.fmean(ratios) if ratios else None,
        mean_issue_pe=_mean([i.issue_pe for i in listed]),
        mean_winning_rate_pct=_mean([i.online_winning_rate_pct for i in listed]),
        frozen_yi=_mean([i.frozen_funds_yi for i in listed]),
        frozen_known=sum(1 for i in listed if i.frozen_funds_yi is not None),
        mean_multiple=_mean([i.subscription_multiple for i in listed]),
        mean_turnover_pct=_mean([i.first_day_turnover_pct for i in listed]),
    )


def month_series(ipos: Sequence[Ipo], last_month: str) -> list[MonthStat]:
    """One :class:`MonthStat` per month from the first listing month to ``last_month``, empty months included."""
    months = sorted(
        {month_of(i.listing_date) for i in ipos if i.listing_date and month_of(i.listing_date) <= last_month}
    )
    if not months:
        return [month_stat(ipos, last_month)]
    out = []
    key = months[0]
    while key <= last_month:
        out.append(month_stat(ipos, key))
        key = month_of(month_bounds(key)[1] + timedelta(days=1))
    return out


def ipo_rows(listed: Sequence[Ipo], predictions: dict[str, Prediction]) -> list[MonthlyIpoRow]:
    """Table rows for the month's IPOs, with the walk-forward prediction (when the model made one)."""
    rows = []
    for i in listed:
        pred = predictions.get(i.code)
        predicted = pred.predicted_return_pct if pred else None
        error = None
        if predicted is not None and i.first_day_return_pct is not None:
            error = i.first_day_return_pct - predicted
        rows.append(
            MonthlyIpoRow(
                code=i.code,
                name=i.name,
                industry=i.csrc_industry,
                apply_date=i.apply_date,
                listing_date=i.listing_date,
                issue_price=i.issue_price,
                issue_pe=i.issue_pe,
                winning_rate_pct=i.online_winning_rate_pct,
                first_day_return_pct=i.first_day_return_pct,
                predicted_return_pct=predicted,
                prediction_error_pct=error,
            )
        )
    return rows


def upcoming_ipos(ipos: Sequence[Ipo], month: str, as_of: date | None, horizon_days: int = 31) -> list[Ipo]:
    """IPOs after the report month: subscribing within ``horizon_days`` of its end, or applied but not yet listed."""
    _, last = month_bounds(month)
    horizon = last + timedelta(days=horizon_days)
    out = []
    for i in ipos:
        if i.apply_date is None:
            continue
        later = last < i.apply_date <= horizon
        pending = (
            i.apply_date <= last
            and i.listing_date is None
            and (as_of is None or i.apply_date >= last - timedelta(days=31))
        )
        if later or pending:
            out.append(i)
    return sorted(out, key=lambda i: (i.apply_date or date.min, i.code))


_FIELD_LABELS = {
    "apply_date": "申购日",
    "issue_price": "发行价",
    "issue_pe": "发行市盈率",
    "online_winning_rate_pct": "网上中签率",
    "first_day_return_pct": "首日涨幅",
}


def missing_notes(listed: Sequence[Ipo]) -> list[str]:
    """One Chinese line per field that is missing for some of the month's IPOs, naming them."""
    notes = []
    for field, label in _FIELD_LABELS.items():
        names = [f"{i.name}（{i.code}）" for i in listed if getattr(i, field) is None]
        if names:
            notes.append(f"{label}暂缺：{'、'.join(names)}——数据源未提供该字段（见数据来源说明）。")
    return notes
