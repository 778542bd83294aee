"""Eastmoney data-centre reports: paging (``pageNumber`` up to ``result.pages``) and the response envelope."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reportbot.config import SourcesConfig
from reportbot.domain import Ipo
from reportbot.errors import SourceError
from reportbot.sources.base import Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, expect, load_json, unique_ipos

MAX_PAGES = 200  # a safety net against a server that keeps announcing more pages
_EMPTY_MESSAGE = "数据为空"
_EMPTY_CODE = 9201  # {"success": false, "message": "返回数据为空", "code": 9201}: nothing matches the filter


def report_params(
    report: str, source: str, *, columns: str = "ALL", sort: tuple[str, str | int] = ("APPLY_DATE", -1)
) -> dict[str, str | int]:
    """The query of one data-centre report: its name, columns, sort (newest apply date first) and source."""
    return {"reportName": report, "columns": columns, "sortColumns": sort[0], "sortTypes": sort[1], "source": source}


def fetch_report(
    client: HttpClient,
    settings: SourcesConfig,
    source: str,
    params: dict[str, str | int],
) -> list[RawPage]:
    """Fetch every page of one data-centre report; page 1 tells how many pages there are.

    A page that does not decode ends the paging (its parse will raise the precise error).
    """
    pages: list[RawPage] = []
    total = 1
    number = 1
    while number <= min(total, MAX_PAGES):
        page = client.get(
            source,
            settings.eastmoney_datacenter_url,
            {**params, "pageNumber": number, "pageSize": settings.page_size, "client": "WEB"},
        )
        pages.append(page)
        announced = _announced_pages(page)
        if announced is None:
            break
        total = announced
        number += 1
    return pages


def _announced_pages(page: RawPage) -> int | None:
    try:
        payload = json.loads(page.text())
        pages = payload["result"]["pages"]
    except (ValueError, KeyError, TypeError):
        return None
    return pages if isinstance(pages, int) and not isinstance(pages, bool) else None


def since_filter(column: str, since: date | None, extra: str = "") -> str:
    """The ``filter`` parameter: an optional market condition and ``column >= since``."""
    parts = [extra] if extra else []
    if since is not None:
        parts.append(f"({column}>='{since.isoformat()}')")
    return "".join(parts)


def report_rows(source: str, pages: Sequence[RawPage]) -> Iterator[tuple[str, Any]]:
    """Every row of every page, labelled ``page N row M``; the envelope is checked on each page.

    Raises:
        SourceError: an HTML page, broken JSON, ``success`` false, or a ``result`` without ``data``/``pages``.
    """
    announced: int | None = None
    count: Any = None
    counted = 0
    for index, page in enumerate(pages, start=1):
        result = _result(source, index, page, len(pages))
        if result is None:
            return  # an incremental query: nothing new since the date in its filter
        pages_value = expect(source, result.get("pages"), int, "result.pages")
        if announced is not None and pages_value != announced:
            raise SourceError(
                source, f"page {index} announces a different page count", field="result.pages", value=pages_value
            )
        announced = pages_value
        rows = expect(source, result.get("data"), list, "result.data")
        if not rows and index <= pages_value:
            raise SourceError(source, f"page {index} of {pages_value} is empty", field="result.data", value=[])
        if index > 1 and result.get("count") != count:
            raise SourceError(
                source, f"page {index} announces a different row count", field="result.count", value=result.get("count")
            )
        count = result.get("count")
        counted += len(rows)
        for number, row in enumerate(rows, start=1):
            yield f"page {index} row {number}", row
    if announced is not None and len(pages) < min(announced, MAX_PAGES):
        raise SourceError(
            source, f"only {len(pages)} of {announced} pages received", field="result.pages", value=announced
        )
    _check_count(source, count, counted, announced, len(pages))


def _result(source: str, index: int, page: RawPage, received: int) -> dict[str, Any] | None:
    """The ``result`` of one page; None for the "no data" answer to a lone incremental query."""
    payload = expect(source, load_json(source, page), dict, f"page {index}")
    if payload.get("success") is not True:
        message = str(payload.get("message", ""))
        empty = _EMPTY_MESSAGE in message or payload.get("code") == _EMPTY_CODE
        if empty and index == 1 and received == 1 and is_incremental(page.url):
            return None
        what = "no data for a full-history query" if empty else "report failed"
        raise SourceError(source, f"{what}: {message or 'no message'}", field="success", value=payload.get("success"))
    result: dict[str, Any] = expect(source, payload.get("result"), dict, "result")
    return result


def ipo_report_parser(
    source: str, required: tuple[str, ...], parse_row: Callable[[Record], Ipo]
) -> Callable[[Sequence[RawPage]], Parsed]:
    """The ``parse`` of a report of IPO rows keyed on ``SECURITY_CODE``: every row through ``parse_row``.

    The parser raises SourceError naming the page, row, field and value of the first bad row; exact
    repeats (paging drift) are dropped.
    """

    def parse(pages: Sequence[RawPage]) -> Parsed:
        rows = report_rows(source, pages)
        return Parsed(
            ipos=unique_ipos(source, [parse_row(Record(source, r, required, at, "SECURITY_CODE")) for at, r in rows])
        )

    return parse


def is_incremental(url: str) -> bool:
    """Whether a request's ``filter`` restricts a date column from a day on (``(COL>='YYYY-MM-DD')``)."""
    values = parse_qs(urlsplit(url).query).get("filter", [])
    return any(">=" in v for v in values)


def _check_count(source: str, count: Any, counted: int, announced: int | None, received: int) -> None:
    """``result.count`` (when given) must equal the rows of all pages, and fit the announced page count."""
    if count is None or announced is None or received < announced:
        return
    if isinstance(count, bool) or not isinstance(count, int) or count != counted:
        raise SourceError(source, f"{counted} rows received on {received} pages", field="result.count", value=count)
