"""Jinja2 environment: autoescape, StrictUndefined, Chinese number/date filters, override directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from reportbot import zhfmt
from reportbot.errors import RenderError

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def make_environment(override_dir: Path | None = None) -> jinja2.Environment:
    """Templates come from ``override_dir`` first, then the project's ``templates/``."""
    dirs = [d for d in (override_dir, DEFAULT_TEMPLATES) if d is not None]
    if not DEFAULT_TEMPLATES.is_dir():
        raise RenderError(f"templates directory not found: {DEFAULT_TEMPLATES} (install reportbot with pip -e)")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
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
    )
    env.globals["MISSING"] = zhfmt.MISSING
    return env


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; errors name the template."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc
