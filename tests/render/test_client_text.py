"""What a client reads: ranked headlines, and PDFs without command names, config keys or English sentences."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import subprocess
import typing
from pathlib import Path

import pytest

from reportbot.config import Config
from reportbot.kinds import Month
from reportbot.pipeline import manage
from reportbot.pipeline import report as report_case
from reportbot.store import snapshot
from reportbot.summary import ranking
from reportbot.summary.report import MonthlyReport
from tests.conftest import fixed_now

MONTHS = ("2022-06", "2025-04", "2026-08")
TOKEN = r"[A-Za-z0-9][\w.\[\]()'-]*"
RUN = re.compile(rf"(?:{TOKEN}[ ,:;]+){{3,}}{TOKEN}")
SECTION = re.compile(r"\[[a-z_]+\]")


def english_sentences(text: str) -> list[str]:
    """Runs of four or more Latin tokens of which at least three are words (numbers in tables do not count)."""
    return [run for run in RUN.findall(text) if sum(1 for w in re.findall(r"[A-Za-z]{2,}", run)) >= 3]


def _config_keys(cls: type = Config) -> set[str]:
    keys: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if dataclasses.is_dataclass(hints[f.name]):
            keys |= _config_keys(hints[f.name])
        elif "_" in f.name:
            keys.add(f.name)
    return keys


@pytest.fixture(scope="module")
def conn(session_config: Config) -> sqlite3.Connection:
    return manage.open_store(session_config, fixed_now)


@pytest.fixture(scope="module")
def pdf_texts(session_config: Config, conn: sqlite3.Connection) -> dict[str, str]:
    out = {}
    for month in MONTHS:
        pdf = report_case.render_monthly(session_config, conn, fixed_now, Month.parse(month))[0]
        out[month] = _text(pdf)
    out["920580"] = _text(report_case.render_ipo_brief(session_config, conn, fixed_now, "920580")[0])  # no prediction
    return out


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("doc", [*MONTHS, "920580"])
def test_no_command_names_config_keys_or_english(pdf_texts: dict[str, str], doc: str) -> None:
    text = pdf_texts[doc]
    flat = text.replace("\n", " ")
    assert "reportbot " not in flat and "reportbot" not in text
    assert not SECTION.findall(flat)
    assert not [k for k in _config_keys() if re.search(rf"\b{k}\b", flat)]
    assert english_sentences(flat) == []


@pytest.mark.parametrize("month", MONTHS)
def test_a_unit_only_follows_a_number(pdf_texts: dict[str, str], month: str) -> None:
    flat = pdf_texts[month].replace("\n", " ")
    assert not re.search(r"暂缺\s*(?:亿元|万元|元|天|只|倍|%|个百分点)", flat)
    assert "暂缺（暂缺）" not in flat


def test_the_checks_can_fail() -> None:
    assert english_sentences("IPO 920580: fewer than 30 outcomes known before 2022-04-25")
    assert english_sentences("模型（OLS+Logit） 125 0.316 88.46 36.79 74.3%") == []
    assert SECTION.findall("([model].min_train_size)") and "min_train_size" in _config_keys()


def _monthly(config: Config, conn: sqlite3.Connection, month: Month) -> MonthlyReport:
    cal = report_case.trading_calendar(config)
    return report_case.monthly_report(config, snapshot.read_month(conn, cal, month), cal, fixed_now)


def test_first_day_return_fall_is_a_headline(session_config: Config, conn: sqlite3.Connection) -> None:
    report = _monthly(session_config, conn, Month(2026, 8))
    heads = report.narrative.headlines
    fall = [h for h in heads if h.startswith("新股首日平均涨幅") and "回落至127.74%" in h]
    assert fall, heads  # mean first-day return 303.81 % → 127.74 %, the month's largest move
    assert heads.index(fall[0]) == 0
    details = [b for d in report.narrative.drivers for b in d.bullets]
    assert not set(heads) & set(details)  # no sentence repeated between the top 10 and the details


def test_short_history_is_not_called_a_high(session_config: Config, conn: sqlite3.Connection) -> None:
    report = _monthly(session_config, conn, Month(2022, 6))  # 8 months after the opening
    text = " ".join([report.narrative.overview, *report.narrative.headlines])
    text += " ".join(b for d in (*report.narrative.drivers, *report.narrative.risks) for b in d.bullets)
    assert "历史高位" not in text and "历史低位" not in text and "分位" not in text


def test_the_largest_move_always_makes_the_list() -> None:
    big = ranking.Candidate("大变动", surprise=5.0, weight=0.1, discount=1.0)
    others = [ranking.Candidate(f"条目{k}", surprise=1.0, weight=1.0, discount=1.0) for k in range(12)]
    chosen = ranking.top([*others, big], limit=10)
    assert len(chosen) == 10 and big in chosen
    assert ranking.discount(6) == 0.5 and ranking.discount(30) == 1.0


def test_market_figures_name_their_publisher_not_our_source_name() -> None:
    """Fetched figures carry our source names in the store (em_bse50, bse_daily…); a report names the publisher."""
    import re as _re
    from datetime import date as _date

    from reportbot.marketdata import MarketFigure
    from reportbot.summary import market_stats
    from reportbot.summary.market import build_market_view

    figures = [
        MarketFigure(month="2026-08", metric=m, value=v, unit="亿元", source=src, as_of=_date(2026, 8, 31))
        for m, v, src in (
            ("turnover_yi", 1234.5, market_stats.SRC_DAILY),
            ("margin_balance_yi", 59.2, market_stats.SRC_MARGIN),
        )
    ]
    view = build_market_view("2026-08", [], figures, [], [])
    sources = [line.source for line in view.figures]
    assert sources == ["北交所市场日报", "北交所融资融券汇总（月末两融余额）"]
    assert not any(_re.search(r"[a-z_]{3,}", s) for s in sources)
