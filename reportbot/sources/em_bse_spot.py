"""Eastmoney push2 ``/api/qt/clist/get`` with ``fs=m:0 t:81 s:2048``: a spot snapshot of every BSE stock.

``{"rc": 0, "data": {"total": N, "diff": [{"f12": code, "f14": name, "f2": price, "f3": change %, "f6":
amount, "f9": PE (dynamic), "f20": total cap, "f21": float cap, "f124": quote time}, ...]}}`` with
``fltt=2`` (decimals as given, "-" when absent), paged by ``pn``/``pz``. Field numbers and units (CNY,
percent, epoch seconds) follow akshare's ``stock_bj_a_spot_em`` field map (f2 最新价, f3 涨跌幅, f6 成交额
in 元, f9 市盈率-动态, f20 总市值 and f21 流通市值 in 元). The snapshot is dated by the newest quote time
(f124) in Asia/Shanghai.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from reportbot.config import SourcesConfig
from reportbot.domain import TZ
from reportbot.errors import SourceError
from reportbot.marketdata import StockQuote
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, expect, load_json

NAME = "em_bse_spot"
FS = "m:0 t:81 s:2048"
FIELDS = "f2,f3,f6,f9,f12,f14,f20,f21,f124"
MAX_PAGE_SIZE = 100  # push2 caps pz at 100
MAX_PAGES = 50
REQUIRED = ("f12", "f14", "f2", "f3", "f6", "f9", "f20", "f21", "f124")
_BSE_CODE = re.compile(r"^(920|83|87|43)\d{3,4}$")


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """Every page of the list (``data.total`` on page 1 says how many)."""
    size = min(settings.page_size, MAX_PAGE_SIZE)
    pages: list[RawPage] = []
    number, total_pages = 1, 1
    while number <= min(total_pages, MAX_PAGES):
        params: dict[str, str | int] = {
            "pn": number,
            "pz": size,
            "po": 1,
            "np": 1,
            "fltt": 2,
            "invt": 2,
            "fid": "f12",
            "fs": FS,
            "fields": FIELDS,
        }
        page = client.get(NAME, settings.eastmoney_spot_url, params)
        pages.append(page)
        total = _total(page)
        if total is None:
            break
        total_pages = max(1, math.ceil(total / size))
        number += 1
    return pages


def _total(page: RawPage) -> int | None:
    try:
        data = load_json(NAME, page).get("data") or {}
        total = data.get("total")
    except (SourceError, AttributeError):
        return None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def parse(pages: Sequence[RawPage]) -> Parsed:
    """Validated quotes of one snapshot; the rows of all pages must add up to ``data.total``."""
    rows: list[tuple[str, Any]] = []
    announced: int | None = None
    for index, page in enumerate(pages, start=1):
        payload = expect(NAME, load_json(NAME, page), dict, f"page {index}")
        data = payload.get("data")
        if data is None:
            raise SourceError(NAME, f"no data in page {index} (rc={payload.get('rc')!r})", field="data", value=None)
        data = expect(NAME, data, dict, "data")
        total = expect(NAME, data.get("total"), int, "data.total")
        if announced is not None and total != announced:
            raise SourceError(NAME, f"page {index} announces another total", field="data.total", value=total)
        announced = total
        diff = data.get("diff")
        items = list(diff.values()) if isinstance(diff, dict) else expect(NAME, diff, list, "data.diff")
        rows += [(f"page {index} row {n}", row) for n, row in enumerate(items, start=1)]
    recs = [Record(NAME, row, REQUIRED, label, "f12") for label, row in rows]
    day = _snapshot_day(recs)
    quotes: dict[str, StockQuote] = {}
    for rec in recs:
        quote = parse_row(rec, day)
        old = quotes.get(quote.code)
        if old is not None and old != quote:
            raise SourceError(NAME, "duplicate row with different values", field="f12", value=quote.code)
        quotes[quote.code] = quote
    if announced is not None and len(rows) != announced:
        raise SourceError(NAME, f"{len(rows)} rows received on {len(pages)} pages", field="data.total", value=announced)
    return Parsed(quotes=list(quotes.values()))


def _snapshot_day(recs: list[Record]) -> date:
    stamps = [rec.number("f124", low=1.5e9, high=4e9, numeric_text=True) for rec in recs]
    known = [s for s in stamps if s is not None]
    if not known:
        raise SourceError(NAME, "no quote time (f124) in any row", field="f124", value=None)
    return datetime.fromtimestamp(max(known), TZ).date()


def parse_row(rec: Record, day: date) -> StockQuote:
    """One row → StockQuote (a stock outside the BSE code ranges means the ``fs`` filter was ignored)."""
    code = rec.code("f12")
    assert code is not None
    if not _BSE_CODE.match(code):
        raise rec.error("f12", code, "not a BSE stock code (fs filter ignored?)")
    total = _num(rec, "f20", low=5e7, high=5e12)
    floating = _num(rec, "f21", low=1e6, high=5e12)
    if total is not None and floating is not None and floating > total * 1.0001:
        raise rec.error("f21", floating, f"float cap exceeds the total cap {total:g}")
    return StockQuote(
        day=day,
        code=code,
        name=rec.name("f14"),
        price=_num(rec, "f2", low=0.01, high=5000),
        change_pct=_num(rec, "f3", low=-100, high=2000),
        amount=_num(rec, "f6", low=0, high=1e11),
        pe=_num(rec, "f9", low=-1e5, high=1e5),
        total_cap=total,
        float_cap=floating,
    )


def _num(rec: Record, key: str, *, low: float, high: float) -> float | None:
    return rec.number(key, low=low, high=high, numeric_text=True)


SOURCE = Feed(
    name=NAME,
    title="东方财富 北交所行情快照（push2 clist）",
    config_key="eastmoney_spot_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
