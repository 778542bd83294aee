"""bse.cn ``/newShareController/infoResult.do``: the exchange's own new-share list (the upcoming calendar).

JSONP ``cb([{"listInfo": {"content": [...], "totalPages": N, "totalElements": M}}])``, pages 0-based,
newest subscription day first. Dates are ``{time: epoch-ms}`` at Beijing midnight and are converted in
Asia/Shanghai (a UTC conversion would shift them a day).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportbot.config import SourcesConfig
from reportbot.domain import Ipo
from reportbot.errors import SourceError
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, check_order, expect, load_jsonp, unique_ipos

log = logging.getLogger(__name__)
NAME = "bse_newshare"
PATH = "/newShareController/infoResult.do"
CALLBACK = "reportbotNewShare"
MAX_PAGES = 100
PAGE_SIZE = 50
REQUIRED = ("fxCode", "stockCode", "stockName", "issuePrice", "purchaseDate", "enterPremiumDate")


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """Pages newest first, until the last page or a page that starts before ``since``."""
    url = settings.bse_base_url.rstrip("/") + PATH
    headers = {"Referer": settings.bse_base_url.rstrip("/") + "/newshare/listofissues.html"}
    pages: list[RawPage] = []
    number, total = 0, 1
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
            if request.since is not None and _oldest(info) < request.since:
                break
        except SourceError:
            break  # parse reports the precise error
        number += 1
    return pages


def _list_info(page: RawPage, number: int) -> dict[str, Any]:
    payload = expect(NAME, load_jsonp(NAME, page, CALLBACK), list, f"page {number}")
    if not payload:
        raise SourceError(NAME, "empty JSONP array", field=f"page {number}", value=[])
    first = expect(NAME, payload[0], dict, f"page {number}[0]")
    return dict(expect(NAME, first.get("listInfo"), dict, "listInfo"))


def _oldest(info: dict[str, Any]) -> date:
    days = [Record(NAME, row, (), "row").epoch_date("purchaseDate") for row in info.get("content") or []]
    known = [d for d in days if d is not None]
    return min(known) if known else date.min


def parse(pages: Sequence[RawPage]) -> Parsed:
    """Validated IPO calendar records (terminated offerings are left out)."""
    ipos: list[Ipo] = []
    announced: int | None = None
    for number, page in enumerate(pages):
        info = _list_info(page, number)
        total = expect(NAME, info.get("totalPages"), int, "listInfo.totalPages")
        if announced is not None and total != announced:
            raise SourceError(NAME, f"page {number} announces a different page count", field="totalPages", value=total)
        announced = total
        content = expect(NAME, info.get("content"), list, "listInfo.content")
        for index, row in enumerate(content, start=1):
            ipo = parse_row(Record(NAME, row, REQUIRED, f"page {number} row {index}", "fxCode"))
            if ipo is not None:
                ipos.append(ipo)
    return Parsed(ipos=unique_ipos(NAME, ipos))


def parse_row(rec: Record) -> Ipo | None:
    """One new-share record → Ipo keyed on the 920 trading code, with the NEEQ code as legacy code."""
    code = rec.code("fxCode")
    assert code is not None
    legacy = rec.code("stockCode", required=False)
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
        name=rec.text("stockName", required=True) or "",
        legacy_code=legacy if legacy != code else None,
        apply_date=apply_date,
        issue_result_date=result_date,
        listing_date=listing,
        issue_price=rec.number("issuePrice", positive=True, high=1000),
        issue_pe=rec.number("peRatio", positive=True, high=1000),
        total_issue_shares_wan=amount / 1e4 if amount else None,
    )


SOURCE = Feed(
    name=NAME,
    title="北交所 新股发行信息（infoResult.do）",
    config_key="bse_base_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
