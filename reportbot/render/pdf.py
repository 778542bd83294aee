"""HTML → PDF with WeasyPrint, fetching local files and data: URIs only.

A document whose last page would be nearly empty is laid out once more with ``class="compact"`` on the
root element (the stylesheet tightens the type there); the compact layout is kept when it saves a page.

The compact layout is speculative where that is safe and pays: with at least three CPUs, one of them idle,
and no other thread in the process, a forked process lays out (and writes) the compact variant while this
process lays out the normal one, so a reflow costs no extra wall time; the fork is stopped as soon as the
normal layout turns out fine. It runs at a lower priority; on two CPUs it still slowed the common case
(no reflow) measurably (see :data:`SPECULATE_MIN_CPUS`). Elsewhere (threads running, as in the scheduler
or the bot; fewer CPUs; none idle) the compact pass follows the normal one. Both ways choose the same
layout; the fork's WeasyPrint warnings are logged in this process. The fork writes its temporary files
(WeasyPrint's copy of an ``@font-face`` font, 2.2 MB) into a directory this process removes, even when
the fork is killed.

Each thread keeps one WeasyPrint font configuration for all its documents: creating one loads
fontconfig's configuration and font list (about 0.1 s a document), and WeasyPrint adds a given
``@font-face`` font to it once. Per thread because Pango font maps are not thread-safe; it is dropped at
exit, which removes WeasyPrint's copy of the font.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reportbot.errors import RenderError
from reportbot.render.html import IMAGE_SCHEME

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)
NEARLY_EMPTY = 0.35  # share of the last page's content area below which the document is reflowed
ROOT_TAG = '<html lang="zh-CN">'
COMPACT_ROOT_TAG = '<html lang="zh-CN" class="compact">'
Metadata = dict[str, Any]


class LocalFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
    """Reads local files, data: URIs and the document's own images, failing loudly on anything else.

    The images (``html.image_url(name)`` → bytes) come with the HTML instead of inside it: a chart as a data:
    URI is 70 KB of base64 that WeasyPrint's HTML parser reads character class by character class, about
    5 % of a monthly report's HTML→PDF instructions.
    """

    def __init__(self, images: Mapping[str, bytes] | None = None) -> None:
        """Serve ``images`` (by URL; a raster format Pillow reads); the rest as WeasyPrint does, local only."""
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
        self._images = dict(images or {})

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """The response for ``url``; a document image it was not given is an error."""
        if not url.startswith(IMAGE_SCHEME + ":"):
            return super().fetch(url, headers)
        if url not in self._images:
            raise RenderError(f"the document names an image it was not given: {url}")
        return URLFetcherResponse(url, self._images[url])


@dataclass(frozen=True)
class Source:
    """A document to render: its HTML, the base URL of its relative links, the images it names."""

    html: str
    base_url: str
    images: Mapping[str, bytes] = field(default_factory=dict)

    def fetcher(self) -> LocalFetcher:
        """The URL fetcher of this document."""
        return LocalFetcher(self.images)


def write_pdf(
    html: str,
    out_path: Path,
    *,
    base_url: Path,
    images: Mapping[str, bytes] | None = None,
    metadata: Metadata | None = None,
    speculate: bool | None = None,
) -> Path:
    """Render ``html`` to ``out_path`` (written atomically) and return the path.

    ``images``: the images the HTML names by :func:`image_url`. ``speculate``: lay out the compact
    variant in a forked process (None: when a CPU is spare).
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".part")
    try:
        tmp.write_bytes(_pdf_bytes(Source(html, str(base_url), images or {}), metadata or {}, speculate))
    except RenderError:
        raise
    except (Exception, FatalURLFetchingError) as exc:  # WeasyPrint raises many types; report them as one
        why = f"{exc}: {exc.__cause__}" if isinstance(exc, FatalURLFetchingError) else str(exc)
        raise RenderError(f"PDF rendering of {out_path.name} failed: {why}") from exc
    tmp.replace(out_path)
    log.info("wrote %s (%d bytes)", out_path, out_path.stat().st_size)
    return out_path


def last_page_fill(doc: weasyprint.Document) -> float:
    """How much of the last page's content area is used (0–1), from the bottom of its last line or image."""
    page = doc.pages[-1]._page_box
    root = page.children[0]
    bottoms = [
        b.position_y + b.margin_height() for b in root.descendants() if isinstance(b, boxes.LineBox | boxes.ReplacedBox)
    ]
    fill: float = (max(bottoms, default=page.content_box_y()) - page.content_box_y()) / page.height
    return fill


_FONTS = threading.local()
atexit.register(lambda: vars(_FONTS).clear())  # the main thread's configuration: its font copy goes


def _font_config() -> FontConfiguration:
    """This thread's font configuration, kept between documents (see the module docstring)."""
    config: FontConfiguration | None = getattr(_FONTS, "config", None)
    if config is None:
        config = _FONTS.config = FontConfiguration()
    return config


def _render(source: Source) -> weasyprint.Document:
    document = weasyprint.HTML(string=source.html, base_url=source.base_url, url_fetcher=source.fetcher())
    return document.render(font_config=_font_config())


def _write(doc: weasyprint.Document, metadata: Metadata) -> bytes:
    for key, value in metadata.items():
        setattr(doc.metadata, key, value)
    data: bytes = doc.write_pdf()
    return data


LOADAVG = Path("/proc/loadavg")


SPECULATE_MIN_CPUS = 3  # with 2 the fork slowed the common case (no reflow): 1.00 s against 0.85 s


def _spare_cpu() -> bool:
    """At least :data:`SPECULATE_MIN_CPUS` CPUs and one of them idle now.

    On Linux from the tasks runnable at this moment (``/proc/loadavg``, this process included); the
    1-minute load average lags by a minute, long enough to fork onto a CPU another job already uses. On
    a 2-CPU machine the fork's layout and its copy-on-write page faults slowed this process's own layout
    more than the reflow saves on average, so the compact pass follows the normal one there.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cpus < SPECULATE_MIN_CPUS:
        return False
    try:
        running = int(LOADAVG.read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return hasattr(os, "getloadavg") and os.getloadavg()[0] < cpus - 0.5
    return running < cpus


def _pdf_bytes(source: Source, metadata: Metadata, speculate: bool | None) -> bytes:
    """The PDF of the normal layout, or of the compact one when the normal last page is nearly empty."""
    html = source.html
    compact = replace(source, html=html.replace(ROOT_TAG, COMPACT_ROOT_TAG, 1)) if ROOT_TAG in html else None
    if speculate is None:
        speculate = _spare_cpu()
    child = _Speculation.start(compact, metadata) if compact is not None and speculate else None
    try:
        doc = _render(source)
        if compact is None or len(doc.pages) < 2 or last_page_fill(doc) >= NEARLY_EMPTY:
            if child is not None:
                child.stop()  # before writing: the fork's CPU is better spent here
            return _write(doc, metadata)
        pages, compact_pdf = _compact(child, compact, metadata)
        log.info(
            "last page %.0f %% full: compact layout has %d pages (was %d)",
            last_page_fill(doc) * 100,
            pages,
            len(doc.pages),
        )
        return compact_pdf() if pages < len(doc.pages) else _write(doc, metadata)
    finally:
        if child is not None:
            child.stop()


def _compact(child: _Speculation | None, compact: Source, metadata: Metadata) -> tuple[int, Callable[[], bytes]]:
    """The compact layout's page count and its PDF: from the fork when it has one, else laid out here."""
    outcome = child.outcome() if child is not None else None
    if outcome is not None and outcome.pages is not None:
        data = outcome.pdf
        return outcome.pages, lambda: data
    doc = _render(compact)
    return len(doc.pages), lambda: _write(doc, metadata)


@dataclass(frozen=True)
class _Outcome:
    """What the forked process sends back: the compact layout's pages and PDF, or why it failed."""

    pages: int | None
    pdf: bytes = b""
    error: str = ""
    warnings: list[logging.LogRecord] = field(default_factory=list)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info = record.getMessage(), None, None  # picklable, same text
        self.records.append(record)


def _lay_out_compact(conn: Connection, compact: Source, metadata: Metadata, scratch: str) -> None:
    """Body of the forked process: WeasyPrint's warnings are collected and sent back, not printed here."""
    os.nice(10)  # the normal layout in the parent comes first
    tempfile.tempdir = scratch  # removed by the parent: a killed fork leaves nothing behind
    # a configuration of its own (its font copy in the scratch directory); the parent's is kept aside, not
    # dropped: dropping it would delete the parent's font copy
    _FONTS.inherited = vars(_FONTS).pop("config", None)
    collect = _Collect()
    wp_log = logging.getLogger("weasyprint")
    wp_log.handlers, wp_log.propagate = [collect], False
    try:
        doc = _render(compact)
        conn.send(_Outcome(len(doc.pages), _write(doc, metadata), warnings=collect.records))
    except Exception as exc:  # anything: the parent lays the compact variant out itself
        conn.send(_Outcome(None, error=f"{type(exc).__name__}: {exc}", warnings=collect.records))
    finally:
        conn.close()


class _Speculation:
    """The compact layout running in a forked process (``start`` returns None where forking is unsafe)."""

    def __init__(self, process: BaseProcess, conn: Connection, scratch: str) -> None:
        self._process, self._conn, self._scratch = process, conn, scratch
        self._stopped = False

    @classmethod
    def start(cls, compact: Source, metadata: Metadata) -> _Speculation | None:
        """Fork a process that lays out ``compact``, unless the process has other threads (forking those is unsafe)."""
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            return None
        import multiprocessing  # only when speculating

        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        scratch = tempfile.mkdtemp(prefix="reportbot-compact-")
        process = ctx.Process(target=_lay_out_compact, args=(send, compact, metadata, scratch), daemon=True)
        process.start()
        send.close()
        log.debug("compact layout speculated in process %s", process.pid)
        return cls(process, receive, scratch)

    def outcome(self) -> _Outcome | None:
        """Wait for the fork's result; its WeasyPrint warnings are logged here. None when it died."""
        try:
            got: _Outcome = self._conn.recv()
        except EOFError:
            log.warning("compact layout process ended without a result (exit code %s)", self._process.exitcode)
            return None
        for record in got.warnings:
            logging.getLogger(record.name).handle(record)
        if got.error:
            log.warning("compact layout process failed (%s); laying it out in this process", got.error)
        return got

    def stop(self) -> None:
        """End the fork (if still running) and reap it; a second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        self._conn.close()
        self._process.kill()
        self._process.join()
        self._process.close()
        shutil.rmtree(self._scratch, ignore_errors=True)
