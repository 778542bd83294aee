"""Live fetching: run each source (fetch → raw files on disk → parse → one transaction), log every outcome.

A failing source is recorded (``fetch_log``) and the run continues with the next one; the database keeps
its last good data because a source's records are written in one transaction after they all validated.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from reportbot.config import Config
from reportbot.domain import DatasetInfo
from reportbot.errors import DataError, ReportbotError
from reportbot.kinds import Clock, Segment
from reportbot.marketdata import IndustryReturn, MarketFigure
from reportbot.pipeline.manage import ensure_market_points
from reportbot.sources import registry
from reportbot.sources.base import DAYS_TRADING, FetchRequest, Parsed, Source
from reportbot.sources.http import HttpClient, RawPage
from reportbot.store import bse_stats, db, fetches, market
from reportbot.store import ipos as ipo_store
from reportbot.store.merge import merge_ipos, source_rank
from reportbot.store.rawfiles import keep_raw, read_raw
from reportbot.summary import market_stats as stats
from reportbot.tradingcal import TradingCalendar, calendar_for, month_ends, months_before

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

MARGIN_FIRST_MONTH = date(2022, 1, 1)
DAILY_HISTORY_MONTHS = 13  # a first bse_daily fetch reads this many months (a year plus the month before)


@dataclass(frozen=True, kw_only=True)
class SourceOutcome:
    """What one source did in one run."""

    source: str
    ok: bool
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    error: str = ""
    raw_dir: Path | None = None


@dataclass(frozen=True, kw_only=True)
class FetchSummary:
    """Every source's outcome, and what the monthly statistics recomputation changed."""

    outcomes: list[SourceOutcome] = field(default_factory=list)
    monthly_changed: int = 0

    @property
    def ok(self) -> bool:
        """Whether every source succeeded."""
        return all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        """The sources that failed."""
        return [o for o in self.outcomes if not o.ok]


def refresh(
    config: Config,
    conn: sqlite3.Connection,
    now: Clock,
    *,
    sources: list[str] | None = None,
    since: date | None = None,
    progress: Progress | None = None,
    client: HttpClient | None = None,
) -> FetchSummary:
    """Run the named sources (default: all), then recompute the monthly market statistics.

    Raises:
        ConfigError: an unknown source name (before anything is fetched).
    """
    chosen = [registry.get_source(n) for n in (sources or registry.source_names())]
    say = progress or _log_progress
    own = client is None
    http = client or HttpClient(config.sources)
    http.progress = lambda source, n: say(f"{source}: {n} requests so far")
    try:
        outcomes = [_run(config, conn, now, src, http, since, say) for src in chosen]
    finally:
        if own:
            http.close()
    ensure_market_points(conn, now)
    cal, today = calendar_for(config), now().date()
    figures, industries = monthly_statistics(conn, cal, today), industry_statistics(conn, cal, today)
    with db.transaction(conn):
        monthly = market.upsert_monthly(conn, figures)
        bse_stats.replace_industry_returns(conn, industries)
    say(f"monthly statistics: {monthly.inserted} inserted, {monthly.updated} updated")
    return FetchSummary(outcomes=outcomes, monthly_changed=monthly.changed)


def _log_progress(message: str) -> None:
    log.info("%s", message)


def monthly_statistics(conn: sqlite3.Connection, cal: TradingCalendar, today: date) -> list[MarketFigure]:
    """Every monthly figure the stored daily data support, up to ``today``'s month."""
    listings = [i.listing_date for i in ipo_store.list_ipos(conn, segment=Segment.BSE) if i.listing_date]
    snapshots = [bse_stats.snapshot(conn, d) for d in bse_stats.snapshot_days(conn)]
    return [
        *stats.bse50_figures(market.index_series(conn), market.index_amounts(conn)),
        *stats.margin_figures(market.margin_series(conn)),
        *stats.daily_figures(bse_stats.market_days(conn), cal, today),
        *stats.snapshot_figures(snapshots),
        *stats.listing_figures(listings, today),
        *stats.review_figures(bse_stats.review_history(conn), today),
    ]


def industry_statistics(conn: sqlite3.Connection, cal: TradingCalendar, today: date) -> list[IndustryReturn]:
    """CSRC industry month returns from the stored month-end snapshots and listed-company industries."""
    industries = {c.code: c.industry for c in bse_stats.companies(conn) if c.industry}
    ends = stats.month_end_snapshots(bse_stats.snapshot_days(conn), cal, today)
    out: list[IndustryReturn] = []
    for month, (before, after) in sorted(ends.items()):
        out += stats.industry_returns(
            month, bse_stats.snapshot(conn, before), bse_stats.snapshot(conn, after), industries
        )
    return out


def _run(
    config: Config,
    conn: sqlite3.Connection,
    now: Clock,
    src: Source,
    http: HttpClient,
    since: date | None,
    say: Progress,
) -> SourceOutcome:
    started = now()
    raw_dir: Path | None = None
    files: list[fetches.RawFile] = []
    say(f"{src.name}: fetching from {getattr(config.sources, src.config_key)}")
    try:
        request = _request(config, conn, src, started.date(), since)
        pages = src.fetch(http, config.sources, request)
        raw_dir, files = keep_raw(config.paths.raw_dir, src.name, started, [(p.url, p.body) for p in pages])
        say(f"{src.name}: {len(pages)} page(s) received, kept in {raw_dir}")
        parsed = src.parse(pages)
        with db.transaction(conn):
            outcome = _write(conn, src.name, parsed, started, raw_dir)
            fetches.record_fetch(conn, _record(outcome, started, now()), files)
            info = DatasetInfo(
                source=src.name, as_of=started.date(), loaded_at=started, rows=parsed.rows, note=src.title
            )
            ipo_store.record_dataset(conn, info)
    except Exception as exc:  # every failure is recorded and the run goes on
        error = _describe(src.name, exc)
        outcome = SourceOutcome(source=src.name, ok=False, error=error, raw_dir=raw_dir)
        with db.transaction(conn):
            fetches.record_fetch(conn, _record(outcome, started, now()), files)
        say(f"{src.name}: FAILED: {error}")
        return outcome
    say(
        f"{src.name}: {outcome.rows} records, {outcome.inserted} inserted, {outcome.updated} updated,"
        f" {outcome.conflicts} new conflicts"
    )
    return outcome


def _describe(name: str, exc: Exception) -> str:
    if isinstance(exc, ReportbotError):
        return str(exc)
    log.exception("%s: unexpected failure", name)
    return f"{name}: internal error {type(exc).__name__}: {exc}"


def _request(config: Config, conn: sqlite3.Connection, src: Source, today: date, since: date | None) -> FetchRequest:
    if since is None:
        since = default_since(conn, src.name)
    days: tuple[date, ...] = ()
    if src.needs_days and src.day_kind == DAYS_TRADING:
        since = since or months_before(today, DAILY_HISTORY_MONTHS)
        days = tuple(calendar_for(config).trading_days(since, today))
    elif src.needs_days:
        days = tuple(month_ends(calendar_for(config), since or MARGIN_FIRST_MONTH, today))
    return FetchRequest(today=today, since=since, days=days)


def default_since(conn: sqlite3.Connection, source: str) -> date | None:
    """Incremental start for daily series (a margin of overlap catches revisions); None: full history."""
    if source == "em_bse50" and (last := market.last_index_day(conn)):
        return last - timedelta(days=30)
    if source == "bse_margin" and (last := market.last_margin_day(conn)):
        return last - timedelta(days=45)
    if source == "bse_daily" and (last := bse_stats.last_market_day(conn)):
        return last - timedelta(days=7)
    return None


def _write(conn: sqlite3.Connection, name: str, parsed: Parsed, started: datetime, raw_dir: Path) -> SourceOutcome:
    inserted = updated = unchanged = conflicts = 0
    if parsed.ipos:
        merged = merge_ipos(conn, parsed.ipos, source=name, rank=source_rank, now=started)
        inserted, updated, unchanged, conflicts = merged.inserted, merged.updated, merged.unchanged, merged.conflicts
    for result in (
        market.upsert_index_bars(conn, parsed.bars, source=name),
        market.upsert_margins(conn, parsed.margins, source=name),
        bse_stats.upsert_days(conn, parsed.days, source=name),
        bse_stats.upsert_quotes(conn, parsed.quotes, source=name),
        bse_stats.upsert_companies(conn, parsed.companies, source=name),
        bse_stats.upsert_reviews(conn, parsed.reviews, source=name),
    ):
        inserted, updated, unchanged = (
            inserted + result.inserted,
            updated + result.updated,
            unchanged + result.unchanged,
        )
    return SourceOutcome(
        source=name,
        ok=True,
        rows=parsed.rows,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        conflicts=conflicts,
        raw_dir=raw_dir,
    )


def _record(outcome: SourceOutcome, started: datetime, finished: datetime) -> fetches.FetchRecord:
    return fetches.FetchRecord(
        source=outcome.source,
        started_at=started,
        finished_at=finished,
        ok=outcome.ok,
        rows=outcome.rows,
        inserted=outcome.inserted,
        updated=outcome.updated,
        conflicts=outcome.conflicts,
        error=outcome.error,
        raw_dir=str(outcome.raw_dir or ""),
    )


def replay(conn: sqlite3.Connection, source: str, fetch_id: int) -> Parsed:
    """Parse the raw files kept for one logged fetch again (to debug a failure); writes nothing.

    Raises:
        SourceError: the payload still does not validate (the same error as the original fetch).
        DataError: no raw files are recorded for that fetch, or one of them is gone.
    """
    files = fetches.raw_files(conn, fetch_id)
    if not files:
        raise DataError(f"fetch_log: no raw files recorded for fetch {fetch_id}")
    try:
        pages = [RawPage(url=url, body=body, status=200) for url, body in read_raw(files)]
    except OSError as exc:
        raise DataError(f"raw file of fetch {fetch_id} unreadable: {exc}") from exc
    return registry.get_source(source).parse(pages)
