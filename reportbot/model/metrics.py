"""Out-of-sample metrics of a predictor, and the two naive baselines it is compared with.

R² is out-of-sample: 1 − SSE / Σ(y − ȳ)² over the evaluated IPOs. 破发 (first-day return < 0) is
predicted when the point prediction is below 0 (for the model, whose point prediction is the median of
its predictive distribution, equivalently P(破发) ≥ 0.5). Precision,
recall and coverage are fractions; errors are in percentage points of first-day return.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from reportbot.domain import MetricSet

TRAILING_WINDOW = 20  # outcomes in the trailing-median baseline

# Seed 003's in-sample figures (its table 5-7, IPOs to 2024-03, 精选层 included); its n is not stated.
SEED_003 = MetricSet(
    name="种子003（样本内）",
    n=0,
    r2=0.57,
    mae_pct=27.0,
    median_ae_pct=None,
    break_precision=0.81,
    break_recall=0.70,
)


@dataclass(frozen=True, kw_only=True)
class Scored:
    """One evaluated IPO for one predictor."""

    actual: float
    predicted: float
    low: float | None = None
    high: float | None = None
    p_beats: float | None = None  # predicted P(return > break-even)
    beats: bool | None = None  # whether the actual return beat the break-even computed before T
    p_break: float | None = None  # predicted P(破发)
    year: int | None = None  # year of T


def metric_set(name: str, items: Sequence[Scored]) -> MetricSet:
    """All metrics of one predictor on one sample (None where undefined)."""
    n = len(items)
    if n == 0:
        return MetricSet(name=name, n=0, r2=None, mae_pct=None, median_ae_pct=None)
    actual = [s.actual for s in items]
    errors = [abs(s.actual - s.predicted) for s in items]
    mean = sum(actual) / n
    sst = sum((a - mean) ** 2 for a in actual)
    sse = sum((s.actual - s.predicted) ** 2 for s in items)
    covered = [s.low <= s.actual <= s.high for s in items if s.low is not None and s.high is not None]
    brier = [(s.p_beats - float(s.beats)) ** 2 for s in items if s.p_beats is not None and s.beats is not None]
    brier_break = [(s.p_break - float(s.actual < 0)) ** 2 for s in items if s.p_break is not None]
    with_interval = [s for s in items if s.low is not None and s.high is not None]
    coherent = [s for s in items if s.p_break is not None and s.p_beats is not None]
    true_breaks = sum(s.actual < 0 for s in items)
    called = sum(s.predicted < 0 for s in items)
    hits = sum(s.actual < 0 and s.predicted < 0 for s in items)
    return MetricSet(
        name=name,
        n=n,
        r2=1 - sse / sst if sst > 0 else None,
        mae_pct=sum(errors) / n,
        median_ae_pct=statistics.median(errors),
        interval_coverage=sum(covered) / len(covered) if covered else None,
        break_precision=hits / called if called and true_breaks else None,
        break_recall=hits / true_breaks if true_breaks else None,
        brier_beats_breakeven=sum(brier) / len(brier) if brier else None,
        brier_break=sum(brier_break) / len(brier_break) if brier_break else None,
        coverage_by_year=coverage_by_year(with_interval),
        bounds_below_minus_100=sum(s.low < -100.0 for s in with_interval) if with_interval else None,  # type: ignore[operator]
        incoherent=sum(s.p_break + s.p_beats > 1 + 1e-9 for s in coherent) if coherent else None,  # type: ignore[operator]
    )


def coverage_by_year(items: Sequence[Scored]) -> tuple[tuple[int, float], ...]:
    """Share of outcomes inside their interval, per year of T (items that have an interval)."""
    years = sorted({s.year for s in items if s.year is not None})
    return tuple(
        (y, sum(s.low <= s.actual <= s.high for s in items if s.year == y) / sum(1 for s in items if s.year == y))  # type: ignore[operator]
        for y in years
    )


def share_below(values: Sequence[float], threshold: float) -> float | None:
    """Share of ``values`` below ``threshold``, None without values."""
    return sum(v < threshold for v in values) / len(values) if values else None


def share_above(values: Sequence[float], threshold: float | None) -> float | None:
    """Share of ``values`` above ``threshold`` (an empirical probability), None when undefined."""
    if threshold is None or not values:
        return None
    return sum(v > threshold for v in values) / len(values)


def empirical_interval(values: Sequence[float], level: float) -> tuple[float | None, float | None]:
    """Central empirical interval of ``values`` at ``level`` (None without at least 5 values)."""
    if len(values) < 5:
        return None, None
    qs = statistics.quantiles(values, n=1000, method="inclusive")
    lo_i = round((0.5 - level / 2) * 1000) - 1
    hi_i = round((0.5 + level / 2) * 1000) - 1
    return qs[max(lo_i, 0)], qs[min(hi_i, len(qs) - 1)]
