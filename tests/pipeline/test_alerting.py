"""Alert composition with synthetic predictions (fixtures only: never the bundled data's numbers)."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date

import pytest

from reportbot.config import Config
from reportbot.domain import Ipo, LotOutlook, Prediction, SubscriberSettings
from reportbot.notify.base import split_text
from reportbot.notify.telegram import MAX_MESSAGE_CHARS
from reportbot.pipeline.alerting import AlertComposer
from reportbot.summary import alert
from reportbot.tradingcal import calendar_for
from tests.conftest import synthetic_prediction

IPO = Ipo(
    code="920999",
    name="测试科技",
    apply_code="889999",
    apply_date=date(2026, 8, 17),
    issue_result_date=date(2026, 8, 19),
    listing_date=date(2026, 8, 25),
    issue_price=10.0,
    issue_pe=12.0,
    industry_pe=24.0,
    subscription_cap_shares=500_000.0,
    online_winning_rate_pct=0.05,
)
SETTINGS = SubscriberSettings(capital_cny=1_000_000.0, annual_rate=0.04, min_probability=0.6)


def _lots(shares: int, cash: float, *, at_cap: bool, by_proportion: int, p_extra_low: float) -> LotOutlook:
    """A made-up allocation at an estimated 配售比例 of 0.04 %."""
    return LotOutlook(
        shares=shares,
        cash=cash,
        at_cap=at_cap,
        ratio=0.0004,
        ratio_published=False,
        by_proportion=by_proportion,
        p_extra_low=p_extra_low,
        p_extra_high=1.0,
        basis="测试依据",
        capital_for_one_lot=2_500_000.0,
        cash_for_cap=5_000_000.0,
    )


PREDICTION = dataclasses.replace(
    synthetic_prediction("920999", date(2026, 8, 17), 85.0, advice="回避"),
    interval_low_pct=20.0,
    interval_high_pct=150.0,
    p_break_issue=0.05,
    expected_winning_rate_pct=0.04,
    breakeven_return_pct=54.8,
    expected_profit_per_10k=1.23,
    train_size=120,
    allocation=_lots(100_000, 1_000_000.0, at_cap=False, by_proportion=0, p_extra_low=0.0),
    expected_profit_cny=-219.18,
    cap_allocation=_lots(500_000, 5_000_000.0, at_cap=True, by_proportion=2, p_extra_low=0.3),
    cap_expected_profit_cny=850.0,
    cap_advice="申购",
)

WITH_LOTS = dataclasses.replace(
    PREDICTION,
    allocation=dataclasses.replace(PREDICTION.cap_allocation, at_cap=False, shares=300_000, cash=3e6, p_extra_low=0.0),  # type: ignore[arg-type]
    advice="申购",
    expected_profit_cny=123.0,
)


def _text(config: Config, prediction: Prediction | None, event: str = "eve", ipo: Ipo = IPO) -> str:
    terms = alert.alert_terms(ipo, calendar_for(config), capital=SETTINGS.capital_cny, annual_rate=SETTINGS.annual_rate)
    return alert.format_subscriber_alert(terms, prediction, SETTINGS, event=event)


def test_alert_has_every_field_for_this_subscriber(config: Config) -> None:
    text = _text(config, PREDICTION)
    for expected in (
        "【北交所新股申购提醒·下一交易日（8月17日，周一）申购】",
        "测试科技（920999）",
        "申购代码：889999",
        "申购日：2026-08-17（周一）",
        "发行价：10.00 元；发行市盈率 12.00 倍，行业市盈率 24.00 倍（为行业的 50%）",
        "申购上限：50.00万股；顶格申购需资金：500.00万元",
        "预计中签率：0.0400%",
        "资金冻结：2 个自然日（退款日 2026-08-19（周三））",
        "按您的申购资金 100.00万元、年化资金成本 4.00% 计，整手申购冻结 100.00万元，冻结成本约 219.18元",
        "预测首日涨幅：+85.0%（80% 区间 +20.0% ~ +150.0%）；破发概率 5%",
        "配售比例（申购日前估计）：0.0400%；您可申购 100,000 股，冻结 100.00万元",
        "按比例配售您将获配 0 手：按比例获配1手至少需申购资金约 250.00万元，顶格申购需资金 500.00万元",
        "顶格申购（500.00万元）：按比例获配 2 手，另有 30%~100% 的概率多获配1手，期望至少 2.30 手；"
        "预期收益 850.00元，建议：申购",
        "依据：测试依据",
        "预期收益（扣除冻结成本）：−219.18元（不获配时只承担资金冻结成本）",
        "建议：回避（按您的设置：获利概率阈值 60%）",
    ):
        assert expected in text, expected


def test_alert_with_lots_shows_breakeven_and_profit_of_those_lots(config: Config) -> None:
    text = _text(config, WITH_LOTS)
    assert "按比例配售您将获配 2 手（200 股）" in text
    assert "盈亏平衡首日涨幅（按您的获配手数）：54.8%；获利概率：66%" in text
    assert "预期收益（按预测涨幅中位数、扣除冻结成本）：123.00元（每万元冻结资金 1.23 元）" in text


@pytest.mark.parametrize(
    ("t", "title"),
    [
        (date(2026, 8, 18), "【北交所新股申购提醒·明日申购】"),  # Tuesday: eve is Monday
        (date(2023, 10, 9), "【北交所新股申购提醒·下一交易日（10月9日，周一）申购】"),  # eve 2023-09-28
        (date(2026, 2, 24), "【北交所新股申购提醒·下一交易日（2月24日，周二）申购】"),  # eve 2026-02-13
        (date(2026, 8, 17), "【北交所新股申购提醒·下一交易日（8月17日，周一）申购】"),  # eve Friday
    ],
)
def test_eve_title_says_tomorrow_only_for_the_next_calendar_day(config: Config, t: date, title: str) -> None:
    cal = calendar_for(config)
    assert alert.event_date(dataclasses.replace(IPO, apply_date=t), "eve", cal) is not None
    text = _text(config, None, "eve", dataclasses.replace(IPO, apply_date=t, issue_result_date=None))
    assert text.splitlines()[0] == title


def test_result_and_listing_alerts_give_no_subscription_advice(config: Config) -> None:
    published = dataclasses.replace(
        WITH_LOTS,
        allocation=dataclasses.replace(WITH_LOTS.allocation, ratio_published=True),  # type: ignore[arg-type]
    )
    for event in ("result", "listing"):
        text = _text(config, published, event)
        assert "建议：" not in text  # not even for the cap subscriber: the subscription is over
        assert "顶格申购（" in text  # the cap line stays, without its advice
        assert "申购已结束，本提醒不再给出申购建议" in text
        assert "配售比例（已公布）：0.0400%" in text
    assert "配售比例尚未公布" in _text(config, WITH_LOTS, "result")
    assert "配售比例尚未公布" not in _text(config, published, "result")


def test_refund_day_never_precedes_the_result_day(config: Config) -> None:
    late = dataclasses.replace(IPO, issue_result_date=date(2026, 8, 20))  # Thursday, after T+2 (Wednesday)
    text = _text(config, None, "eve", late)
    assert "资金冻结：3 个自然日（退款日 2026-08-20（周四））" in text
    bare = dataclasses.replace(IPO, issue_result_date=None)
    cal = calendar_for(config)
    assert alert.event_date(bare, "result", cal) == date(2026, 8, 19)  # no announced day: the refund day


def test_absent_values_say_missing(config: Config) -> None:
    bare = dataclasses.replace(IPO, apply_code=None, industry_pe=None, subscription_cap_shares=None, listing_date=None)
    terms = alert.alert_terms(bare, calendar_for(config), capital=1e6, annual_rate=0.05)
    text = alert.format_subscriber_alert(terms, None, SETTINGS, event="morning")
    assert "申购代码：暂缺（数据源未提供）" in text
    assert "行业市盈率 暂缺" in text and "暂缺 倍" not in text  # a unit only after a number
    assert "预计上市日：暂缺（上市日尚未公告）" in text
    assert "申购上限：暂缺；顶格申购需资金：暂缺" in text
    assert "首日涨幅预测：模型预测暂缺（此前已知结果的新股太少" in text
    assert "建议：暂缺" in text
    assert "【北交所新股申购提醒·今日申购】" in text


def test_result_day_shows_the_published_winning_rate(config: Config) -> None:
    text = _text(config, PREDICTION, event="result")
    assert "网上中签率（已公布）：0.0500%" in text


def test_composer_uses_an_injected_predictor_once_per_settings(config: Config, store: sqlite3.Connection) -> None:
    calls: list[SubscriberSettings] = []

    def predictor(cfg: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings) -> Prediction:
        calls.append(settings)
        return dataclasses.replace(PREDICTION, code=ipo.code, advice="回避")

    composer = AlertComposer(config, store, predictor)
    texts = {composer.text(IPO, "eve", SETTINGS) for _ in range(3)}
    assert len(calls) == 1 and len(texts) == 1
    assert "建议：回避" in texts.pop()


def test_long_alert_is_split_under_the_limit(config: Config) -> None:
    long_name = dataclasses.replace(IPO, name="长" * 5000)
    terms = alert.alert_terms(long_name, calendar_for(config), capital=1e6, annual_rate=0.05)
    parts = split_text(alert.format_subscriber_alert(terms, PREDICTION, SETTINGS, event="eve"), MAX_MESSAGE_CHARS)
    assert len(parts) == 3 and all(len(p) <= MAX_MESSAGE_CHARS for p in parts)
    assert "".join(parts).count("长") == 5000


def test_cap_shares_derived_from_cash_at_cap_is_marked(config: Config) -> None:
    only_cash = dataclasses.replace(IPO, subscription_cap_shares=None, top_apply_amount_wan=450.0)
    terms = alert.alert_terms(only_cash, calendar_for(config), capital=1e6, annual_rate=0.05)
    text = alert.format_subscriber_alert(terms, None, SETTINGS, event="eve")
    assert "申购上限：约45.00万股（由顶格申购资金÷发行价推算）；顶格申购需资金：450.00万元" in text
