"""The ten headline items: ranked by significance, the largest move always listed, no 历史高位 on short history."""

from __future__ import annotations

import sqlite3

from reportbot.config import Config
from reportbot.kinds import Month
from reportbot.pipeline import report as report_case
from reportbot.store import snapshot
from reportbot.summary import ranking
from reportbot.summary.report import MonthlyReport
from tests.conftest import fixed_now


def _monthly(config: Config, conn: sqlite3.Connection, month: Month) -> MonthlyReport:
    cal = report_case.trading_calendar(config)
    return report_case.monthly_report(config, snapshot.read_month(conn, cal, month), cal, fixed_now)


def test_first_day_return_fall_is_a_headline(session_config: Config, session_store: sqlite3.Connection) -> None:
    report = _monthly(session_config, session_store, Month(2026, 8))
    heads = report.narrative.headlines
    fall = [h for h in heads if h.startswith("新股首日平均涨幅") and "回落至127.74%" in h]
    assert fall, heads  # mean first-day return 303.81 % → 127.74 %, the month's largest move
    assert heads.index(fall[0]) == 0
    details = [b for d in report.narrative.drivers for b in d.bullets]
    assert not set(heads) & set(details)  # no sentence repeated between the top 10 and the details


def test_short_history_is_not_called_a_high(session_config: Config, session_store: sqlite3.Connection) -> None:
    report = _monthly(session_config, session_store, Month(2022, 6))  # 8 months after the opening
    text = " ".join([report.narrative.overview, *report.narrative.headlines])
    text += " ".join(b for d in (*report.narrative.drivers, *report.narrative.risks) for b in d.bullets)
    assert "历史高位" not in text and "历史低位" not in text and "分位" not in text


def test_the_largest_move_always_makes_the_list() -> None:
    big = ranking.Candidate("大变动", surprise=5.0, weight=0.1, discount=1.0)
    others = [ranking.Candidate(f"条目{k}", surprise=1.0, weight=1.0, discount=1.0) for k in range(12)]
    chosen = ranking.top([*others, big], limit=10)
    assert len(chosen) == 10 and big in chosen
    assert ranking.discount(6) == 0.5 and ranking.discount(30) == 1.0
