"""A local HTTP server on 127.0.0.1 that serves the documented payload formats from tests/fixtures/."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from reportbot.config import Config, SourcesConfig
from tests.conftest import make_config
from tests.sources import payloads

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOOD = FIXTURES / "good"
BROKEN = FIXTURES / "broken"
EM_PATH = "/api/data/v1/get"
KLINE_PATH = "/api/qt/stock/kline/get"
NEWSHARE_PATH = "/newShareController/infoResult.do"
MARGIN_PATH = "/rzrqjyyexxController/summaryInfoResult.do"
DAILY_PATH = "/marketStatController/dailyReport.do"
LISTED_PATH = "/nqxxController/nqxxCnzq.do"
SPOT_PATH = "/api/qt/clist/get"
SPOT_DAY = date(2026, 11, 20)
LANDING = "<!DOCTYPE html><html><head><title>北京证券交易所</title></head><body>bse</body></html>"
ANTI_BOT = "<!DOCTYPE html><html><head><title>访问验证</title></head><body>请完成访问验证后继续访问</body></html>"
Body = str | bytes
DATA_TABLES = (
    "ipos",
    "field_sources",
    "source_conflicts",
    "index_daily",
    "margin_daily",
    "market_monthly",
    "market_points",
    "market_daily",
    "stock_snapshots",
    "listed_companies",
    "review_states",
    "industry_monthly",
)


def read(name: str) -> str:
    """A good fixture's text."""
    return (GOOD / name).read_text(encoding="utf-8")


@dataclass
class Feeds:
    """What the fake servers answer; tests replace single pages with broken ones."""

    em: dict[str, list[Body]] = field(default_factory=dict)
    kline: Body = ""
    newshare: list[Body] = field(default_factory=list)
    margin: dict[str, Body] = field(default_factory=dict)
    daily: dict[str, Body] = field(default_factory=dict)  # YYYYMMDD -> body (default: generated)
    spot: list[Body] = field(default_factory=list)
    listed: list[Body] = field(default_factory=list)
    fail: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses to answer first
    charset: dict[str, str] = field(default_factory=dict)  # path -> charset declared in Content-Type
    anti_bot_landing: bool = False
    requests: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    headers: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def reset(self) -> None:
        """Serve the good corpus."""
        self.em = {
            "RPT_NEEQ_ISSUEINFO_LIST": [read("em_issueinfo_p1.json"), read("em_issueinfo_p2.json")],
            "RPTA_APP_IPOAPPLY": [read("em_ipoapply_p1.json")],
        }
        self.kline = read("em_bse50.json")
        self.newshare = [read("bse_newshare_p0.jsonp"), read("bse_newshare_p1.jsonp")]
        self.margin = {p.stem.split("_")[-1]: p.read_text(encoding="utf-8") for p in GOOD.glob("bse_margin_*.jsonp")}
        self.em["RPT_IPO_INFOALLNEW"] = list(payloads.review_pages(3))
        self.daily = {}
        self.spot = list(payloads.spot_pages(SPOT_DAY, 3))
        self.listed = list(payloads.listed_pages())
        self.fail = {}
        self.charset = {}
        self.anti_bot_landing = False
        self.requests = []
        self.headers = []

    def put(self, source: str, slot: str, body: Body) -> None:
        """Replace one page of one source (slot: p1/p2 for Eastmoney, p0 for bse.cn, k, a margin day or a
        daily-report day YYYYMMDD)."""
        if source == "em_issueinfo":
            self.em["RPT_NEEQ_ISSUEINFO_LIST"][int(slot[1:]) - 1] = body
        elif source == "em_ipoapply":
            self.em["RPTA_APP_IPOAPPLY"][int(slot[1:]) - 1] = body
        elif source == "em_ipo_review":
            self.em["RPT_IPO_INFOALLNEW"][int(slot[1:]) - 1] = body
        elif source == "bse_newshare":
            self.newshare[int(slot[1:])] = body
        elif source == "bse_listed":
            self.listed[int(slot[1:])] = body
        elif source == "em_bse_spot":
            self.spot[int(slot[1:]) - 1] = body
        elif source == "em_bse50":
            self.kline = body
        elif source == "bse_daily":
            self.daily[slot] = body
        else:
            self.margin[slot] = body

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Body]:
        """Status and body for one request."""
        pending = self.fail.get(path)
        if pending:
            return pending.pop(0), "<html><body>upstream error</body></html>"
        if path.endswith(".html"):
            return 200, ANTI_BOT if self.anti_bot_landing else LANDING
        if path == DAILY_PATH:
            day = query.get("HQJSRQ", "")
            if day in self.daily:
                return 200, self.daily[day]
            return 200, payloads.daily_body(
                date(int(day[:4]), int(day[4:6]), int(day[6:])), query.get("callback", "cb")
            )
        if path == LISTED_PATH:
            number = int(query.get("page", "0"))
            return (200, self.listed[number]) if number < len(self.listed) else (200, self.listed[-1])
        if path == SPOT_PATH:
            number = int(query.get("pn", "1"))
            return (200, self.spot[number - 1]) if 0 < number <= len(self.spot) else (200, self.spot[-1])
        if path == EM_PATH:
            pages = self.em.get(query.get("reportName", ""), [])
            number = int(query.get("pageNumber", "1"))
            return (200, pages[number - 1]) if 0 < number <= len(pages) else (200, pages[-1])
        if path == KLINE_PATH:
            return 200, self.kline
        if path == NEWSHARE_PATH:
            number = int(query.get("page", "0"))
            return (200, self.newshare[number]) if number < len(self.newshare) else (404, "")
        if path == MARGIN_PATH:
            day = query.get("transDate", "")
            return 200, self.margin.get(day, f"{query.get('callback', 'cb')}([[], '{day}'])")
        return 404, "not found"


class _Handler(BaseHTTPRequestHandler):
    feeds: Feeds

    def do_GET(self) -> None:
        self._serve("")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self._serve(self.rfile.read(length).decode("utf-8"))

    def _serve(self, form: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        query.update({k: v[0] for k, v in parse_qs(form, keep_blank_values=True).items()})
        self.feeds.requests.append((url.path, query, self.headers.get("User-Agent", "")))
        self.feeds.headers.append((url.path, dict(self.headers.items())))
        status, body = self.feeds.answer(url.path, query)
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        kind = "text/html" if data.lstrip().startswith(b"<") else "application/json"
        charset = self.feeds.charset.get(url.path)
        self.send_response(status)
        if url.path.endswith(".html"):
            self.send_header("Set-Cookie", "HMF_CI=warm; Path=/")
        self.send_header("Content-Type", f"{kind}; charset={charset}" if charset else kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[str, Feeds]]:
    """The fake servers' base URL and their (mutable) answers."""
    feeds = Feeds()
    feeds.reset()
    handler = type("Handler", (_Handler,), {"feeds": feeds})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", feeds
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def feeds(server: tuple[str, Feeds]) -> Iterator[Feeds]:
    """The good corpus, reset for each test."""
    server[1].reset()
    yield server[1]
    server[1].reset()


def live_config(tmp: Path, base: str) -> Config:
    """Paths under ``tmp``, every source pointed at the local server, no waiting."""
    config = make_config(tmp)
    sources = SourcesConfig(
        eastmoney_datacenter_url=base + EM_PATH,
        eastmoney_kline_url=base + KLINE_PATH,
        eastmoney_spot_url=base + SPOT_PATH,
        bse_base_url=base,
        timeout_s=5.0,
        retries=2,
        backoff_s=0.0,
        pacing_s=0.0,
        page_size=3,
    )
    return dataclasses.replace(config, sources=sources)


def live_config_file(tmp: Path, base: str) -> Path:
    """A config file with paths under ``tmp`` and every source pointed at the local server (for the CLI)."""
    path = tmp / "config.toml"
    path.write_text(
        "[paths]\n"
        f'database = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "out"}"\nraw_dir = "{tmp / "raw"}"\n'
        "[sources]\n"
        f'eastmoney_datacenter_url = "{base}{EM_PATH}"\neastmoney_kline_url = "{base}{KLINE_PATH}"\n'
        f'eastmoney_spot_url = "{base}{SPOT_PATH}"\n'
        f'bse_base_url = "{base}"\nretries = 1\nbackoff_s = 0.0\npacing_s = 0.0\npage_size = 3\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def lconfig(tmp_path: Path, server: tuple[str, Feeds]) -> Config:
    """A config pointing at the local server."""
    return live_config(tmp_path, server[0])


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every data table's rows, sorted (the fetch log is left out: it records each run)."""
    return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in DATA_TABLES}


def load_cases() -> list[dict[str, object]]:
    """The broken-payload corpus manifest."""
    return list(json.loads((BROKEN / "cases.json").read_text(encoding="utf-8")))
