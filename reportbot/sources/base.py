"""What every live source provides: a name, a fetch step (I/O → raw pages) and a pure parse step.

``fetch`` talks to the network through :class:`~reportbot.sources.http.HttpClient` and returns the raw
pages untouched, so they can be kept on disk and replayed; ``parse`` turns those pages into validated
records or raises :class:`~reportbot.errors.SourceError` naming the source, field and value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from reportbot.config import SourcesConfig
from reportbot.domain import Ipo
from reportbot.marketdata import IndexBar, ListedCompany, MarginBalance, MarketDay, ReviewState, StockQuote
from reportbot.sources.http import HttpClient, RawPage


@dataclass(frozen=True, kw_only=True)
class FetchRequest:
    """What to fetch: everything since ``since`` (None: the source's full history) up to ``today``.

    ``days`` lists the trading days a per-day source should ask for (e.g. month ends for the margin
    balance); the caller computes them from the exchange calendar.
    """

    today: date
    since: date | None = None
    days: tuple[date, ...] = ()


DAYS_MONTH_ENDS = "month_ends"  # the last trading day of each month (margin balance)
DAYS_TRADING = "trading_days"  # every trading day (daily market totals)


@dataclass(frozen=True, kw_only=True)
class Parsed:
    """Validated records from one fetch."""

    ipos: list[Ipo] = field(default_factory=list)
    bars: list[IndexBar] = field(default_factory=list)
    margins: list[MarginBalance] = field(default_factory=list)
    days: list[MarketDay] = field(default_factory=list)
    quotes: list[StockQuote] = field(default_factory=list)
    companies: list[ListedCompany] = field(default_factory=list)
    reviews: list[ReviewState] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Number of records of any kind."""
        kinds = (self.ipos, self.bars, self.margins, self.days, self.quotes, self.companies, self.reviews)
        return sum(len(k) for k in kinds)


class Source(Protocol):
    """A live feed."""

    @property
    def name(self) -> str:
        """Registry name (``--source NAME``)."""
        ...

    @property
    def title(self) -> str:
        """Chinese label for status output."""
        ...

    @property
    def config_key(self) -> str:
        """The ``[sources]`` key holding its base URL."""
        ...

    @property
    def needs_days(self) -> bool:
        """Whether fetch asks for ``FetchRequest.days`` one by one."""
        ...

    @property
    def day_kind(self) -> str:
        """Which days ``FetchRequest.days`` lists: ``DAYS_MONTH_ENDS`` or ``DAYS_TRADING``."""
        ...

    def fetch(self, client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
        """Download the raw pages."""
        ...

    def parse(self, pages: Sequence[RawPage]) -> Parsed:
        """Validate the raw pages into records (pure)."""
        ...


@dataclass(frozen=True, kw_only=True)
class Feed:
    """A source built from a module's ``fetch`` and ``parse`` functions."""

    name: str
    title: str
    config_key: str
    fetch_fn: Callable[[HttpClient, SourcesConfig, FetchRequest], list[RawPage]]
    parse_fn: Callable[[Sequence[RawPage]], Parsed]
    needs_days: bool = False
    day_kind: str = DAYS_MONTH_ENDS

    def fetch(self, client: HttpClient, settings: SourcesConfig, request: FetchRequest) -> list[RawPage]:
        """Download the raw pages."""
        return self.fetch_fn(client, settings, request)

    def parse(self, pages: Sequence[RawPage]) -> Parsed:
        """Validate the raw pages into records (pure)."""
        return self.parse_fn(pages)
