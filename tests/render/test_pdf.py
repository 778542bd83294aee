"""Rendered PDFs (once per module): sections, figures matching the database, metadata, no WeasyPrint warnings."""

from __future__ import annotations

import logging
import sqlite3
import statistics
import subprocess
from pathlib import Path

import pypdf
import pytest

from reportbot import zhfmt
from reportbot.config import Config
from reportbot.kinds import Month
from reportbot.pipeline import report as report_case
from reportbot.store import snapshot
from tests.conftest import fixed_now
from tests.render.test_monthly_html import SECTIONS
from tests.render.test_pdf_resources import image_sizes


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def monthly(
    session_config: Config, session_store: sqlite3.Connection, weasyprint_warnings: list[logging.LogRecord]
) -> tuple[Path, str, sqlite3.Connection]:
    conn = session_store
    paths = report_case.render_monthly(session_config, conn, fixed_now, Month(2026, 8), write_html=True)
    assert [p.suffix for p in paths] == [".pdf", ".html"]
    return paths[0], _text(paths[0]), conn


@pytest.fixture(scope="module")
def ipo_brief(
    session_config: Config, session_store: sqlite3.Connection, weasyprint_warnings: list[logging.LogRecord]
) -> tuple[Path, str]:
    pdf = report_case.render_ipo_brief(session_config, session_store, fixed_now, "920059")[0]
    return pdf, _text(pdf)


def test_no_weasyprint_warnings(
    monthly: tuple[Path, str, sqlite3.Connection],
    ipo_brief: tuple[Path, str],
    weasyprint_warnings: list[logging.LogRecord],
) -> None:
    assert [r.getMessage() for r in weasyprint_warnings] == []


def test_charts_come_beside_the_html_and_the_written_html_stands_on_its_own(
    session_config: Config, session_store: sqlite3.Connection, monthly: tuple[Path, str, sqlite3.Connection]
) -> None:
    page = report_case.monthly_html(session_config, session_store, fixed_now, Month(2026, 8))
    assert len(page.images) >= 3 and "base64" not in page.html  # no chart parsed as text by WeasyPrint
    assert len(image_sizes(monthly[0])) == len(page.images)
    written = monthly[0].with_suffix(".html").read_text(encoding="utf-8")
    assert "reportbot-image:" not in written
    assert written.count('src="data:image/jpeg;base64,') == len(page.images)


def test_every_section_is_in_the_pdf(monthly: tuple[Path, str, sqlite3.Connection]) -> None:
    _, text, _ = monthly
    flat = text.replace("\n", "")
    for heading in SECTIONS:
        assert heading in flat, heading
    assert "北证50指数暂缺：离线数据未含北证50日线。" in flat
    assert "滚动样本外评估" in flat and "策略回测" in flat  # the model's real results
    assert "模型结果暂缺" not in flat


def test_figures_match_the_database(monthly: tuple[Path, str, sqlite3.Connection]) -> None:
    _, text, conn = monthly
    flat = text.replace("\n", "")
    rows = conn.execute(
        "SELECT name, code, first_day_return_pct, issue_price FROM ipos"
        " WHERE listing_date LIKE '2026-08-%' AND segment = 'BSE'"
    ).fetchall()
    assert len(rows) == 8
    for name, code, ret, price in rows:
        assert name in flat and code in flat
        assert zhfmt.num(price) in flat
        if ret is not None:
            assert zhfmt.pct(ret) in flat
    returns = [r[2] for r in rows if r[2] is not None]
    assert f"首日平均涨幅{zhfmt.pct(statistics.fmean(returns))}" in flat
    assert zhfmt.pct(statistics.median(returns)) in flat
    prev = conn.execute("SELECT COUNT(*) FROM ipos WHERE listing_date LIKE '2026-07-%' AND segment = 'BSE'").fetchone()[
        0
    ]
    assert f"本月上市新股数量为8只，较上月（{prev}只）" in flat
    raised = conn.execute("SELECT SUM(raised_funds_yi) FROM ipos WHERE listing_date LIKE '2026-08-%' AND segment='BSE'")
    assert f"募资总额为{zhfmt.num(raised.fetchone()[0])}亿元" in flat
    assert "数据截至：2026-08-31（本报告只使用该日及以前已公开的信息）" in flat


def test_pdf_metadata_bookmarks_pages(monthly: tuple[Path, str, sqlite3.Connection]) -> None:
    pdf, text, _ = monthly
    reader = pypdf.PdfReader(pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "北交所新股月报（2026年8月）"
    assert reader.metadata.author and "reportbot" in reader.metadata.author
    assert reader.metadata.creation_date is not None
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "一、简要部分" in titles and "六、数据来源与时效" in titles
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert f"第{len(reader.pages)}页/共{len(reader.pages)}页" in text.replace(" ", "")
    assert pdf.stat().st_size <= 400 * 1024


def test_ipo_brief(ipo_brief: tuple[Path, str]) -> None:
    pdf, text = ipo_brief
    flat = text.replace("\n", "")
    assert 1 <= len(pypdf.PdfReader(pdf).pages) <= 2
    assert "新股申购简报：双英集团（920059）" in flat
    assert zhfmt.cny(11.13 * 1_615_900) in flat  # cap × issue price
    assert "161.59万股" in flat and "0.0279%" in flat
    assert "预测首日涨幅" in flat and "建议" in flat


def test_report_ipo_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportbot.cli import cli
    from tests.cli.test_cli import _write_config

    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "report", "ipo", "920201", "--html"])
    assert result.exit_code == 0, result.output
    pdf, html_path = (Path(line) for line in result.output.split())
    assert pdf.name == "bse-ipo-920201.pdf" and pdf.is_file() and html_path.suffix == ".html"
    assert "百瑞吉" in html_path.read_text(encoding="utf-8")
    missing = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "report", "ipo", "999999"])
    assert missing.exit_code == 3 and "no IPO with code '999999'" in missing.output


def test_upcoming_names_and_advice_never_break_inside_a_cell(
    session_config: Config, monthly: tuple[Path, str, sqlite3.Connection]
) -> None:
    _, text, conn = monthly
    lines = [line.strip() for line in text.splitlines()]
    cal = report_case.trading_calendar(session_config)
    upcoming = report_case.monthly_report(
        session_config, snapshot.read_month(conn, cal, Month(2026, 8)), cal, fixed_now
    ).upcoming
    assert upcoming
    for b in upcoming:
        assert any(b.ipo.name in line for line in lines), b.ipo.name  # "金钛股\n份" before the fix
    assert not [line for line in lines if line in {"回", "避", "避）", "申", "购", "购）"}]
