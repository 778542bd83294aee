"""bse.cn ``/newShareController/infoResult.do``: the exchange's own new-share list (the upcoming calendar).

JSONP ``cb([{"listInfo": {"content": [...], "totalPages": N, "totalElements": M}}])``, pages 0-based,
newest subscription day first. Dates are ``{time: epoch-ms}`` at Beijing midnight and are converted in
Asia/Shanghai (a UTC conversion would shift them a day).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportbot.config import SourcesConfig
from reportbot.domain import Ipo
from reportbot.errors import SourceError
from reportbot.sources import bse_site
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, check_order, expect, load_jsonp, unique_ipos

log = logging.getLogger(__name__)
NAME = "bse_newshare"
PATH = "/newShareController/infoResult.do"
CALLBACK = "reportbotNewShare"
MAX_PAGES = 100
PAGE_SIZE = 50
LANDING = "/newshare/listofissues.html"
REQUIRED = ("fxCode", "stockCode", "stockName", "issuePrice", "purchaseDate", "enterPremiumDate")


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """Pages asked newest first; stops early at ``since`` only while the answer is verifiably in that order.

    A server that ignores ``sorttype`` (the documented default is ascending, newest on the last page) is
    read to its last page, so ``--since`` never silently reads only the oldest page.
    """
    headers = bse_site.page_headers(client, settings, NAME, LANDING)
    url = bse_site.url(settings, PATH)
    pages: list[RawPage] = []
    number, total = 0, 1
    newest_seen: date | None = None  # the oldest day of the previous page, while the order holds
    ordered = True
    while number < min(total, MAX_PAGES):
        params: dict[str, str | int] = {
            "callback": CALLBACK,
            "page": number,
            "pageSize": PAGE_SIZE,
            "isNewThree": 1,
            "sortfield": "purchaseDate",
            "sorttype": "desc",
        }
        page = client.get(NAME, url, params, headers=headers)
        pages.append(page)
        try:
            info = _list_info(page, number)
            total = expect(NAME, info.get("totalPages"), int, "listInfo.totalPages")
            days = _days(info)
        except SourceError:
            break  # parse reports the precise error
        ordered = ordered and _descending(days) and (newest_seen is None or not days or days[0] <= newest_seen)
        if days:
            newest_seen = days[-1]
        if ordered and request.since is not None and days and days[-1] < request.since:
            break
        number += 1
    return pages


def _days(info: dict[str, Any]) -> list[date]:
    rows = info.get("content") or []
    days = [Record(NAME, row, (), "row").epoch_date("purchaseDate") for row in rows if isinstance(row, dict)]
    return [d for d in days if d is not None]


def _descending(days: list[date]) -> bool:
    return all(a >= b for a, b in itertools.pairwise(days))


def _list_info(page: RawPage, number: int) -> dict[str, Any]:
    payload = expect(NAME, load_jsonp(NAME, page, CALLBACK), list, f"page {number}")
    if not payload:
        raise SourceError(NAME, "empty JSONP array", field=f"page {number}", value=[])
    first = expect(NAME, payload[0], dict, f"page {number}[0]")
    return dict(expect(NAME, first.get("listInfo"), dict, "listInfo"))


def parse(pages: Sequence[RawPage]) -> Parsed:
    """Validated IPO calendar records (terminated offerings are left out)."""
    ipos: list[Ipo] = []
    announced: int | None = None
    seen = count = 0
    for number, page in enumerate(pages):
        info = _list_info(page, number)
        total = expect(NAME, info.get("totalPages"), int, "listInfo.totalPages")
        if announced is not None and total != announced:
            raise SourceError(NAME, f"page {number} announces a different page count", field="totalPages", value=total)
        announced = total
        content = expect(NAME, info.get("content"), list, "listInfo.content")
        elements = expect(NAME, info.get("totalElements"), int, "listInfo.totalElements")
        if number and elements != count:
            raise SourceError(
                NAME, f"page {number} announces a different row count", field="totalElements", value=count
            )
        count = elements
        seen += len(content)
        for index, row in enumerate(content, start=1):
            ipo = parse_row(Record(NAME, row, REQUIRED, f"page {number} row {index}", "fxCode"))
            if ipo is not None:
                ipos.append(ipo)
    if announced is not None and len(pages) >= announced and seen != count:
        raise SourceError(NAME, f"{seen} rows received on {len(pages)} pages", field="totalElements", value=count)
    return Parsed(ipos=unique_ipos(NAME, ipos))


def parse_row(rec: Record) -> Ipo | None:
    """One new-share record → Ipo keyed on the 920 trading code, with the NEEQ code as legacy code."""
    code = rec.code("fxCode", required=False)
    legacy = rec.code("stockCode", required=False)
    if code is None:  # not yet given a 920 trading code: nothing to key it on
        log.warning("%s: %s has no fxCode (920 code) yet, skipped (in %s)", NAME, legacy, rec.label)
        return None
    if rec.raw("terminationDate") is not None:
        log.info("%s: %s terminated, skipped", NAME, code)
        return None
    apply_date, listing = rec.epoch_date("purchaseDate"), rec.epoch_date("enterPremiumDate")
    result_date = rec.epoch_date("issueResultDate")
    check_order(rec, "purchaseDate", apply_date, "issueResultDate", result_date)
    check_order(rec, "purchaseDate", apply_date, "enterPremiumDate", listing)
    amount = rec.number("initialIssueAmount", positive=True, low=1e5)
    return Ipo(
        code=code,
        name=rec.name("stockName"),
        legacy_code=legacy if legacy != code else None,
        apply_date=apply_date,
        issue_result_date=result_date,
        listing_date=listing,
        issue_price=_price(rec),
        issue_pe=rec.number("peRatio", positive=True, high=1000),
        total_issue_shares_wan=amount / 1e4 if amount else None,
    )


def _price(rec: Record) -> float | None:
    """The issue price; 0 means "not priced yet" (the offering is kept, unpriced)."""
    if rec.raw("issuePrice") in (0, 0.0, "0"):
        log.info("%s: issuePrice 0 = not yet priced (in %s)", NAME, rec.label)
        return None
    return rec.number("issuePrice", positive=True, high=1000)


SOURCE = Feed(
    name=NAME,
    title="北交所 新股发行信息（infoResult.do）",
    config_key="bse_base_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
