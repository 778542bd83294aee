"""Charts: JPEG drawn in the shared CJK font with true minus signs, every chart type draws, reproducibly."""

from __future__ import annotations

import io
from datetime import date, timedelta

import matplotlib.pyplot as plt
from PIL import Image

from reportbot.config import Config
from reportbot.domain import BacktestRow
from reportbot.pipeline import report as report_case
from reportbot.render import charts, fonts


def test_every_chart_draws_text_in_the_prepared_font(config: Config) -> None:
    font = report_case.report_font(config)
    start = date(2026, 7, 1)
    series = [(start + timedelta(days=i), 1000.0 + 3 * i) for i in range(60)]
    rows = [
        BacktestRow(
            strategy="全部申购",
            year=2025,
            subscribed=3,
            profit_cny=-20_000.0,
            capital_days=1e6,
            return_on_frozen_pct=-1.0,
        ),
        BacktestRow(
            strategy="全部申购", year=2026, subscribed=4, profit_cny=5_000.0, capital_days=1e6, return_on_frozen_pct=0.5
        ),
    ]
    images = {
        "北证50指数日收盘": charts.bse50_chart(font, series, date(2026, 8, 1), date(2026, 8, 31)),
        "北交所新股月度上市数量与首日平均涨幅": charts.monthly_history_chart(
            font, ["2026-07", "2026-08"], [9, 8], [303.8, None]
        ),
        "首日涨幅分布": charts.return_distribution_chart(font, [-20.0, 50.0, 120.0], [50.0]),
        "预测与实际首日涨幅": charts.prediction_scatter_chart(font, [(10.0, -5.0), (80.0, 120.0)], [(80.0, 120.0)]),
        "策略回测累计收益（样本外）": charts.backtest_chart(font, rows),
    }
    for title, data in images.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and image.width >= 600, title  # 150 dpi, embedded as it is
        assert image.mode == "RGB", title  # no alpha channel for WeasyPrint to split off and re-encode
    assert plt.rcParams["font.family"][0] == fonts.PREPARED_FAMILY  # the report's font
    assert plt.rcParams["axes.unicode_minus"]  # U+2212 on negative ticks
    again = charts.return_distribution_chart(font, [-20.0, 50.0, 120.0], [50.0])
    assert again == images["首日涨幅分布"]  # no timestamp or version: the same data give the same bytes
    empty = charts.return_distribution_chart(font, [-20.0, 50.0, 120.0], [])
    assert empty != again  # a month without listings says so instead of a zero legend
