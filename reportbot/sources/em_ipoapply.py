"""Eastmoney ``RPTA_APP_IPOAPPLY`` filtered to the BSE: a second view of the same IPOs for cross-checking.

Units (``../shared/data/API_ENDPOINTS.md`` §1b): shares (``ISSUE_NUM`` in 万股), CNY, rates and returns in
percent. Every row
must carry the BSE market code; a row of another market means the filter was ignored.
"""

from __future__ import annotations

from reportbot.config import SourcesConfig
from reportbot.domain import Ipo
from reportbot.sources.base import Feed, FetchRequest
from reportbot.sources.eastmoney import fetch_report, ipo_report_parser, report_params, since_filter
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import Record, check_first_day_return, check_order, check_ratio

NAME = "em_ipoapply"
REPORT = "RPTA_APP_IPOAPPLY"
BSE_MARKET = "069001017"
REQUIRED = (
    "SECURITY_CODE",
    "SECURITY_NAME",
    "TRADE_MARKET_CODE",
    "APPLY_DATE",
    "ISSUE_PRICE",
    "LISTING_DATE",
    "ONLINE_ISSUE_LWR",
    "LD_CLOSE_CHANGE",
)


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """All pages of the report restricted to the BSE market code."""
    params: dict[str, str | int] = {
        **report_params(REPORT, "WEB"),
        "quoteType": 0,
        "filter": since_filter("APPLY_DATE", request.since, f'(TRADE_MARKET_CODE="{BSE_MARKET}")'),
    }
    return fetch_report(client, settings, NAME, params)


def parse_row(rec: Record) -> Ipo:
    """One report row → Ipo."""
    code = rec.code("SECURITY_CODE")
    assert code is not None
    market = rec.text("TRADE_MARKET_CODE", required=True)
    if market != BSE_MARKET:
        raise rec.error("TRADE_MARKET_CODE", market, f"not the BSE market code {BSE_MARKET} (filter ignored?)")
    price = rec.number("ISSUE_PRICE", positive=True, high=1000)
    apply_date, listing = rec.em_date("APPLY_DATE"), rec.em_date("LISTING_DATE")
    check_order(rec, "APPLY_DATE", apply_date, "LISTING_DATE", listing)
    online, valid_shares, rate = _lottery(rec)
    close = rec.number("CLOSE_PRICE", positive=True, high=10000)
    ret = rec.number("LD_CLOSE_CHANGE", low=-100, high=10000)
    check_first_day_return(rec, "LD_CLOSE_CHANGE", ret, close, price)
    return Ipo(
        code=code,
        name=rec.name("SECURITY_NAME"),
        apply_code=rec.code("APPLY_CODE", required=False),
        apply_date=apply_date,
        listing_date=listing,
        issue_price=price,
        issue_pe=rec.number("AFTER_ISSUE_PE", positive=True, high=1000),
        industry_pe=rec.number("INDUSTRY_PE_NEW", positive=True, high=1000),
        total_issue_shares_wan=_issue_shares_wan(rec, online),
        online_issue_shares=online,
        subscription_cap_shares=rec.number("ONLINE_APPLY_UPPER", positive=True),
        online_valid_accounts=rec.number("ONLINE_VA_NUM", positive=True),
        online_valid_shares=valid_shares,
        online_winning_rate_pct=rate,
        subscription_multiple=rec.number("ONLINE_ES_MULTIPLE", positive=True),
        first_day_close=close,
        first_day_return_pct=ret,
        first_day_turnover_pct=rec.percent("TURNOVERRATE"),
    )


def _lottery(rec: Record) -> tuple[float | None, float | None, float | None]:
    """Online tranche and valid subscribed shares (both in shares), and the winning rate they imply (percent)."""
    online = rec.number("ONLINE_ISSUE_NUM", positive=True, low=1e4)
    valid_shares = rec.number("ONLINE_VA_SHARES", positive=True, low=1e4)
    rate = rec.percent("ONLINE_ISSUE_LWR")
    implied = online / valid_shares * 100 if online and valid_shares else None
    check_ratio(rec, "ONLINE_ISSUE_LWR", rate, implied, tolerance=0.1, unit="percent")
    return online, valid_shares, rate


def _issue_shares_wan(rec: Record, online: float | None) -> float | None:
    """``ISSUE_NUM`` in 万股, which can never be smaller than the online tranche (given in shares)."""
    # ISSUE_NUM is in 万股 (akshare stock_ipo_info / 新股申购 doc sample: 1427.1; 2092.0 for 920086),
    # while ONLINE_ISSUE_NUM is in shares: the online tranche can never exceed the whole issue.
    total = rec.number("ISSUE_NUM", positive=True, low=10, high=1e6)
    if total is not None and online is not None and online > total * 1e4 * 1.001:
        raise rec.error("ISSUE_NUM", total, f"smaller than the online tranche {online:g} shares (not in 万股?)")
    return total


parse = ipo_report_parser(NAME, REQUIRED, parse_row)  # validated IPO records, or SourceError naming the field

SOURCE = Feed(
    name=NAME,
    title="东方财富 新股申购与中签（RPTA_APP_IPOAPPLY，北交所）",
    config_key="eastmoney_datacenter_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
