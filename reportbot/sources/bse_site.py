"""What every bse.cn request needs: the landing page first (session cookie), then the page's Referer.

The exchange's pages load their data by XHR/JSONP from the page itself, so a request without that page's
cookie and Referer is what its anti-bot layer answers with a 访问验证 page; the warm-up makes the run look
like the page would (and fails with one clear line if the landing page itself is the verification page).
"""

from __future__ import annotations

from reportbot.config import SourcesConfig
from reportbot.sources.http import HttpClient


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
