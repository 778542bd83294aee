"""Eastmoney push2his daily K-lines of 北证50 (secid ``0.899050``).

``{"rc": 0, "data": {"code": "899050", "name": "北证50", "klines": ["date,open,close,high,low,volume,amount,
amplitude", ...]}}``; levels in points, volume and amount (CNY) stored as given.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from datetime import date

from reportbot.config import SourcesConfig
from reportbot.domain import BSE50_LAUNCH
from reportbot.errors import SourceError
from reportbot.marketdata import IndexBar
from reportbot.sources.base import Feed, FetchRequest, Parsed
from reportbot.sources.http import HttpClient, RawPage
from reportbot.sources.validate import expect, load_json

log = logging.getLogger(__name__)
NAME = "em_bse50"
CODE = "899050"
SECID = f"0.{CODE}"
FIRST_DAY = BSE50_LAUNCH  # the base day is 2022-04-29, but bars before the launch are a later backfill
LOW, HIGH = 100.0, 20000.0  # plausible index levels in points (base 1000)


def fetch(client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
    """One request for every daily bar from ``since`` (default: the base day) to ``today``."""
    begin = max(request.since or FIRST_DAY, FIRST_DAY)
    params: dict[str, str | int] = {
        "secid": SECID,
        "fields1": "f1,f2,f3,f4,f5",
        "fields2": "f51,f52,f53,f54,f55,f56,f57,f58",
        "klt": 101,
        "fqt": 0,
        "beg": begin.strftime("%Y%m%d"),
        "end": request.today.strftime("%Y%m%d"),
    }
    return [client.get(NAME, settings.eastmoney_kline_url, params)]


def parse(pages: Sequence[RawPage]) -> Parsed:
    """Validated bars, oldest first (raises on a malformed line, a bad value or an unordered day)."""
    bars: list[IndexBar] = []
    for page in pages:
        payload = expect(NAME, load_json(NAME, page), dict, "body")
        data = payload.get("data")
        if data is None:
            raise SourceError(NAME, f"no data for secid {SECID} (rc={payload.get('rc')!r})", field="data", value=None)
        data = expect(NAME, data, dict, "data")
        code = data.get("code")
        if code != CODE:
            raise SourceError(NAME, f"answer is for another security than {CODE}", field="data.code", value=code)
        lines = expect(NAME, data.get("klines"), list, "data.klines")
        parsed = [parse_line(line, f"klines[{i}]") for i, line in enumerate(lines)]
        early = [b for b in parsed if b.day < BSE50_LAUNCH]
        if early:
            log.info("%s: %d backfilled bars before %s dropped (not point in time)", NAME, len(early), BSE50_LAUNCH)
        bars += [b for b in parsed if b.day >= BSE50_LAUNCH]
    for before, after in itertools.pairwise(bars):
        if after.day <= before.day:
            raise SourceError(
                NAME, f"days not strictly increasing after {before.day}", field="date", value=str(after.day)
            )
    return Parsed(bars=bars)


def parse_line(line: object, where: str) -> IndexBar:
    """``date,open,close,high,low,volume,amount[,amplitude...]`` → IndexBar."""
    text = expect(NAME, line, str, where)
    parts = text.split(",")
    if len(parts) < 7:
        raise SourceError(NAME, f"expected at least 7 comma-separated values in {where}", field="kline", value=text)
    try:
        day = date.fromisoformat(parts[0])
    except ValueError:
        raise SourceError(NAME, f"bad date in {where}", field="date", value=parts[0]) from None
    names = ("open", "close", "high", "low", "volume", "amount")
    values: dict[str, float] = {}
    for name, raw in zip(names, parts[1:7], strict=True):
        try:
            values[name] = float(raw)
        except ValueError:
            raise SourceError(NAME, f"not a number in {where} ({day})", field=name, value=raw) from None
    for name in ("open", "close", "high", "low"):
        if not LOW <= values[name] <= HIGH:
            raise SourceError(
                NAME, f"index level outside {LOW:g}..{HIGH:g} points on {day}", field=name, value=raw_of(values[name])
            )
    if (
        not values["low"]
        <= min(values["open"], values["close"])
        <= max(values["open"], values["close"])
        <= values["high"]
    ):
        raise SourceError(NAME, f"low/open/close/high out of order on {day}", field="kline", value=text)
    for name in ("volume", "amount"):
        if values[name] < 0:
            raise SourceError(NAME, f"negative on {day}", field=name, value=raw_of(values[name]))
    return IndexBar(code=CODE, day=day, **values)


def raw_of(value: float) -> str:
    """A number as it would appear in the payload."""
    return f"{value:g}"


SOURCE = Feed(
    name=NAME,
    title="东方财富 北证50 日K线（push2his）",
    config_key="eastmoney_kline_url",
    fetch_fn=fetch,
    parse_fn=parse,
)
