"""bse.cn ``POST /marketStatController/dailyReport.do``: the exchange's market totals of one trading day.

Form ``HQJSRQ=YYYYMMDD``; JSONP ``cb([{row}, ...])``, one row per market segment. The row with
``xxzrlx == "2"`` is the BSE market: ``hqcjje`` turnover in CNY (元), ``hqcjsl`` volume in shares,
``zsz`` / ``ltsz`` total and float market cap in CNY, and the listed-company count (``ssgsjs``, or
``gpgsjs`` as the NEEQ rows name it) where the row carries it; ``rq`` repeats the day. Field names and
units follow the open NEEQ/BSE daily-report clients (the ``statisticdata.html`` page's XHR) and
``../shared/data/API_ENDPOINTS.md`` §4. One request per trading day of the exchange calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs

from reportbot.config import SourcesConfig
from reportbot.errors import SourceError
from reportbot.marketdata import MarketDay
from reportbot.sources import bse_site
from reportbot.sources.base import DAYS_TRADING, Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, expect, load_jsonp

NAME = "bse_daily"
PATH = "/marketStatController/dailyReport.do"
LANDING = "/static/statisticdata.html"
CALLBACK = "reportbotDaily"
BSE_SEGMENT = "2"
FIRST_DAY = date(2021, 11, 15)
REQUIRED = ("xxzrlx", "hqcjje", "hqcjsl", "zsz", "ltsz")
# Plausible ranges in the published units (CNY, shares): a value in 万元 or 亿元 falls outside them.
TURNOVER = (1e8, 1e12)
VOLUME = (1e6, 1e11)
MARKET_CAP = (1e11, 1e14)


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """One POST per trading day in ``request.days`` (on or after ``since``)."""

    def send(url: str, day: date, headers: dict[str, str]) -> RawPage:
        form = [("HQJSRQ", day.strftime("%Y%m%d"))]
        return client.post(NAME, url, form, params={"callback": CALLBACK}, headers=headers)

    return bse_site.fetch_days(
        client, settings, request, source=NAME, pages=(LANDING, PATH), first_day=FIRST_DAY, send=send
    )


def parse(pages: Sequence[RawPage]) -> Parsed:
    """One MarketDay per page that has data; two pages for one day must agree."""
    return Parsed(days=bse_site.one_per_day(NAME, (parse_page(p, i) for i, p in enumerate(pages)), field="rq"))


def parse_page(page: RawPage, index: int) -> MarketDay | None:
    """The BSE row of one day's report (None: the exchange has no report for that day)."""
    rows = expect(NAME, load_jsonp(NAME, page, CALLBACK), list, f"page {index}")
    if not rows:
        return None
    bse = [r for r in rows if isinstance(r, dict) and str(r.get("xxzrlx", "")).strip() == BSE_SEGMENT]
    if not bse:
        keys = sorted({k for r in rows if isinstance(r, dict) for k in r})[:12]
        raise SourceError(
            NAME, f"no BSE market row (xxzrlx={BSE_SEGMENT}) in page {index}; keys {keys}", field="xxzrlx", value=None
        )
    if len(bse) > 1:
        raise SourceError(NAME, f"{len(bse)} BSE market rows in page {index}", field="xxzrlx", value=BSE_SEGMENT)
    day = _day(page, bse[0], index)
    rec = Record(NAME, bse[0], REQUIRED, f"report of {day}")
    turnover = _required(rec, "hqcjje", TURNOVER)
    volume = _required(rec, "hqcjsl", VOLUME)
    total = rec.number("zsz", low=MARKET_CAP[0], high=MARKET_CAP[1], numeric_text=True)
    floating = rec.number("ltsz", low=MARKET_CAP[0] / 10, high=MARKET_CAP[1], numeric_text=True)
    if total is not None and floating is not None and floating > total * 1.0001:
        raise rec.error("ltsz", floating, f"float market cap exceeds the total market cap {total:g}")
    if not 0.5 <= turnover / volume <= 1000:  # the average traded price must be a plausible share price
        raise rec.error("hqcjje", turnover, f"inconsistent with hqcjsl {volume:g} shares (units?)")
    return MarketDay(
        day=day,
        turnover=turnover,
        volume=volume,
        total_market_cap=total,
        float_market_cap=floating,
        listed_companies=_count(rec),
    )


def _required(rec: Record, key: str, bounds: tuple[float, float]) -> float:
    value = rec.number(key, positive=True, low=bounds[0], high=bounds[1], numeric_text=True)
    if value is None:
        raise rec.error(key, None, "required value is empty")
    return value


def _count(rec: Record) -> int | None:
    for key in ("ssgsjs", "gpgsjs"):
        value = rec.number(key, low=1, high=10000, numeric_text=True)
        if value is not None:
            if value != int(value):
                raise rec.error(key, value, "expected a whole number of companies")
            return int(value)
    return None


def _day(page: RawPage, row: dict[str, Any], index: int) -> date:
    """The report's day: ``rq`` in the row, which must match the ``HQJSRQ`` the request asked for."""
    asked = parse_qs(page.form).get("HQJSRQ", [None])[0]
    given = row.get("rq") or row.get("hqjsrq")
    text = str(given).strip() if given is not None else asked
    if text is None:
        raise SourceError(NAME, f"no date in page {index}", field="rq", value=None)
    try:
        day = datetime.strptime(text.replace("-", ""), "%Y%m%d").date()  # noqa: DTZ007 - a calendar day
    except ValueError:
        raise SourceError(NAME, f"bad date in page {index}", field="rq", value=text) from None
    if asked is not None and given is not None and day.strftime("%Y%m%d") != asked:
        raise SourceError(NAME, f"report is for another day than {asked}", field="rq", value=text)
    return day


SOURCE = Feed(
    name=NAME,
    title="北交所 市场日报（dailyReport.do）",
    config_key="bse_base_url",
    fetch_fn=fetch,
    parse_fn=parse,
    needs_days=True,
    day_kind=DAYS_TRADING,
)
