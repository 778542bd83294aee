"""Rule-based Chinese sentences from numbers: comparisons with the previous month (环比) and with history (分位数).

No language model: every sentence is a template filled with values the caller computed from stored data.
A value that is absent gives a 暂缺 sentence with the reason instead of a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportbot import zhfmt

UP = "上升"
DOWN = "下降"
FLAT = "持平"

Formatter = Callable[[float], str]


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The current value against the previous one.

    ``flat`` is the band inside which the change counts as 持平: a relative band (5 = ±5 %) for levels,
    or an absolute band in the value's own unit when ``absolute`` (returns in percentage points).
    """

    current: float
    previous: float | None
    flat: float = 5.0
    absolute: bool = False

    @property
    def delta(self) -> float | None:
        """Current minus previous."""
        return None if self.previous is None else self.current - self.previous

    @property
    def relative_pct(self) -> float | None:
        """Change relative to the previous value, in percent (None when previous is 0 or absent)."""
        if self.previous is None or self.previous == 0:
            return None
        return (self.current - self.previous) / abs(self.previous) * 100

    @property
    def direction(self) -> str | None:
        """上升 / 下降 / 持平, or None without a previous value."""
        if self.delta is None:
            return None
        if self.absolute:
            flat = abs(self.delta) <= self.flat
        elif self.relative_pct is None:  # from 0: any change is a change
            flat = self.delta == 0
        else:
            flat = abs(self.relative_pct) <= self.flat
        if flat:
            return FLAT
        return UP if self.delta > 0 else DOWN


def percentile_rank(value: float, history: Sequence[float]) -> float | None:
    """Share of ``history`` at or below ``value``, in percent (None for an empty history)."""
    if not history:
        return None
    return sum(1 for h in history if h <= value) / len(history) * 100


MIN_HISTORY = 12  # months of history before a value is called high or low against it


def position_phrase(value: float, history: Sequence[float]) -> str:
    """Where ``value`` stands against ``history``: 创历史新高/新低 at the extremes, else its percentile band.

    Empty when the history is shorter than :data:`MIN_HISTORY` months (too short to call anything high).
    """
    if len(history) < MIN_HISTORY:
        return ""
    if value > max(history):
        return f"高于此前全部{len(history)}个月，创历史新高"
    if value < min(history):
        return f"低于此前全部{len(history)}个月，创历史新低"
    rank = percentile_rank(value, history)
    return f"在{len(history)}个可比月份中位于{rank:.0f}%分位，{level_phrase(rank)}"


def level_phrase(rank: float | None) -> str:
    """历史高位 / 偏高 / 中等 / 偏低 / 低位 for a percentile rank."""
    if rank is None:
        return "暂无可比历史"
    if rank >= 90:
        return "处于历史高位"
    if rank >= 70:
        return "处于历史偏高水平"
    if rank > 30:
        return "处于历史中等水平"
    if rank > 10:
        return "处于历史偏低水平"
    return "处于历史低位"


def change_phrase(cmp: Comparison, fmt: Formatter, *, prev_label: str = "上月") -> str:
    """``较上月（9只）下降11.1%`` style phrase; says so when there is nothing to compare with."""
    if cmp.previous is None:
        return f"{prev_label}数据暂缺，无法计算环比"
    direction = cmp.direction
    base = f"较{prev_label}（{fmt(cmp.previous)}）"
    if direction == FLAT:
        return base + "基本持平"
    assert cmp.delta is not None
    if cmp.absolute or cmp.relative_pct is None:
        return f"{base}{direction}{fmt(abs(cmp.delta)).rstrip('%')}{'个百分点' if cmp.absolute else ''}"
    return f"{base}{direction}{zhfmt.pct(abs(cmp.relative_pct), 1)}"


def compare_sentence(
    label: str,
    current: float | None,
    previous: float | None,
    fmt: Formatter,
    *,
    history: Sequence[float] = (),
    absolute: bool = False,
    flat: float = 5.0,
    missing_reason: str = "",
) -> str:
    """One sentence: the value, the change against the previous month and its historical percentile.

    ``label`` reads before the value (``本月新股首日平均涨幅为``); ``history`` holds comparable past values
    (e.g. every earlier month's figure); the position against it follows :func:`position_phrase`.
    """
    if current is None:
        return f"{label}{zhfmt.MISSING}" + (f"（{missing_reason}）" if missing_reason else "") + "。"
    cmp = Comparison(current=current, previous=previous, flat=flat, absolute=absolute)
    text = f"{label}{fmt(current)}，{change_phrase(cmp, fmt)}"
    position = position_phrase(current, history)
    return text + (f"，{position}" if position else "") + "。"


def count_fmt(unit: str) -> Formatter:
    """Formatter for counts: ``8`` → ``8只``."""
    return lambda v: f"{v:.0f}{unit}"


def pct_fmt(digits: int = 2) -> Formatter:
    """Formatter for values already in percent."""
    return lambda v: zhfmt.pct(v, digits)


def yi_fmt(digits: int = 2) -> Formatter:
    """Formatter for 亿元 amounts."""
    return lambda v: f"{zhfmt.num(v, digits)}亿元"


def times_fmt(digits: int = 2) -> Formatter:
    """Formatter for multiples (倍)."""
    return lambda v: f"{zhfmt.num(v, digits)}倍"


def trend_word(cmp: Comparison) -> str:
    """A short verb for headlines: 回升 / 回落 / 持平 / 暂无环比."""
    return {UP: "回升", DOWN: "回落", FLAT: "持平"}.get(cmp.direction or "", "暂无环比")


def signed_move(change_pct: float) -> str:
    """``+3.2`` → ``上涨3.20%``, ``-1`` → ``下跌1.00%``, 0 → ``持平``."""
    if not change_pct:
        return "持平"
    return f"{'上涨' if change_pct > 0 else '下跌'}{zhfmt.pct(abs(change_pct))}"
