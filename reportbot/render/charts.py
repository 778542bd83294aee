"""Charts as JPEG (matplotlib Agg, 150 dpi) drawn in the shared CJK font with true minus signs.

A bitmap rather than SVG: WeasyPrint draws SVG in Python node by node (each label laid out by Pango), which
cost about 40 % of the monthly report's HTML→PDF time. JPEG rather than PNG: WeasyPrint embeds a JPEG as
it is (DCTDecode), while it decodes every PNG and compresses it again for each PDF (about 0.1 s for the
monthly report's four charts). At quality 92 without chroma subsampling the text and lines look the same
as the PNG did at print size, and the files are about as large. Charts are cached by their inputs
(``reportbot.store.cache``), so matplotlib is imported only when a chart's data change.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reportbot.domain import BacktestRow
from reportbot.model.backtest import STRATEGY_PERFECT
from reportbot.render.fonts import FALLBACK_FAMILY, CjkFont

_registered: set[str] = set()
RED = "#b22222"
BLUE = "#5b7fb0"
GREY = "#8a8f98"


def use_font(font: CjkFont) -> None:
    """Make matplotlib draw with the shared CJK font and a true minus sign."""
    if str(font.path) not in _registered:
        font_manager.fontManager.addfont(str(font.path))
        _registered.add(str(font.path))
    plt.rcParams["font.family"] = [font.family, FALLBACK_FAMILY, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = True
    plt.rcParams["axes.spines.top"] = False
    plt.rcParams["axes.spines.right"] = False
    plt.rcParams["axes.titlesize"] = 10
    plt.rcParams["axes.labelsize"] = 8.5
    plt.rcParams["xtick.labelsize"] = 8
    plt.rcParams["ytick.labelsize"] = 8


def monthly_history_chart(
    font: CjkFont, months: Sequence[str], counts: Sequence[int], means: Sequence[float | None]
) -> bytes:
    """Bars: IPOs listed per month; line: mean first-day return (%) where known."""
    with _canvas(font, (7.0, 2.15)) as (fig, ax):
        x = list(range(len(months)))
        ax.bar(x, counts, color="#c9d6e8", label="上市数量（只，左轴）")
        ax.set_ylabel("上市数量（只）")
        step = max(1, len(months) // 8)
        ax.set_xticks(x[::step], [m[2:].replace("-", "/") for m in months][::step])
        ax2 = ax.twinx()
        ax2.spines["right"].set_visible(True)
        pts = [(i, m) for i, m in zip(x, means, strict=True) if m is not None]
        if pts:
            ax2.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                color=RED,
                marker="o",
                markersize=3,
                linewidth=1.2,
                label="首日平均涨幅（%，右轴）",
            )
        ax2.set_ylabel("首日平均涨幅（%）")
        ax.set_title("北交所新股月度上市数量与首日平均涨幅")
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
        return _image(fig, rect=(0, 0.08, 1, 1))


def bse50_chart(font: CjkFont, series: Sequence[tuple[date, float]], month_start: date, month_end: date) -> bytes:
    """北证50 daily closes over the stored range, the report month shaded."""
    with _canvas(font, (7.0, 2.2)) as (fig, ax):
        ax.plot([d for d, _ in series], [c for _, c in series], color=BLUE, linewidth=1.2)  # type: ignore[arg-type]
        ax.axvspan(month_start, month_end, color="#f3dede", zorder=0)  # type: ignore[arg-type]
        ax.set_title("北证50指数日收盘（阴影为报告月）")
        ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
        fig.autofmt_xdate()
        return _image(fig)


def return_distribution_chart(font: CjkFont, history: Sequence[float], month: Sequence[float]) -> bytes:
    """Histogram of every known first-day return, the month's IPOs marked as ticks."""
    with _canvas(font, (7.0, 2.2)) as (fig, ax):
        hi = max([*history, *month, 100.0])
        lo = min([*history, *month, 0.0])
        step = 25.0 if hi - lo <= 800 else 50.0
        start = step * (lo // step)
        bins = [start + step * k for k in range(int((hi - start) // step) + 2)]
        ax.hist(list(history), bins=bins, color="#c9d6e8", edgecolor="white", label=f"已上市新股（{len(history)}只）")
        for value in month:
            ax.axvline(value, color=RED, linewidth=1.0, alpha=0.8)
        if month:
            ax.plot([], [], color=RED, label=f"本月新股（{len(month)}只）")
        else:  # no listings this month: say so instead of a zero legend
            ax.text(0.99, 0.95, "本月无新股上市", transform=ax.transAxes, ha="right", va="top", fontsize=8, color=GREY)
        ax.axvline(0, color="#333", linewidth=0.8)
        ax.set_xlabel("首日涨幅（%）")
        ax.set_ylabel("只数")
        ax.set_title("首日涨幅分布")
        ax.legend(fontsize=8, frameon=False)
        return _image(fig)


def prediction_scatter_chart(
    font: CjkFont, pairs: Sequence[tuple[float, float]], month_pairs: Sequence[tuple[float, float]]
) -> bytes:
    """Predicted vs actual first-day return (out of sample), the month's IPOs highlighted."""
    with _canvas(font, (4.6, 3.4)) as (fig, ax):
        ax.scatter([p for p, _ in pairs], [a for _, a in pairs], s=10, color=GREY, alpha=0.6, label="样本外预测")
        if month_pairs:
            ax.scatter([p for p, _ in month_pairs], [a for _, a in month_pairs], s=22, color=RED, label="本月新股")
        values = [v for pair in pairs for v in pair] or [0.0, 100.0]
        lo, hi = min(values), max(values)
        ax.plot([lo, hi], [lo, hi], color="#333", linewidth=0.8, linestyle="--", label="预测 = 实际")
        ax.set_xlabel("预测首日涨幅（%）")
        ax.set_ylabel("实际首日涨幅（%）")
        ax.set_title("预测与实际首日涨幅")
        ax.legend(fontsize=7.5, frameon=False, loc="upper left")
        return _image(fig)


def backtest_chart(font: CjkFont, rows: Sequence[BacktestRow]) -> bytes:
    """Cumulative profit (万元) of each strategy, year by year."""
    with _canvas(font, (4.6, 3.4)) as (fig, ax):
        strategies: dict[str, list[BacktestRow]] = {}
        for row in rows:
            if row.year is not None:
                strategies.setdefault(row.strategy, []).append(row)
        for name, items in strategies.items():
            items.sort(key=lambda r: r.year or 0)
            total = 0.0
            cumulative = []
            for item in items:
                total += item.profit_cny / 1e4
                cumulative.append(total)
            line = ax.plot([str(r.year) for r in items], cumulative, marker="o", markersize=3, label=name)[0]
            if name.endswith(STRATEGY_PERFECT):  # the hindsight ceiling: a reference, not a strategy
                line.set_color(GREY)
                line.set_linestyle("--")
        ax.axhline(0, color="#333", linewidth=0.8)
        ax.set_ylabel("累计收益（万元）")
        ax.set_title("策略回测累计收益（样本外）")
        ax.legend(fontsize=7.5, frameon=False)
        return _image(fig)


DPI = 150
JPEG_QUALITY = 92


# by name: the report cache keys a chart by its name and inputs, and draws it only on a miss
CHARTS: dict[str, Callable[..., bytes]] = {
    chart.__name__: chart
    for chart in (
        monthly_history_chart,
        bse50_chart,
        return_distribution_chart,
        prediction_scatter_chart,
        backtest_chart,
    )
}


@contextmanager
def _canvas(font: CjkFont, size: tuple[float, float]) -> Iterator[tuple[Figure, Axes]]:
    """A figure with one axes in the shared font, closed afterwards (pyplot keeps figures otherwise)."""
    use_font(font)
    fig, ax = plt.subplots(figsize=size, dpi=100)
    try:
        yield fig, ax
    finally:
        plt.close(fig)


def _image(fig: Figure, rect: tuple[float, float, float, float] | None = None) -> bytes:
    """The figure as an RGB JPEG (quality 92, no chroma subsampling, optimised Huffman tables), embedded unchanged."""
    fig.tight_layout(rect=rect)
    out = io.BytesIO()
    options = {"quality": JPEG_QUALITY, "subsampling": 0, "optimize": True}  # 4:4:4: coloured lines stay sharp
    fig.savefig(out, format="jpeg", dpi=DPI, facecolor="white", pil_kwargs=options)
    return out.getvalue()
