"""Point-in-time views: the evaluation "as of" a day uses only what was public then; the brief's lots."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

from reportbot.config import Config
from reportbot.model import forecasts
from reportbot.model.defaults import default_settings
from reportbot.pipeline import modeling
from reportbot.pipeline import report as report_case
from reportbot.pipeline.manage import find_ipo
from reportbot.store import ipos as ipo_store
from reportbot.store import pointintime as pit
from reportbot.summary import brief
from reportbot.tradingcal import calendar_for
from tests.conftest import fixed_now


def test_model_report_as_of_a_day_sees_no_later_outcome(config: Config, store: sqlite3.Connection) -> None:
    as_of = date(2025, 6, 30)
    full = modeling.model_report(config, store)
    then = modeling.model_report(config, store, as_of=as_of)
    start = {i.code: pit.known_from(i) for i in ipo_store.list_ipos(store)}
    assert then.predictions and all(start[p.code] <= as_of for p in then.predictions)  # type: ignore[operator]
    by_code = {p.code: p for p in full.predictions}
    for p in then.predictions:  # the forecasts made before T are the same ones
        assert p.predicted_return_pct == by_code[p.code].predicted_return_pct
        assert p.interval_low_pct == by_code[p.code].interval_low_pct
    listed = {i.code: i.listing_date for i in ipo_store.list_ipos(store)}
    known = [p for p in then.predictions if p.actual_return_pct is not None]
    assert all(listed[p.code] is not None and listed[p.code] <= as_of for p in known)  # type: ignore[operator]
    overall = next(e for e in then.evaluations if e.sample == forecasts.SAMPLE_ALL)
    assert overall.model.n == len(known) < next(e for e in full.evaluations if e.sample == forecasts.SAMPLE_ALL).model.n


def _brief(config: Config, store: sqlite3.Connection, code: str, reason: str = "") -> brief.IpoBrief:
    ipo = find_ipo(store, code)
    settings = default_settings(config)
    pred = modeling.stored_model(config, store, extra=ipo).predict(ipo, settings) if not reason else None
    return brief.build_brief(
        ipo,
        calendar_for(config),
        settings,
        pred,
        prediction_reason=reason,
        refund_offset=2,
        data_as_of=None,
        generated_at=fixed_now(),
    )


def test_brief_shows_lots_for_the_subscriber_and_the_cap(config: Config, store: sqlite3.Connection) -> None:
    b = _brief(config, store, "920202")  # 安达股份: ¥1,000,000 gets 0 lots by proportion, the cap 3
    assert b.lots is not None and b.lots.mine_ex_ante is not None and b.lots.cap_ex_ante is not None
    assert b.lots.mine_ex_ante.by_proportion == 0 and b.lots.cap_ex_ante.by_proportion == 3
    assert b.lots.breakeven_mine_ex_ante is None and b.lots.breakeven_cap_ex_ante is not None
    assert b.lots.mine_realised is None  # no result published in the data
    kema = _brief(config, store, "920086")  # 科马材料: published 0.025654 %, the cap of 941,400 shares → 2 lots
    assert kema.lots is not None and kema.lots.cap_realised == 2
    assert kema.lots.breakeven_cap_realised is not None


def test_missing_prediction_reason_is_plain_chinese(config: Config, store: sqlite3.Connection) -> None:
    b = _brief(config, store, "920202", reason="IPO 920202: fewer than 30 outcomes known before 2022-01-01")
    assert b.prediction is None
    assert not any("a" <= ch.lower() <= "z" for ch in b.prediction_reason)
    assert "太少" in b.prediction_reason


def test_brief_says_why_the_refund_falls_on_its_day(config: Config, store: sqlite3.Connection) -> None:
    b = _brief(config, store, "920258")  # 聚仁新材: T 2026-07-22, 发行结果公告 2026-07-27, later than T+2 (07-24)
    assert b.refund_day == date(2026, 7, 27)
    assert b.refund_basis == "按发行结果公告日，晚于T+2交易日"
    html = report_case.render_brief_html(config, b, report_case.report_font(config)).html
    assert "按发行结果公告日" in html and "按T+2交易日推算" not in html


def test_brief_puts_no_unit_after_a_missing_value(config: Config, store: sqlite3.Connection) -> None:
    gaps = [
        i for i in ipo_store.list_ipos(store) if i.apply_date and (i.industry_pe is None or i.raised_funds_yi is None)
    ]
    assert gaps, "the bundled data has IPOs without industry PE or funds raised"
    b = _brief(config, store, gaps[0].code, reason="IPO: no prediction")
    text = re.sub(r"<[^>]+>", "", report_case.render_brief_html(config, b, report_case.report_font(config)).html)
    assert "暂缺" in text
    assert not re.findall(r"暂缺\s*(?:亿元|万股|元|倍|天|股)", text)
