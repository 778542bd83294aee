"""The market view of a month: figures with their publishers in Chinese."""

from __future__ import annotations

import re
from datetime import date

from reportbot.marketdata import MarketFigure
from reportbot.summary import market_stats
from reportbot.summary.market import build_market_view


def test_market_figures_name_their_publisher_not_our_source_name() -> None:
    """Fetched figures carry our source names in the store (em_bse50, bse_daily…); a report names the publisher."""
    figures = [
        MarketFigure(month="2026-08", metric=m, value=v, unit="亿元", source=src, as_of=date(2026, 8, 31))
        for m, v, src in (
            ("turnover_yi", 1234.5, market_stats.SRC_DAILY),
            ("margin_balance_yi", 59.2, market_stats.SRC_MARGIN),
        )
    ]
    view = build_market_view("2026-08", [], figures, [], [])
    sources = [line.source for line in view.figures]
    assert sources == ["北交所市场日报", "北交所融资融券汇总（月末两融余额）"]
    assert not any(re.search(r"[a-z_]{3,}", s) for s in sources)
