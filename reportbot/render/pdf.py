"""HTML → PDF with WeasyPrint, fetching local files and data: URIs only.

A document whose last page would be nearly empty is laid out once more with ``class="compact"`` on the
root element (the stylesheet tightens the type there); the compact layout is kept when it saves a page.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.urls import URLFetcher

from reportbot.errors import RenderError

log = logging.getLogger(__name__)
NEARLY_EMPTY = 0.35  # share of the last page's content area below which the document is reflowed
ROOT_TAG = '<html lang="zh-CN">'
COMPACT_ROOT_TAG = '<html lang="zh-CN" class="compact">'


def local_fetcher() -> URLFetcher:
    """A fetcher that only reads local files and data: URIs, failing loudly on anything else."""
    return URLFetcher(allowed_protocols=("file", "data"), fail_on_errors=True)


def write_pdf(html: str, out_path: Path, *, base_url: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Render ``html`` to ``out_path`` (written atomically) and return the path."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".part")
    try:
        doc = _layout(html, base_url)
        if metadata:
            for key, value in metadata.items():
                setattr(doc.metadata, key, value)
        doc.write_pdf(tmp)
    except RenderError:
        raise
    except Exception as exc:  # WeasyPrint raises many types; report them as one
        raise RenderError(f"PDF rendering of {out_path.name} failed: {exc}") from exc
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


def _layout(html: str, base_url: Path) -> weasyprint.Document:
    doc = weasyprint.HTML(string=html, base_url=str(base_url), url_fetcher=local_fetcher()).render()
    if len(doc.pages) < 2 or ROOT_TAG not in html or last_page_fill(doc) >= NEARLY_EMPTY:
        return doc
    compact_html = html.replace(ROOT_TAG, COMPACT_ROOT_TAG, 1)
    compact = weasyprint.HTML(string=compact_html, base_url=str(base_url), url_fetcher=local_fetcher()).render()
    log.info(
        "last page %.0f %% full: compact layout has %d pages (was %d)",
        last_page_fill(doc) * 100,
        len(compact.pages),
        len(doc.pages),
    )
    return compact if len(compact.pages) < len(doc.pages) else doc
