"""Eastmoney data centre ``RPT_IPO_INFOALLNEW`` filtered to ``PREDICT_LISTING_MARKET="北交所"``: IPO review states.

One row per company with its latest state (``STATE``: 已受理, 已问询, 上市委会议通过, 提交注册, 注册生效,
终止 ...), ``ACCEPT_DATE``, ``UPDATE_DATE`` (the day of that state), ``DECLARE_ORG`` (company),
``CSRC_INDUSTRY``. The column set, sort (``UPDATE_DATE,ORG_CODE`` descending) and filter follow akshare's
``stock_register_bj``. Each fetch's states are stored, so a month's transitions are counted from the
stored changes rather than from one snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportbot.config import SourcesConfig
from reportbot.errors import SourceError
from reportbot.marketdata import ReviewState
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.eastmoney import fetch_report, report_params, report_rows, since_filter
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, check_order

NAME = "em_ipo_review"
REPORT = "RPT_IPO_INFOALLNEW"
MARKET = "北交所"
COLUMNS = (
    "SECURITY_CODE,STATE,REG_ADDRESS,INFO_CODE,CSRC_INDUSTRY,ACCEPT_DATE,DECLARE_ORG,PREDICT_LISTING_MARKET,"
    "LAW_FIRM,ACCOUNT_FIRM,ORG_CODE,UPDATE_DATE,RECOMMEND_ORG,IS_REGISTRATION"
)
REQUIRED = ("STATE", "DECLARE_ORG", "ACCEPT_DATE", "UPDATE_DATE", "PREDICT_LISTING_MARKET", "CSRC_INDUSTRY")


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """All pages of the BSE review list (incremental: states updated since ``since``)."""
    params: dict[str, str | int] = {
        **report_params(REPORT, "WEB", columns=COLUMNS, sort=("UPDATE_DATE,ORG_CODE", "-1,-1")),
        "filter": since_filter("UPDATE_DATE", request.since, f'(PREDICT_LISTING_MARKET="{MARKET}")'),
    }
    return fetch_report(client, settings, NAME, params)


def parse(pages: Sequence[RawPage]) -> Parsed:
    """Validated review states (a company twice with different states fails: paging drift)."""
    found: dict[str, ReviewState] = {}
    for label, row in report_rows(NAME, pages):
        state = parse_row(Record(NAME, row, REQUIRED, label, "DECLARE_ORG"))
        old = found.get(state.org)
        if old is not None and old != state:
            raise SourceError(NAME, "duplicate company with different values", field="ORG_CODE", value=state.org)
        found[state.org] = state
    return Parsed(reviews=list(found.values()))


def parse_row(rec: Record) -> ReviewState:
    """One row → ReviewState."""
    market = rec.text("PREDICT_LISTING_MARKET", required=True)
    if market != MARKET:
        raise rec.error("PREDICT_LISTING_MARKET", market, f"not {MARKET} (filter ignored?)")
    company = rec.name("DECLARE_ORG", company=True)
    accept, update = rec.em_date("ACCEPT_DATE"), rec.em_date("UPDATE_DATE")
    if update is None:
        raise rec.error("UPDATE_DATE", None, "required value is empty")
    check_order(rec, "ACCEPT_DATE", accept, "UPDATE_DATE", update)
    state = rec.name("STATE", company=True)
    return ReviewState(
        org=rec.text("ORG_CODE") or company,
        company=company,
        state=state,
        accept_date=accept,
        update_date=update,
        industry=rec.industry("CSRC_INDUSTRY"),
    )


SOURCE = Feed(
    name=NAME,
    title="东方财富 北交所IPO审核进度（RPT_IPO_INFOALLNEW）",
    config_key="eastmoney_datacenter_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
