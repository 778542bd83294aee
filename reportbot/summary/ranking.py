"""The ten headline items: every candidate scored by how unusual it is against its own history.

Score = weight × discount × surprise, where

- surprise is the month's change in units of the metric's typical month-to-month change (the standard
  deviation of its earlier monthly changes; levels such as counts and rates are compared in log terms,
  returns in percentage points), or for a single IPO its distance from the median of all earlier first-day
  returns in units of their standard deviation;
- weight is how much the figure matters to a subscriber (first-day return and 破发 most, then the
  winning rate, supply, pricing, the index, cash frozen and turnover);
- discount = min(1, months of history / 12): a figure with a short history cannot be very surprising.

The month's largest move (highest discounted surprise) always makes the list. Headline sentences are
short and distinct from the detailed section's sentences, which give the full comparison.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportbot import zhfmt
from reportbot.domain import Ipo
from reportbot.summary import narrative as nr
from reportbot.summary.monthly import MonthStat

MIN_CHANGES = 3  # monthly changes needed to measure a metric's typical change


@dataclass(frozen=True)
class Candidate:
    """One headline candidate."""

    text: str
    surprise: float  # in units of the metric's typical change (0 when it cannot be measured)
    weight: float
    discount: float

    @property
    def score(self) -> float:
        """Score = weight × discount × surprise."""
        return self.weight * self.discount * self.surprise


@dataclass(frozen=True)
class Metric:
    """A monthly figure that can make a headline."""

    label: str  # reads before the value: 新股首日平均涨幅
    get: Callable[[MonthStat], float | None]
    fmt: nr.Formatter
    weight: float
    log_scale: bool = False  # compare levels (counts, rates, amounts) by their ratio
    points: bool = False  # a percentage: changes in percentage points


def discount(months: int) -> float:
    """Short histories count less: min(1, months / 12)."""
    return min(1.0, months / nr.MIN_HISTORY)


def _transform(metric: Metric, value: float) -> float | None:
    if metric.log_scale:
        return math.log(value) if value > 0 else None
    return value


def typical_change(metric: Metric, history: Sequence[MonthStat]) -> float | None:
    """Standard deviation of the metric's changes between consecutive earlier months (None if too few)."""
    values = [metric.get(s) for s in history]
    steps = []
    for a, b in itertools.pairwise(values):
        if a is None or b is None:
            continue
        ta, tb = _transform(metric, a), _transform(metric, b)
        if ta is not None and tb is not None:
            steps.append(tb - ta)
    return statistics.stdev(steps) if len(steps) >= MIN_CHANGES and statistics.stdev(steps) > 0 else None


def _change_text(metric: Metric, current: float, previous: float, surprise: float) -> str:
    cmp = nr.Comparison(current=current, previous=previous, absolute=metric.points, flat=5.0)
    direction = cmp.direction
    if direction == nr.FLAT:
        return f"{metric.label}{metric.fmt(current)}，与上月基本持平"
    strength = "大幅" if surprise >= 2 else "明显" if surprise >= 1 else ""
    verb = {nr.UP: "上升", nr.DOWN: "回落"}[direction or nr.UP]
    delta = abs(current - previous)
    if metric.points:
        size = f"{zhfmt.num(delta)}个百分点"
    elif previous:
        size = zhfmt.pct(delta / abs(previous) * 100, 1)
    else:
        size = metric.fmt(delta)
    text = f"{metric.label}{strength}{verb}至{metric.fmt(current)}（上月{metric.fmt(previous)}，变动{size}"
    return text + (f"，约为以往月度变动典型幅度的{surprise:.1f}倍）" if surprise >= 1 else "）")


def metric_candidate(metric: Metric, cur: MonthStat, prev: MonthStat | None, history: Sequence[MonthStat]) -> Candidate:
    """The month's change of ``metric`` as a headline candidate (None-valued months give 0 surprise)."""
    value = metric.get(cur)
    assert value is not None
    before = metric.get(prev) if prev else None
    known = sum(1 for s in history if metric.get(s) is not None)
    spread = typical_change(metric, history)
    surprise = 0.0
    if before is not None and spread is not None:
        a, b = _transform(metric, before), _transform(metric, value)
        surprise = abs(b - a) / spread if a is not None and b is not None else 0.0
    if before is None:
        text = f"{metric.label}为{metric.fmt(value)}（上月无可比数据）"
    else:
        text = _change_text(metric, value, before, surprise)
    position = nr.position_phrase(value, [v for s in history if (v := metric.get(s)) is not None])
    if "创历史" in position:
        text += "，" + position.split("，")[-1]
    return Candidate(text + "。", surprise, metric.weight, discount(known))


def ipo_candidates(listed: Sequence[Ipo], earlier_returns: Sequence[float], months: int) -> list[Candidate]:
    """The month's best and worst IPO, scored against every earlier first-day return."""
    known = [i for i in listed if i.first_day_return_pct is not None]
    if not known or len(earlier_returns) < 2:
        return []
    median = statistics.median(earlier_returns)
    spread = statistics.stdev(earlier_returns) or 1.0
    best = max(known, key=lambda i: i.first_day_return_pct or 0.0)
    worst = min(known, key=lambda i: i.first_day_return_pct or 0.0)
    out = []
    for ipo, word in ((best, "最高"), (worst, "最低")):
        if word == "最低" and ipo is best:
            break
        value = ipo.first_day_return_pct or 0.0
        text = f"本月首日涨幅{word}的是{ipo.name}（{ipo.code}），为{zhfmt.pct(value)}"
        text += "，首日破发。" if value < 0 else "。"
        out.append(Candidate(text, abs(value - median) / spread, 0.6, discount(months)))
    return out


def break_candidate(cur: MonthStat, history: Sequence[MonthStat]) -> Candidate | None:
    """破发 this month against the historical share of IPOs that broke issue."""
    if not cur.returns_known:
        return None
    shares = [s.breaks / s.returns_known for s in history if s.returns_known]
    months = len(shares)
    surprise = 0.0
    if months >= MIN_CHANGES and statistics.pstdev(shares) > 0:
        surprise = abs(cur.breaks / cur.returns_known - statistics.fmean(shares)) / statistics.pstdev(shares)
    if cur.breaks:
        text = f"本月{cur.returns_known}只有首日数据的新股中{cur.breaks}只首日破发，打新并非无风险。"
    else:
        text = f"本月有首日数据的{cur.returns_known}只新股均未破发。"
    return Candidate(text, surprise, 1.0, discount(months))


def top(candidates: Sequence[Candidate], limit: int = 10) -> list[Candidate]:
    """The ``limit`` best-scored candidates, best first; the largest move always among them."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    chosen = ranked[:limit]
    if candidates:
        largest = max(candidates, key=lambda c: c.surprise * c.discount)
        if largest not in chosen:
            chosen[-1] = largest
            chosen.sort(key=lambda c: -c.score)
    return chosen
