"""Orchestration: store ← sources, model, render, notify. Every dependency is a parameter.

Feature orchestration lives in submodules (fetching, modeling, delivery, reports, jobs); this module holds
the core: opening the store, the bundled dataset, the monthly report and the alert preview.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reportbot.config import Config
from reportbot.domain import SEGMENT_BSE, DatasetInfo, Ipo
from reportbot.errors import NoDataError
from reportbot.sources import bundled
from reportbot.store import db, merge
from reportbot.store import ipos as ipo_store

if TYPE_CHECKING:
    from reportbot.tradingcal import TradingCalendar

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def open_store(config: Config, now: Clock) -> sqlite3.Connection:
    """Open the database, loading the bundled dataset on first use."""
    conn = db.connect(config.paths.database)
    ensure_bundled(conn, now)
    from reportbot.pipeline.fetching import ensure_market_points  # fetching imports this module

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
        "bundled dataset: %d inserted, %d updated, %d unchanged",
        result.inserted,
        result.updated,
        result.unchanged,
    )
    return result


def calendar_for(config: Config) -> TradingCalendar:
    """The exchange calendar with the configured overrides."""
    from reportbot.tradingcal import load_calendar  # exchange_calendars: only for commands that need dates

    return load_calendar(config.calendar.exchange, config.calendar.overrides_file)


def data_as_of(conn: sqlite3.Connection) -> tuple[date | None, list[str]]:
    """The newest as-of date over the stored datasets, and a Chinese line per dataset."""
    infos = ipo_store.list_datasets(conn)
    dates = [i.as_of for i in infos if i.as_of]
    lines = [f"{i.note or i.source}，截至 {i.as_of.isoformat() if i.as_of else '暂缺'}" for i in infos]
    return (max(dates) if dates else None), lines


def latest_alert_eve(config: Config, conn: sqlite3.Connection) -> date:
    """The trading day before the latest subscription day in the store.

    Raises:
        NoDataError: no stored IPO has a subscription date.
    """
    days = [i.apply_date for i in ipo_store.list_ipos(conn) if i.apply_date]
    if not days:
        raise NoDataError("no IPO with a subscription date in the database")
    return calendar_for(config).previous_trading_day(max(days))


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
    bse = [i for i in all_ipos if i.segment == SEGMENT_BSE]
    return StoreStatus(
        database=config.paths.database,
        rows_by_segment=by_segment,
        apply_range=_range(i.apply_date for i in bse),
        listing_range=_range(i.listing_date for i in bse),
        coverage=ipo_store.field_coverage(conn),
        bse_rows=len(bse),
        datasets=ipo_store.list_datasets(conn),
    )


def find_ipo(conn: sqlite3.Connection, code: str) -> Ipo:
    """One IPO by current or legacy code.

    Raises:
        NoDataError: unknown code.
    """
    ipo = ipo_store.get_ipo(conn, code)
    if ipo is None:
        raise NoDataError(f"no IPO with code {code!r} in the database")
    return ipo


def _range(values: object) -> tuple[date | None, date | None]:
    days = sorted(d for d in values if d is not None)  # type: ignore[attr-defined]
    return (days[0], days[-1]) if days else (None, None)


# Re-export: the alert bot and the scheduler call pipeline.render_monthly. Imported last because the
# reports module imports the model orchestration, which imports calendar_for from this package.
from reportbot.pipeline.reports import render_monthly as render_monthly  # noqa: E402
