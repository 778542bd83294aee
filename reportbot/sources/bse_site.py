"""What every bse.cn request needs: the landing page first (session cookie), then the page's Referer.

The exchange's pages load their data by XHR/JSONP from the page itself, so a request without that page's
cookie and Referer is what its anti-bot layer answers with a 访问验证 page; the warm-up makes the run look
like the page would (and fails with one clear line if the landing page itself is the verification page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Protocol, TypeVar

from reportbot.config import SourcesConfig
from reportbot.errors import SourceError
from reportbot.sources.base import FetchRequest
from reportbot.sources.http import HttpClient, RawPage

Send = Callable[[str, date, dict[str, str]], RawPage]  # (url, day, headers) → the page of that day


class _Dated(Protocol):
    @property
    def day(self) -> date: ...


DatedT = TypeVar("DatedT", bound=_Dated)


def url(settings: SourcesConfig, path: str) -> str:
    """``path`` on the configured bse.cn base URL."""
    return settings.bse_base_url.rstrip("/") + path


def page_headers(client: HttpClient, settings: SourcesConfig, source: str, page: str) -> dict[str, str]:
    """Load ``page`` (once per run) and return the headers its XHR requests carry.

    Raises:
        SourceError: the landing page is unreachable or is the anti-bot page.
    """
    landing = url(settings, page)
    client.warm_up(source, landing)
    return {"Referer": landing, "X-Requested-With": "XMLHttpRequest"}


def fetch_days(
    client: HttpClient,
    settings: SourcesConfig,
    request: FetchRequest,
    *,
    source: str,
    pages: tuple[str, str],
    first_day: date,
    send: Send,
) -> list[RawPage]:
    """One request per day of ``request.days`` on or after ``since`` (and ``first_day``), after the warm-up.

    ``pages`` is the (landing page, data path) pair; ``send`` makes the request of one day.

    Raises:
        SourceError: the landing page or a day's request failed.
    """
    since = max(request.since or first_day, first_day)
    days = [day for day in request.days if day >= since]
    if not days:
        return []
    landing, path = pages
    headers = page_headers(client, settings, source, landing)
    return [send(url(settings, path), day, headers) for day in days]


def one_per_day(source: str, records: Iterable[DatedT | None], *, field: str) -> list[DatedT]:
    """The records by day, without the Nones (days without data); two that differ for one day raise.

    Raises:
        SourceError: two different records for one day (naming ``field`` and the day).
    """
    found: dict[date, DatedT] = {}
    for record in records:
        if record is None:
            continue
        old = found.get(record.day)
        if old is not None and old != record:
            raise SourceError(source, "two different records for one day", field=field, value=record.day.isoformat())
        found[record.day] = record
    return sorted(found.values(), key=lambda r: r.day)
