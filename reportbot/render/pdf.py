"""HTML → PDF with WeasyPrint, fetching local files and data: URIs only."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.urls import URLFetcher

from reportbot.errors import RenderError

log = logging.getLogger(__name__)


def local_fetcher() -> URLFetcher:
    """A fetcher that only reads local files and data: URIs, failing loudly on anything else."""
    return URLFetcher(allowed_protocols=("file", "data"), fail_on_errors=True)


def write_pdf(html: str, out_path: Path, *, base_url: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Render ``html`` to ``out_path`` (written atomically) and return the path."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".part")
    try:
        doc = weasyprint.HTML(string=html, base_url=str(base_url), url_fetcher=local_fetcher()).render()
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
