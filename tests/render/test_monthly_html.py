"""The monthly report's HTML: sections, model results (synthetic), market data present or 暂缺."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from reportbot import zhfmt
from reportbot.config import Config
from reportbot.kinds import Segment
from reportbot.marketdata import MarketFigure, MarketPoint
from reportbot.model.defaults import default_settings
from reportbot.pipeline import report as report_case
from reportbot.store import ipos as ipo_store
from reportbot.summary import brief, market, report
from tests.conftest import fixed_now, synthetic_prediction
from tests.render.conftest import synthetic_model_report

SECTIONS = (
    "一、简要部分",
    "主要话题与市场趋势概述",
    "影响交易可能最大的10个信息",
    "二、详细部分",
    "1. 事件或主题概述",
    "2. 核心驱动与影响分析",
    "2.1 流动性",
    "2.2 新股供给与定价",
    "2.3 估值",
    "2.4 市场情绪",
    "3. 相关ETF或行业的潜在影响",
    "4. 主要风险与不确定性",
    "三、本月上市新股：预测与实际",
    "四、后续新股与申购建议",
    "五、模型表现与策略回测",
    "六、数据来源与时效",
    "免责声明",
)


def _html(config: Config, r: report.MonthlyReport) -> str:
    font = report_case.report_font(config)
    return report_case.render_monthly_html(
        config, r, font, {k: None for k in ("history", "distribution", "bse50", "scatter", "backtest")}
    ).html


def _build(store: sqlite3.Connection, config: Config, month: str, **kw: object) -> report.MonthlyReport:
    ipos = ipo_store.list_ipos(store, segment=Segment.BSE)
    defaults: dict[str, object] = {
        "market": market.build_market_view(month, [], [], [], []),
        "model": None,
        "model_reason": report.MODEL_MISSING,
        "upcoming": [],
        "data_as_of": date(2026, 9, 16),
        "data_sources": ["内置公开数据集，截至 2026-09-16"],
        "generated_at": fixed_now(),
    }
    defaults.update(kw)
    return report.build_monthly_report(ipos, month, **defaults)  # type: ignore[arg-type]


def test_every_section_and_ten_ranked_items(store: sqlite3.Connection, config: Config) -> None:
    text = _html(config, _build(store, config, "2026-08"))
    for heading in SECTIONS:
        assert heading in text, heading
    assert text.count("<li>", text.index("影响交易可能最大的10个信息"), text.index("二、详细部分")) == 10


def test_without_model_the_model_parts_say_why(store: sqlite3.Connection, config: Config) -> None:
    text = _html(config, _build(store, config, "2026-08"))
    assert "模型结果暂缺：模型未给出结果" in text
    assert "<h3>滚动样本外评估" not in text and "预测列说明：模型结果暂缺" in text


def test_market_absent_says_why_in_plain_chinese(store: sqlite3.Connection, config: Config) -> None:
    text = _html(config, _build(store, config, "2026-08"))
    assert "北证50指数暂缺：离线数据未含北证50日线。" in text
    assert "北证50市盈率暂缺" in text
    assert "reportbot" not in text.split("<body>")[1]


def test_market_present_is_used_with_its_source(store: sqlite3.Connection, config: Config) -> None:
    series = [(date(2026, 7, 31), 1000.0), (date(2026, 8, 14), 1010.0), (date(2026, 8, 31), 1038.0)]
    figs = [
        MarketFigure(
            month="2026-08", metric="bse50_pe", value=43.78, unit="倍", source="bse.cn 月报", as_of=date(2026, 9, 1)
        )
    ]
    prev = [
        MarketFigure(
            month="2026-07", metric="bse50_pe", value=40.0, unit="倍", source="bse.cn 月报", as_of=date(2026, 8, 1)
        )
    ]
    points = [
        MarketPoint(
            day=date(2026, 8, 20),
            metric="margin_balance_yi",
            value=77.39,
            unit="亿元",
            source="news.example",
            note="两融余额",
        )
    ]
    view = market.build_market_view("2026-08", series, figs, prev, points)
    assert view.bse50_change_pct == pytest.approx(3.8)
    text = _html(config, _build(store, config, "2026-08", market=view))
    assert "北证50指数本月上涨3.80%" in text
    assert "北证50市盈率43.78倍，较上月（40.00倍）上升9.5%" in text
    assert "bse.cn 月报" in text and "news.example" in text
    assert "离线数据未含北证50日线" not in text


def test_model_results_fill_the_tables(store: sqlite3.Connection, config: Config) -> None:
    ipos = ipo_store.list_ipos(store, segment=Segment.BSE)
    r = _build(store, config, "2026-08", model=synthetic_model_report(ipos), model_reason="")
    text = _html(config, r)
    assert "模型结果暂缺" not in text
    assert "滚动样本外评估" in text and "<td>55.55</td>" in text and "<td>66.66</td>" in text and "0.321" in text
    assert "平均绝对误差（百分点）" in text  # errors are in percentage points, not percent
    assert "模型建议" in text and "<td>3.58</td>" in text and "收益单位：万元" in text  # one unit per column
    row = next(x for x in r.rows if x.code == "920258")  # 聚仁新材 250.89 % actual, 111.11 % predicted
    assert row.prediction_error_pct == pytest.approx(250.8929 - 111.11)
    assert "+139.78</td>" in text.replace("−", "-")
    assert r.model.month_predicted == 6
    assert "北证50近5日涨幅因子缺少数据，未使用。" in text


def test_upcoming_rows_show_advice_and_breakeven(store: sqlite3.Connection, config: Config) -> None:
    ipo = ipo_store.get_ipo(store, "920201")  # 百瑞吉, subscribing 2026-09-07, no result in the data
    assert ipo is not None and ipo.apply_date is not None
    settings = default_settings(config)
    cal = report_case.trading_calendar(config)
    pred = synthetic_prediction(ipo.code, ipo.apply_date, 88.8)
    b = brief.build_brief(
        ipo, cal, settings, pred, prediction_reason="", refund_offset=2, data_as_of=None, generated_at=fixed_now()
    )
    text = _html(config, _build(store, config, "2026-08", upcoming=[b]))
    assert "百瑞吉" in text and "88.8%" in text and "申购</td>" in text
    assert b.winning_rate_pct == 0.03 and b.freeze_days == 2
    assert zhfmt.pct(b.breakeven_pct, 1) in text  # 5 % × 2 / 365 / 0.03 % = 91.3 %
    assert b.breakeven_pct == pytest.approx(0.05 * 2 / 365 / 0.0003 * 100)


def test_month_without_listings(store: sqlite3.Connection, config: Config) -> None:
    text = _html(config, _build(store, config, "2024-06"))
    assert "本月无新股上市" in text
    assert "上市新股数量为0只" in text


def test_month_not_over_is_flagged(store: sqlite3.Connection, config: Config) -> None:
    text = _html(config, _build(store, config, "2026-09"))  # the data end on 2026-09-16
    assert "数据截至2026-09-16，2026年9月尚未结束" in text
    assert "尚未结束" not in _html(config, _build(store, config, "2026-08"))
