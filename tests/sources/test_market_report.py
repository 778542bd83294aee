"""End to end: local servers as the configured sources → ``data fetch`` → ``report monthly --month 2026-08``.

The PDF's 流动性, 估值, 行业 and 审核进度 sections must carry the numbers of the fetched payloads
(recomputed here from the payloads themselves) and no 暂缺 for those fields.
"""

from __future__ import annotations

import statistics
import subprocess
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from reportbot import zhfmt
from reportbot.cli import cli
from reportbot.config import load_config
from reportbot.summary import bse_market
from reportbot.tradingcal import calendar_for
from tests.sources import payloads
from tests.sources.conftest import Feeds, live_config_file

JULY_END, AUGUST_END = date(2026, 7, 31), date(2026, 8, 31)


def _fetch(cfg: Path, *sources: str) -> None:
    args = ["--config", str(cfg), "-q", "data", "fetch", "--quiet"]
    for name in sources:
        args += ["--source", name]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _expected_turnover(cfg: Path) -> float:
    cal = calendar_for(load_config(cfg, env={}))
    days = cal.trading_days(date(2026, 8, 1), AUGUST_END)
    return sum(payloads.daily_rows(d)[1]["hqcjje"] for d in days) / 1e8


def test_fetched_market_statistics_reach_the_monthly_pdf(
    tmp_path: Path, server: tuple[str, Feeds], feeds: Feeds
) -> None:
    cfg = live_config_file(tmp_path, server[0])
    feeds.spot = list(payloads.spot_pages(JULY_END, 3))  # the July month-end snapshot, fetched that day
    _fetch(cfg, "em_bse_spot")
    feeds.spot = list(payloads.spot_pages(AUGUST_END, 3))
    _fetch(cfg)  # every source, with the August month-end snapshot
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "report", "monthly", "--month", "2026-08", "--html"])
    assert result.exit_code == 0, result.stderr
    pdf = Path(result.stdout.splitlines()[0])
    text = _pdf_text(pdf)

    # 2.1 流动性: the month's turnover (sum of the daily reports) and the month-end margin balance (万元 → 亿元)
    assert f"北交所本月成交金额{zhfmt.num(_expected_turnover(cfg))}亿元" in text
    assert "月末两融余额59.20亿元" in text  # rzrqyeRound 592000.0 万元 on 2026-08-31
    # 2.3 估值: the median of the positive f9 PEs of the 2026-08-31 snapshot
    pes = [pe8 for *_, pe8 in payloads.STOCKS if pe8 > 0]
    assert f"中位数为{zhfmt.num(statistics.median(pes))}倍" in text
    # 3.2 行业层面: equal-weighted month returns by the CSRC industry of the listed-company list
    gear = [p8 / p7 - 1 for _, _, ind, _, p7, p8, *_ in payloads.STOCKS if ind == "通用设备制造业"]
    assert f"通用设备制造业（{zhfmt.pct(statistics.fmean(gear) * 100, 2, signed=True)}" in text
    assert "华洋赛车（+20.00%）" in text  # 30.00 → 36.00, the month's best stock
    # 审核进度: the August transitions of the stored review states
    assert "上市委通过2家" in text and "注册生效1家" in text and "终止1家" in text
    assert "浙江丙材料股份有限公司" in text
    for reason in (bse_market.NO_DAILY, bse_market.NO_MARGIN, bse_market.NO_SPOT, bse_market.NO_INDUSTRY):
        assert reason not in text
    assert bse_market.NO_REVIEW not in text
    assert "全市场成交金额暂缺" not in text and "两融余额暂缺" not in text and "审核进度暂缺" not in text
