"""Eastmoney ``RPT_NEEQ_ISSUEINFO_LIST``: every BSE IPO (and 精选层 offering) with terms and outcomes.

Units (``../shared/data/API_ENDPOINTS.md`` §1a): shares, CNY, rates and returns in percent. Stored as
the bundled data's units (万股, 万元, 亿元, percent).
"""

from __future__ import annotations

from datetime import date

from reportbot.config import SourcesConfig
from reportbot.domain import Ipo
from reportbot.kinds import BSE_OPENING, Segment
from reportbot.sources.base import Feed, FetchRequest
from reportbot.sources.eastmoney import fetch_report, ipo_report_parser, report_params, since_filter
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, check_first_day_return, check_order, check_ratio

NAME = "em_issueinfo"
REPORT = "RPT_NEEQ_ISSUEINFO_LIST"
REQUIRED = (
    "SECURITY_CODE",
    "SECURITY_NAME_ABBR",
    "APPLY_DATE",
    "ISSUE_PRICE",
    "SELECT_LISTING_DATE",
    "ONLINE_ISSUE_LWR",
    "CLOSE_PRICE",
    "LD_CLOSE_CHANGE",
)


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """All pages of the report, newest apply date first (only apply dates >= ``since`` when given)."""
    params: dict[str, str | int] = {
        **report_params(REPORT, "NEEQSELECT"),
    }
    if flt := since_filter("APPLY_DATE", request.since):
        params["filter"] = flt
    return fetch_report(client, settings, NAME, params)


def parse_row(rec: Record) -> Ipo:
    """One report row → Ipo (code as given; the merge maps legacy codes to 920)."""
    code = rec.code("SECURITY_CODE")
    assert code is not None
    price = rec.number("ISSUE_PRICE", positive=True, high=1000)
    apply_date, result_date, listing, refund = _dates(rec)
    cap, top, online, valid_amount, rate = _subscription(rec, price)
    close = rec.number("CLOSE_PRICE", positive=True, high=10000)
    ret = rec.number("LD_CLOSE_CHANGE", low=-100, high=10000)
    check_first_day_return(rec, "LD_CLOSE_CHANGE", ret, close, price)
    total = rec.number("EXPECT_ISSUE_NUM", positive=True, low=1e5)
    started = listing or apply_date
    return Ipo(
        code=code,
        name=rec.name("SECURITY_NAME_ABBR"),
        segment=Segment.NEEQ_SELECT if started is not None and started < BSE_OPENING else Segment.BSE,
        apply_code=rec.code("APPLY_CODE", required=False),
        apply_date=apply_date,
        issue_result_date=result_date,
        refund_date=refund,
        listing_date=listing,
        issue_price=price,
        issue_pe=rec.number("ISSUE_PE_RATIO", positive=True, high=1000),
        industry_pe=rec.number("INDUSTRY_PE_RATIO", positive=True, high=1000),
        total_issue_shares_wan=total / 1e4 if total else None,
        online_issue_shares=online,
        top_apply_amount_wan=top / 1e4 if top else None,
        subscription_cap_shares=cap,
        online_valid_accounts=rec.number("ORG_VAN", positive=True),
        frozen_funds_yi=valid_amount / 1e8 if valid_amount else None,
        online_winning_rate_pct=rate,
        first_day_close=close,
        first_day_return_pct=ret,
        first_day_avg_price=rec.number("AVERAGE_PRICE", positive=True, high=10000),
        first_day_turnover_pct=rec.percent("TURNOVERRATE"),
    )


def _dates(rec: Record) -> tuple[date | None, date | None, date | None, date | None]:
    apply_date, listing = rec.em_date("APPLY_DATE"), rec.em_date("SELECT_LISTING_DATE")
    result_date, refund = rec.em_date("RESULT_NOTICE_DATE"), rec.em_date("ONLINE_REFUND_DATE")
    check_order(rec, "APPLY_DATE", apply_date, "RESULT_NOTICE_DATE", result_date)
    check_order(rec, "APPLY_DATE", apply_date, "SELECT_LISTING_DATE", listing)
    check_order(rec, "APPLY_DATE", apply_date, "ONLINE_REFUND_DATE", refund)
    return apply_date, result_date, listing, refund


def _subscription(rec: Record, price: float | None) -> tuple[float | None, ...]:
    """Cap, cash at the cap, online shares, valid subscription amount and winning rate, cross-checked."""
    cap = rec.number("APPLY_NUM_UPPER", positive=True)
    top = rec.number("APPLY_AMT_UPPER", positive=True)
    check_ratio(rec, "APPLY_AMT_UPPER", top, price * cap if price and cap else None, tolerance=0.02, unit="CNY")
    online = rec.number("ONLINE_ISSUE_NUM", positive=True, low=1e4)
    valid_amount = rec.number("VA_AMT", positive=True, low=1e6)
    rate = rec.percent("ONLINE_ISSUE_LWR")
    valid_shares = valid_amount / price if valid_amount and price else None
    implied = online / valid_shares * 100 if online and valid_shares else None
    check_ratio(rec, "ONLINE_ISSUE_LWR", rate, implied, tolerance=0.1, unit="percent")
    return cap, top, online, valid_amount, rate


parse = ipo_report_parser(NAME, REQUIRED, parse_row)  # validated IPO records, or SourceError naming the field

SOURCE = Feed(
    name=NAME,
    title="东方财富 北交所新股发行（RPT_NEEQ_ISSUEINFO_LIST）",
    config_key="eastmoney_datacenter_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
