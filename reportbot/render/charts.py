"""Charts as SVG text (matplotlib Agg, glyphs embedded as paths so no font is needed downstream)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager

from reportbot.render.fonts import CjkFont

_registered: set[str] = set()


def use_font(font: CjkFont) -> None:
    """Make matplotlib draw with the shared CJK font and a true minus sign."""
    if str(font.path) not in _registered:
        font_manager.fontManager.addfont(str(font.path))
        _registered.add(str(font.path))
    plt.rcParams["font.family"] = [font.family]
    plt.rcParams["axes.unicode_minus"] = True
    plt.rcParams["svg.fonttype"] = "path"


def monthly_history_chart(
    font: CjkFont, months: Sequence[str], counts: Sequence[int], means: Sequence[float | None]
) -> str:
    """Bars: IPOs listed per month; line: mean first-day return (%) where known."""
    use_font(font)
    fig, ax = plt.subplots(figsize=(7.2, 3.0), dpi=100)
    try:
        x = range(len(months))
        ax.bar(x, counts, color="#9db4d3", label="上市数量（只）")
        ax.set_ylabel("上市数量（只）")
        ax.set_xticks(list(x), [m[2:] for m in months], fontsize=8)
        ax2 = ax.twinx()
        pts = [(i, m) for i, m in zip(x, means, strict=True) if m is not None]
        if pts:
            ax2.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                color="#c0392b",
                marker="o",
                label="首日平均涨幅（%）",
            )
        ax2.set_ylabel("首日平均涨幅（%）")
        ax.set_title("北交所新股月度上市数量与首日平均涨幅")
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
        fig.tight_layout()
        return _svg(fig)
    finally:
        plt.close(fig)


def returns_bar_chart(font: CjkFont, names: Sequence[str], returns: Sequence[float]) -> str:
    """Horizontal bars of each IPO's first-day return (%)."""
    use_font(font)
    fig, ax = plt.subplots(figsize=(7.2, max(1.6, 0.35 * len(names) + 0.9)), dpi=100)
    try:
        colors = ["#c0392b" if r >= 0 else "#27ae60" for r in returns]
        ax.barh(list(range(len(names))), returns, color=colors)
        ax.set_yticks(list(range(len(names))), list(names), fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="#555", linewidth=0.8)
        ax.set_xlabel("首日涨幅（%）")
        ax.set_title("本月新股首日涨幅")
        fig.tight_layout()
        return _svg(fig)
    finally:
        plt.close(fig)


def _svg(fig: plt.Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()
