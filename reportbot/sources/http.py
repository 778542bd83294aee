"""The HTTP client every live source uses: one ``requests.Session``, timeouts, retries, pacing.

Retries (with exponential backoff) cover connection errors, timeouts and HTTP 5xx; any other HTTP error
or an exhausted retry budget raises :class:`SourceError` naming the source and the URL. Requests to the
same host are spaced by ``pacing_s`` so a full fetch stays polite.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import requests

from reportbot.config import SourcesConfig
from reportbot.errors import SourceError

log = logging.getLogger(__name__)
Sleep = Callable[[float], None]
PROGRESS_EVERY = 50  # a per-day source (bse_daily) makes hundreds of requests on its first run
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class RawPage:
    """One HTTP response body as received, with the request that produced it."""

    url: str
    body: bytes
    status: int
    content_type: str = ""
    form: str = ""  # the urlencoded form of a POST request ("" for GET)

    def text(self, encoding: str = "utf-8") -> str:
        """The body decoded (a BOM is dropped); undecodable bytes are replaced."""
        return self.body.decode(encoding, errors="replace").lstrip("\ufeff")

    @property
    def charset(self) -> str | None:
        """The charset the ``Content-Type`` header declares (lower case), if any."""
        match = re.search(r"charset=[\"']?([\w.-]+)", self.content_type, flags=re.I)
        return match.group(1).lower() if match else None


class HttpClient:
    """A polite HTTP client shared by all sources of one fetch run."""

    def __init__(
        self,
        settings: SourcesConfig,
        *,
        session: requests.Session | None = None,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        """Create the client; ``sleep`` and ``monotonic`` are injectable so tests do not wait."""
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_request: dict[str, float] = {}
        self._warmed: set[str] = set()
        self.per_source: dict[str, int] = {}
        self.progress: Callable[[str, int], None] | None = None  # called every PROGRESS_EVERY requests of a source

    def close(self) -> None:
        """Close the underlying session."""
        self.session.close()

    def get(
        self,
        source: str,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> RawPage:
        """GET ``url`` and return its body; retry transient failures with exponential backoff.

        Raises:
            SourceError: the server kept failing, answered 4xx, or could not be reached.
        """
        return self._request(source, "GET", url, params=params, headers=headers)

    def post(
        self,
        source: str,
        url: str,
        form: Sequence[tuple[str, str | int]],
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RawPage:
        """POST a urlencoded ``form`` (kept with the page, so a raw file says what was asked).

        Raises:
            SourceError: as :meth:`get`.
        """
        return self._request(source, "POST", url, params=params, headers=headers, form=urlencode(list(form)))

    def warm_up(self, source: str, url: str) -> None:
        """Load a site's landing page once per run so the session holds its cookies (as a browser would).

        Raises:
            SourceError: the page is unreachable, an HTTP error, or the site's anti-bot page (访问验证).
        """
        if url in self._warmed:
            return
        page = self._request(source, "GET", url, headers={"Accept": "text/html"})
        if is_anti_bot(page.text()):
            raise SourceError(
                source, f"anti-bot verification page (访问验证) instead of {url}", field="body", value="访问验证"
            )
        self._warmed.add(url)

    def _request(
        self,
        source: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        form: str = "",
    ) -> RawPage:
        attempts = max(1, self.settings.retries + 1)
        sent_headers = dict(headers or {})
        if form:
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        last_error = ""
        for attempt in range(attempts):
            if attempt:
                self._backoff(source, attempt, attempts, last_error)
            page, last_error = self._attempt(source, method, url, dict(params or {}), sent_headers, form)
            if page is not None:
                return page
        raise SourceError(source, f"{_host(url)} unreachable after {attempts} attempts ({last_error}); url {url}")

    def _attempt(
        self, source: str, method: str, url: str, params: dict[str, str | int], headers: dict[str, str], form: str
    ) -> tuple[RawPage | None, str]:
        """One request: the page, or None with the transient error worth a retry (a 4xx raises)."""
        self._pace(url)
        try:
            response = self.session.request(
                method, url, params=params, data=form or None, headers=headers, timeout=self.settings.timeout_s
            )
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {_short(exc)}"
        self._count(source)
        if response.status_code >= 500:
            return None, f"HTTP {response.status_code}"
        if response.status_code >= 400:
            raise SourceError(source, f"HTTP {response.status_code} from {response.url}")
        page = RawPage(
            url=response.url,
            body=response.content,
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            form=form,
        )
        return page, ""

    def _count(self, source: str) -> None:
        n = self.per_source[source] = self.per_source.get(source, 0) + 1
        if self.progress is not None and n % PROGRESS_EVERY == 0:
            self.progress(source, n)

    def _backoff(self, source: str, attempt: int, attempts: int, last_error: str) -> None:
        delay = self.settings.backoff_s * 2 ** (attempt - 1)
        log.info("%s: retry %d/%d in %.1fs after %s", source, attempt, attempts - 1, delay, last_error)
        self._sleep(delay)

    def _pace(self, url: str) -> None:
        host = _host(url)
        last = self._last_request.get(host)
        if last is not None:
            wait = self.settings.pacing_s - (self._monotonic() - last)
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = self._monotonic()


ANTI_BOT_MARKERS = ("访问验证", "安全验证", "滑动验证")


def is_anti_bot(text: str) -> bool:
    """Whether a body is a site's bot-check page (访问验证) rather than data."""
    head = text[:4000]
    return any(marker in head for marker in ANTI_BOT_MARKERS)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _short(exc: Exception) -> str:
    """The useful part of a requests error ("[Errno 111] Connection refused", "read timed out")."""
    text = " ".join(str(exc).split())
    errno = re.search(r"\[Errno [^\]]+\][^)'\"]*", text)
    if errno:
        return errno.group(0).strip()
    if "timed out" in text.lower():
        return "timed out"
    return text[:120]
