"""Managing the store: open it (bundled data on first use), load the bundled data, and report what it holds.

``data load``, ``data status`` and ``status`` are told here; everything else opens the store through
:func:`open_store`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportbot.config import Config
from reportbot.domain import DatasetInfo, Ipo
from reportbot.errors import NoDataError
from reportbot.kinds import Clock, Month, Segment
from reportbot.sources import bundled
from reportbot.store import bse_stats, db, fetches, market, merge
from reportbot.store import ipos as ipo_store

log = logging.getLogger(__name__)


def open_store(config: Config, now: Clock) -> sqlite3.Connection:
    """Open the database, loading the bundled dataset and news figures on first use."""
    conn = db.connect(config.paths.database)
    ensure_bundled(conn, now)
    ensure_market_points(conn, now)
    return conn


def ensure_bundled(conn: sqlite3.Connection, now: Clock, *, force: bool = False) -> merge.MergeResult | None:
    """Load the bundled dataset unless the same version is already loaded (or ``force``).

    Returns what the load changed, or None when it was skipped. Loading is one transaction and
    idempotent: a reload of the same data changes nothing. It goes through the same merge as live
    sources, where the bundled dataset ranks lowest: a reload never overwrites a live value (a
    differing bundled value is logged as a conflict).
    """
    data = bundled.load_bundled()
    if not force and ipo_store.dataset_checksum(conn, bundled.SOURCE_NAME) == data.checksum:
        return None
    stamp = now()
    with db.transaction(conn):
        result = merge.merge_ipos(conn, data.ipos, source=merge.BUNDLED, rank=merge.source_rank, now=stamp)
        info = DatasetInfo(
            source=bundled.SOURCE_NAME,
            as_of=data.as_of,
            loaded_at=stamp,
            rows=len(data.ipos),
            note="内置公开数据集（reportbot/data/PROVENANCE.md）",
        )
        ipo_store.record_dataset(conn, info, data.checksum)
    log.info(
        "bundled dataset: %d inserted, %d updated, %d unchanged", result.inserted, result.updated, result.unchanged
    )
    return result


def ensure_market_points(conn: sqlite3.Connection, now: Clock) -> int | None:
    """Load the bundled dated news figures into ``market_points`` unless this version is loaded (idempotent)."""
    data = bundled.load_market_points()
    if ipo_store.dataset_checksum(conn, bundled.POINTS_SOURCE_NAME) == data.checksum:
        return None
    with db.transaction(conn):
        result = market.upsert_points(conn, data.points)
        info = DatasetInfo(
            source=bundled.POINTS_SOURCE_NAME,
            as_of=data.as_of,
            loaded_at=now(),
            rows=len(data.points),
            note="内置新闻市场数据点（北证50 点位、市场规模）",
        )
        ipo_store.record_dataset(conn, info, data.checksum)
    return result.changed


def data_as_of(conn: sqlite3.Connection) -> date | None:
    """The newest as-of date over the stored datasets."""
    dates = [i.as_of for i in ipo_store.list_datasets(conn) if i.as_of]
    return max(dates) if dates else None


def find_ipo(conn: sqlite3.Connection, code: str) -> Ipo:
    """One IPO by current or legacy code.

    Raises:
        NoDataError: unknown code.
    """
    ipo = ipo_store.get_ipo(conn, code)
    if ipo is None:
        raise NoDataError(f"no IPO with code {code!r} in the database")
    return ipo


@dataclass(frozen=True)
class StoreStatus:
    """What is in the store."""

    database: Path
    rows_by_segment: dict[str, int]
    apply_range: tuple[date | None, date | None]
    listing_range: tuple[date | None, date | None]
    coverage: dict[str, int]
    bse_rows: int
    datasets: list[DatasetInfo]


def store_status(config: Config, conn: sqlite3.Connection) -> StoreStatus:
    """Rows per segment, date ranges and per-field coverage of the BSE IPOs."""
    all_ipos = ipo_store.list_ipos(conn, segment=None)
    by_segment: dict[str, int] = {}
    for ipo in all_ipos:
        by_segment[ipo.segment] = by_segment.get(ipo.segment, 0) + 1
    bse = [i for i in all_ipos if i.segment == Segment.BSE]
    return StoreStatus(
        database=config.paths.database,
        rows_by_segment=by_segment,
        apply_range=_range(i.apply_date for i in bse),
        listing_range=_range(i.listing_date for i in bse),
        coverage=ipo_store.field_coverage(conn),
        bse_rows=len(bse),
        datasets=ipo_store.list_datasets(conn),
    )


def _range(values: Iterable[date | None]) -> tuple[date | None, date | None]:
    days = sorted(d for d in values if d is not None)
    return (days[0], days[-1]) if days else (None, None)


@dataclass(frozen=True, kw_only=True)
class SourceStatus:
    """One line of ``data status`` per live source."""

    name: str
    title: str
    config_key: str
    url: str
    health: fetches.SourceHealth
    rows: int


def sources_status(config: Config, conn: sqlite3.Connection) -> list[SourceStatus]:
    """Per live source: last success, last failure and why, rows currently from it."""
    from reportbot.sources import registry  # requests: only where the live sources are listed, not for reports

    return [
        SourceStatus(
            name=src.name,
            title=src.title,
            config_key=src.config_key,
            url=str(getattr(config.sources, src.config_key)),
            health=fetches.source_health(conn, src.name),
            rows=fetches.source_rows(conn, src.name),
        )
        for src in registry.SOURCES.values()
    ]


@dataclass(frozen=True, kw_only=True)
class MarketStatus:
    """What market data is stored."""

    index_days: int
    index_range: tuple[date | None, date | None]
    margin_days: int
    monthly_figures: int
    monthly_range: tuple[Month | None, Month | None]
    points: int
    market_days: int = 0
    snapshots: int = 0
    companies: int = 0
    review_states: int = 0
    industry_months: int = 0


def market_status(conn: sqlite3.Connection) -> MarketStatus:
    """Counts and ranges of the stored market data."""
    series = market.index_series(conn)
    figures = market.all_monthly(conn)
    months = sorted({Month.parse(f.month) for f in figures})
    return MarketStatus(
        index_days=len(series),
        index_range=(series[0][0], series[-1][0]) if series else (None, None),
        margin_days=len(market.margin_series(conn)),
        monthly_figures=len(figures),
        monthly_range=(months[0], months[-1]) if months else (None, None),
        points=len(market.market_points(conn)),
        market_days=len(bse_stats.market_days(conn)),
        snapshots=len(bse_stats.snapshot_days(conn)),
        companies=len(bse_stats.companies(conn)),
        review_states=len(bse_stats.review_history(conn)),
        industry_months=bse_stats.count_industry_returns(conn),
    )
