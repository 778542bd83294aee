"""Jinja2 environment: autoescape, StrictUndefined, Chinese number/date filters, override directory."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from reportbot import zhfmt
from reportbot.errors import RenderError

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


URL_TEXT_MAX = 48  # characters of host + path shown for a link (the full address stays in the PDF link)
IMAGE_SCHEME = "reportbot-image"  # <img src="reportbot-image:NAME">: an image handed to the PDF step with the HTML


def image_url(name: str) -> str:
    """The URL by which a document names its image ``name`` (the PDF step serves it from memory)."""
    return f"{IMAGE_SCHEME}:{name}"


IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}  # by their first bytes


def inline_images(text: str, images: Mapping[str, bytes]) -> str:
    """``text`` with each of its image URLs replaced by a data: URI: an HTML file that stands on its own.

    Raises:
        RenderError: an image in neither JPEG nor PNG.
    """
    for url, data in images.items():
        mime = next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)
        if mime is None:
            raise RenderError(f"image {url} is neither JPEG nor PNG (first bytes {data[:8]!r})")
        text = text.replace(f'"{url}"', f'"data:{mime};base64,{base64.b64encode(data).decode("ascii")}"')
    return text


def signed(value: float | None, digits: int = 2) -> str:
    """``139.78`` → ``+139.78`` with a true minus sign; missing → 暂缺."""
    return zhfmt.MISSING if value is None else f"{value:+,.{digits}f}".replace("-", "−")


def short_url(url: str) -> str:
    """Host and decoded path of ``url``, shortened with … (no query string, no scheme)."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    text = parts.netloc.removeprefix("www.") + unquote(parts.path).rstrip("/")
    return text if len(text) <= URL_TEXT_MAX else text[: URL_TEXT_MAX - 1] + "…"


def make_environment(override_dir: Path | None = None, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """Templates come from ``override_dir`` first, then the project's ``templates/``.

    ``bytecode_dir``: where compiled templates are kept between processes (Jinja2 checks each against its
    source; compiling the three templates costs about 0.1 s in every cold process otherwise).
    """
    dirs = [d for d in (override_dir, DEFAULT_TEMPLATES) if d is not None]
    if not DEFAULT_TEMPLATES.is_dir():
        raise RenderError(f"templates directory not found: {DEFAULT_TEMPLATES} (install reportbot with pip -e)")
    bytecode = None
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        bytecode_cache=bytecode,
        autoescape=jinja2.select_autoescape(["html", "html.j2", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pct=zhfmt.pct,
        num=zhfmt.num,
        cny=zhfmt.cny,
        shares=zhfmt.shares,
        day=zhfmt.day,
        day_week=zhfmt.day_week,
        month_zh=zhfmt.month_zh,
        stamp=zhfmt.stamp,
        unit=zhfmt.with_unit,
        signed=signed,
        short_url=short_url,
    )
    env.globals["MISSING"] = zhfmt.MISSING
    return env


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; errors name the template."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc
