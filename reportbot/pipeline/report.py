"""The report use case: read one snapshot of the store, ask the model, summarise, render HTML and PDF.

``render_monthly`` and ``render_ipo_brief`` return the written paths, the PDF first. Each reads the store
once (:mod:`reportbot.store.snapshot`) and hands the records down: the model (cached on disk; when it
fails the report says 模型结果暂缺 with the reason), the summary, then render.
"""

from __future__ import annotations

import importlib.util
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportbot.config import Config
from reportbot.domain import Ipo
from reportbot.kinds import Clock, Month
from reportbot.model.defaults import default_settings
from reportbot.pipeline.modeling import CachedModel
from reportbot.render import html
from reportbot.render.fonts import FALLBACK_FAMILY, CjkFont, find_cjk_font, prepare_font
from reportbot.store import cache as report_cache
from reportbot.store import snapshot
from reportbot.summary import brief as brief_view
from reportbot.summary import bse_market, market_stats, monthly
from reportbot.summary import market as market_view
from reportbot.summary.report import MonthlyReport, build_monthly_report
from reportbot.tradingcal import TradingCalendar, calendar_for

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger(__name__)
AUTHOR = "reportbot 北交所新股研究"
CHART_CODE = ("render/charts.py", "render/fonts.py")  # a changed chart is redrawn


@dataclass(frozen=True)
class RenderedHtml:
    """A report's HTML with what the PDF step needs."""

    html: str
    title: str
    stem: str  # output file name without suffix
    base_url: Path
    images: Mapping[str, bytes] = field(default_factory=dict)  # by the URL the HTML names them (html.image_url)


# --- monthly report ------------------------------------------------------------------------------


def render_monthly(
    config: Config, conn: sqlite3.Connection, now: Clock, month: Month | None = None, *, write_html: bool = False
) -> list[Path]:
    """Render the monthly PDF (and optionally its HTML) into the output directory; the PDF comes first.

    Raises:
        NoDataError: the store has no listings at all.
    """
    page = monthly_html(config, conn, now, month)
    return write(config, page, now, write_html=write_html)


def monthly_html(config: Config, conn: sqlite3.Connection, now: Clock, month: Month | None = None) -> RenderedHtml:
    """The monthly report's HTML: one snapshot read, the model and the summary, with its charts.

    Raises:
        NoDataError: the store has no listings at all.
    """
    cal = trading_calendar(config)
    snap = snapshot.read_month(conn, cal, month)
    report = monthly_report(config, snap, cal, now)
    font = report_font(config)
    return render_monthly_html(config, report, font, monthly_charts(config, report, font, snap.base))


def monthly_report(config: Config, snap: snapshot.MonthSnapshot, cal: TradingCalendar, now: Clock) -> MonthlyReport:
    """The monthly view model of one month snapshot: the model's outputs, then the summary."""
    model = CachedModel(config, snap.base, cal, snap.known_on)
    outputs, reason = model.outputs()
    month = str(snap.month)
    upcoming = [
        _brief(config, cal, now, ipo, model, snap.known_on)
        for ipo in monthly.upcoming_ipos(snap.base.ipos, month, snap.known_on)
    ]
    return build_monthly_report(
        snap.base.ipos,
        month,
        market=_market(snap),
        model=outputs,
        model_reason=reason,
        upcoming=upcoming,
        data_as_of=snap.known_on,
        data_sources=snap.base.data_sources,
        generated_at=now(),
    )


def _market(snap: snapshot.MonthSnapshot) -> market_view.MarketView:
    extras = bse_market.MarketExtras(
        industries=list(snap.industries),
        reviews=list(snap.reviews),
        moves=market_stats.stock_moves(list(snap.quotes_before), list(snap.quotes_end)),
    )
    month = str(snap.month)
    return market_view.build_market_view(
        month, snap.base.index_series, snap.figures, snap.previous_figures, snap.points, extras
    )


def monthly_charts(
    config: Config, report: MonthlyReport, font: CjkFont, base: snapshot.Snapshot
) -> dict[str, bytes | None]:
    """Every chart of the monthly report as an image (None where the data is absent)."""
    month = Month.parse(report.month)
    recent = [*report.history[-23:], report.stat]
    months, counts, means = [h.month for h in recent], [h.count for h in recent], [h.mean_return_pct for h in recent]
    all_returns = [i.first_day_return_pct for i in base.ipos if i.first_day_return_pct is not None]
    month_returns = [r.first_day_return_pct for r in report.rows if r.first_day_return_pct is not None]
    month_pairs = [
        (r.predicted_return_pct, r.first_day_return_pct)
        for r in report.rows
        if r.predicted_return_pct is not None and r.first_day_return_pct is not None
    ]
    wanted: dict[str, tuple[Any, ...] | None] = {
        "history": ("monthly_history_chart", months, counts, means),
        "distribution": ("return_distribution_chart", all_returns, month_returns) if all_returns else None,
        "bse50": ("bse50_chart", list(base.index_series), month.first_day, month.last_day)
        if report.market.bse50_close
        else None,
        "scatter": ("prediction_scatter_chart", report.model.scatter, month_pairs) if report.model.scatter else None,
        "backtest": ("backtest_chart", report.model.backtest)
        if any(r.year is not None for r in report.model.backtest)
        else None,
    }
    return {key: _chart(config, font, *args) if args else None for key, args in wanted.items()}


def _chart(config: Config, font: CjkFont, name: str, *args: Any) -> bytes:
    """One chart's image, drawn by ``charts.<name>(font, *args)`` unless cached for these inputs."""

    def draw() -> bytes:
        from reportbot.render import charts  # matplotlib: only when the cache has no entry

        image: bytes = charts.CHARTS[name](font, *args)
        return image

    return report_cache.cached(config, "chart-image", report_cache.key_of((name, font, *args), CHART_CODE), draw)


def render_monthly_html(
    config: Config,
    report: MonthlyReport,
    font: CjkFont,
    charts: Mapping[str, bytes | None],
    *,
    font_face: bool = True,
) -> RenderedHtml:
    """Render the monthly template for a view model and its charts (named by URL, handed over beside it).

    ``font_face=False`` names ``font.family`` without an ``@font-face`` rule, so WeasyPrint finds the font
    through fontconfig (the stock set-up the rendering benchmark compares against).
    """
    title = f"北交所新股月报（{report.month_zh}）"
    env = _environment(config)
    text = html.render_template(
        env,
        "monthly.html.j2",
        r=report,
        title=title,
        font=_font_context(font, font_face),
        charts={key: html.image_url(key) if image else None for key, image in charts.items()},
        point_text=market_view.point_text,
    )
    images = {html.image_url(key): image for key, image in charts.items() if image}
    return RenderedHtml(text, title, f"bse-monthly-{report.month}", config.paths.output_dir, images)


# --- per-IPO brief -------------------------------------------------------------------------------


def render_ipo_brief(
    config: Config, conn: sqlite3.Connection, now: Clock, code: str, *, write_html: bool = False
) -> list[Path]:
    """Render the 1–2 page brief of one IPO (current or legacy code); the PDF comes first.

    Raises:
        NoDataError: unknown code.
    """
    base = snapshot.read(conn)
    ipo = base.find(code)
    cal = trading_calendar(config)
    brief = _brief(config, cal, now, ipo, CachedModel(config, base, cal, None), base.data_as_of)
    return write(config, render_brief_html(config, brief, report_font(config)), now, write_html=write_html)


def _brief(
    config: Config, cal: TradingCalendar, now: Clock, ipo: Ipo, model: CachedModel, data_as_of: date | None
) -> brief_view.IpoBrief:
    """The brief of ``ipo`` for the default subscriber, with the model's prediction."""
    settings = default_settings(config)
    prediction, why = model.brief_prediction(ipo, settings)
    return brief_view.build_brief(
        ipo,
        cal,
        settings,
        prediction,
        prediction_reason=why,
        refund_offset=config.calendar.refund_offset_trading_days,
        data_as_of=data_as_of,
        generated_at=now(),
    )


def render_brief_html(config: Config, brief: brief_view.IpoBrief, font: CjkFont) -> RenderedHtml:
    """Render the brief template for a view model."""
    title = f"新股申购简报：{brief.ipo.name}（{brief.ipo.code}）"
    env = _environment(config)
    text = html.render_template(env, "ipo_brief.html.j2", b=brief, title=title, font=_font_context(font))
    return RenderedHtml(text, title, f"bse-ipo-{brief.ipo.code}", config.paths.output_dir)


# --- shared pieces -------------------------------------------------------------------------------


def report_font(config: Config) -> CjkFont:
    """The prepared (subset, TrueType) CJK font, built once and cached in ``[fonts].cache_dir``."""
    return prepare_font(find_cjk_font(config.fonts.cjk_font, config.fonts.family), config.fonts.cache_dir)


def _environment(config: Config) -> jinja2.Environment:
    """The template environment, compiled templates kept in the report cache."""
    return html.make_environment(config.paths.templates_override, report_cache.cache_dir(config) / "templates")


def _font_context(font: CjkFont, font_face: bool = True) -> dict[str, str]:
    url = font.path.resolve().as_uri() if font_face else ""
    return {"family": font.family, "url": url, "fallback": FALLBACK_FAMILY}


def write(config: Config, page: RenderedHtml, now: Clock, *, write_html: bool = False) -> list[Path]:
    """Write the PDF of ``page`` (and its HTML when asked) into the output directory; the PDF first."""
    from reportbot.render import pdf  # WeasyPrint: only when a PDF is written

    pdf_path = config.paths.output_dir / f"{page.stem}.pdf"
    meta: dict[str, Any] = {"title": page.title, "authors": [AUTHOR], "created": now().isoformat(timespec="seconds")}
    written = [pdf.write_pdf(page.html, pdf_path, base_url=page.base_url, images=page.images, metadata=meta)]
    if write_html:
        html_path = pdf_path.with_suffix(".html")
        html_path.write_text(html.inline_images(page.html, page.images), encoding="utf-8")
        written.append(html_path)
    return written


def trading_calendar(config: Config) -> TradingCalendar:
    """The exchange calendar, cached on disk per installed library and overrides (pandas is slow to import).

    The installed copy of exchange_calendars is identified by its package file's path, size and mtime:
    found without importing it, and without importlib.metadata (30 ms to import in a cold process).
    """
    overrides = config.calendar.overrides_file
    spec = importlib.util.find_spec("exchange_calendars")
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    stat = origin.stat() if origin is not None else None
    parts = (
        config.calendar.exchange,
        overrides.read_bytes() if overrides is not None and overrides.is_file() else b"",
        (str(origin), stat.st_size, stat.st_mtime_ns) if stat is not None else None,
    )
    key = report_cache.key_of(parts, ("tradingcal.py",))
    return report_cache.cached(config, "calendar", key, lambda: calendar_for(config))
