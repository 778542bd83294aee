"""bse.cn ``POST /nqxxController/nqxxCnzq.do`` (``typejb=T``, ``xxfcbj[]=2``): every BSE-listed company.

JSONP ``cb([{"content": [...], "totalElements": N, "totalPages": P, "number": i, "lastPage": bool}])``,
pages 0-based. Row fields as the open clients of this endpoint read them (akshare
``stock_info_bj_name_code``): ``xxzqdm`` code, ``xxzqjc`` name, ``xxzgb`` total and ``xxfxsgb`` float
shares (in shares), ``fxssrq`` listing day ``YYYYMMDD``, ``xxhyzl`` CSRC industry, ``xxssdq`` region.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from reportbot.config import SourcesConfig
from reportbot.errors import SourceError
from reportbot.marketdata import ListedCompany
from reportbot.sources import bse_site
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, expect, load_jsonp

NAME = "bse_listed"
PATH = "/nqxxController/nqxxCnzq.do"
LANDING = "/nq/listedcompany.html"
CALLBACK = "reportbotListed"
MAX_PAGES = 100
REQUIRED = ("xxzqdm", "xxzqjc", "xxzgb", "fxssrq", "xxhyzl")
SHARES = (1e6, 1e11)  # total shares of a BSE company; a value in 万股 falls below


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """Every page, in code order (the list is small: a few hundred companies)."""
    headers = bse_site.page_headers(client, settings, NAME, LANDING)
    url = bse_site.url(settings, PATH)
    pages: list[RawPage] = []
    number, total = 0, 1
    while number < min(total, MAX_PAGES):
        form: list[tuple[str, str | int]] = [
            ("page", number),
            ("typejb", "T"),
            ("xxfcbj[]", 2),
            ("xxzqdm", ""),
            ("sortfield", "xxzqdm"),
            ("sorttype", "asc"),
        ]
        page = client.post(NAME, url, form, params={"callback": CALLBACK}, headers=headers)
        pages.append(page)
        try:
            total = expect(NAME, _block(page, number).get("totalPages"), int, "totalPages")
        except SourceError:
            break  # parse reports the precise error
        number += 1
    return pages


def _block(page: RawPage, number: int) -> dict[str, Any]:
    payload = expect(NAME, load_jsonp(NAME, page, CALLBACK), list, f"page {number}")
    if not payload:
        raise SourceError(NAME, "empty JSONP array", field=f"page {number}", value=[])
    return dict(expect(NAME, payload[0], dict, f"page {number}[0]"))


def parse(pages: Sequence[RawPage]) -> Parsed:
    """Validated companies; pages must agree on the totals and the rows must add up to ``totalElements``."""
    found: dict[str, ListedCompany] = {}
    announced: tuple[int, int] | None = None
    rows = 0
    for number, page in enumerate(pages):
        block = _block(page, number)
        totals = (
            expect(NAME, block.get("totalPages"), int, "totalPages"),
            expect(NAME, block.get("totalElements"), int, "totalElements"),
        )
        if announced is not None and totals != announced:
            raise SourceError(NAME, f"page {number} announces other totals", field="totalElements", value=totals[1])
        announced = totals
        content = expect(NAME, block.get("content"), list, "content")
        rows += len(content)
        for index, row in enumerate(content, start=1):
            company = parse_row(Record(NAME, row, REQUIRED, f"page {number} row {index}", "xxzqdm"))
            old = found.get(company.code)
            if old is not None and old != company:
                raise SourceError(NAME, "duplicate row with different values", field="xxzqdm", value=company.code)
            found[company.code] = company
    if announced is not None and (len(pages) < announced[0] or rows != announced[1]):
        raise SourceError(
            NAME,
            f"{rows} rows received on {len(pages)} of {announced[0]} pages",
            field="totalElements",
            value=announced[1],
        )
    return Parsed(companies=sorted(found.values(), key=lambda c: c.code))


def parse_row(rec: Record) -> ListedCompany:
    """One row → ListedCompany."""
    code = rec.code("xxzqdm")
    assert code is not None
    total = rec.number("xxzgb", positive=True, low=SHARES[0], high=SHARES[1], numeric_text=True)
    floating = rec.number("xxfxsgb", positive=True, low=SHARES[0] / 100, high=SHARES[1], numeric_text=True)
    if total is not None and floating is not None and floating > total * 1.0001:
        raise rec.error("xxfxsgb", floating, f"float shares exceed the total shares {total:g}")
    return ListedCompany(
        code=code,
        name=rec.name("xxzqjc"),
        listing_date=_day(rec, "fxssrq"),
        total_shares=total,
        float_shares=floating,
        industry=rec.industry("xxhyzl"),
        region=rec.text("xxssdq"),
    )


def _day(rec: Record, key: str) -> date | None:
    text = rec.text(key)
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a calendar day
    except ValueError:
        raise rec.error(key, text, "expected a date YYYYMMDD") from None


SOURCE = Feed(
    name=NAME,
    title="北交所 上市公司名录（nqxxCnzq.do）",
    config_key="bse_base_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
