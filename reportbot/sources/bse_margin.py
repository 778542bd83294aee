"""bse.cn ``/rzrqjyyexxController/summaryInfoResult.do``: the BSE-wide margin (两融) summary of one day.

JSONP ``cb([[{"rzmreRound": .., "rzyeRound": .., "rqyeRound": .., "rzrqyeRound": ..}], "YYYY-MM-DD"])``
(the date may be single-quoted). The ``*Round`` amounts are in 万元 (akshare ``stock_margin_bse`` doc
sample: 融资余额 835758.44 万元) and are stored in CNY; one request per requested trading day (the pipeline
asks for month ends, which is what the monthly statistics need).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportbot.config import SourcesConfig
from reportbot.errors import SourceError
from reportbot.marketdata import MarginBalance
from reportbot.sources import bse_site
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, expect, load_jsonp

NAME = "bse_margin"
PATH = "/rzrqjyyexxController/summaryInfoResult.do"
LANDING = "/disclosure/rzrq_trans_list.html"
CALLBACK = "reportbotMargin"
FIRST_DAY = date(2022, 1, 1)
REQUIRED = ("rzyeRound", "rzrqyeRound")
WAN = 1e4
LOW_WAN, HIGH_WAN = 1e4, 1e8  # 1e8..1e12 CNY: BSE margin balances are in the billions of CNY


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """One request per day in ``request.days`` on or after ``since``."""

    def send(url: str, day: date, headers: dict[str, str]) -> RawPage:
        return client.get(NAME, url, {"callback": CALLBACK, "transDate": day.isoformat(), "page": 0}, headers=headers)

    return bse_site.fetch_days(
        client, settings, request, source=NAME, pages=(LANDING, PATH), first_day=FIRST_DAY, send=send
    )


def parse(pages: Sequence[RawPage]) -> Parsed:
    """One balance per page that has data (a day without data gives none); duplicates must agree."""
    return Parsed(margins=bse_site.one_per_day(NAME, (parse_page(p, i) for i, p in enumerate(pages)), field="date"))


def parse_page(page: RawPage, index: int) -> MarginBalance | None:
    """One day's summary, or None when the exchange has no data for that day."""
    payload = expect(NAME, load_jsonp(NAME, page, CALLBACK), list, f"page {index}")
    if len(payload) < 2:
        raise SourceError(NAME, f"expected [rows, date] in page {index}", field="body", value=f"{len(payload)} items")
    rows = expect(NAME, payload[0], list, "rows")
    day_text = expect(NAME, payload[1], str, "date")
    try:
        day = date.fromisoformat(day_text.strip())
    except ValueError:
        raise SourceError(NAME, f"bad date in page {index}", field="date", value=day_text) from None
    if not rows:
        return None
    if len(rows) != 1:
        raise SourceError(NAME, f"expected one summary row on {day}", field="rows", value=len(rows))
    rec = Record(NAME, rows[0], REQUIRED, f"summary of {day}")
    total = rec.number("rzrqyeRound", positive=True, low=LOW_WAN, high=HIGH_WAN, numeric_text=True)
    financing = rec.number("rzyeRound", positive=True, low=LOW_WAN, high=HIGH_WAN, numeric_text=True)
    if total is None:
        raise rec.error("rzrqyeRound", None, "required value is empty")
    if financing is not None and financing > total * 1.0001:
        raise rec.error("rzyeRound", financing, f"financing balance exceeds the total margin balance {total:g}")
    return MarginBalance(
        day=day, financing_balance=None if financing is None else financing * WAN, margin_balance_total=total * WAN
    )


SOURCE = Feed(
    name=NAME,
    title="北交所 融资融券汇总（summaryInfoResult.do）",
    config_key="bse_base_url",
    fetch_fn=fetch,
    parse_fn=parse,
    needs_days=True,
)
