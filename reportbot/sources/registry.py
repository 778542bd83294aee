"""Name → live source. The order is the order ``data fetch`` runs them in."""

from __future__ import annotations

from reportbot.errors import ConfigError
from reportbot.sources import (
    bse_daily,
    bse_listed,
    bse_margin,
    bse_newshare,
    em_bse50,
    em_bse_spot,
    em_ipo_review,
    em_ipoapply,
    em_issueinfo,
)
from reportbot.sources.base import Source

SOURCES: dict[str, Source] = {
    feed.name: feed
    for feed in (
        em_issueinfo.SOURCE,
        em_ipoapply.SOURCE,
        bse_newshare.SOURCE,
        em_bse50.SOURCE,
        bse_margin.SOURCE,
        bse_daily.SOURCE,
        bse_listed.SOURCE,
        em_bse_spot.SOURCE,
        em_ipo_review.SOURCE,
    )
}


def get_source(name: str) -> Source:
    """The source called ``name``.

    Raises:
        ConfigError: unknown name (the message lists the known ones).
    """
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def source_names() -> list[str]:
    """Every registered source name, in run order."""
    return list(SOURCES)
