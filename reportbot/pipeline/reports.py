"""Report orchestration: read the store, ask the model, draw the charts, render HTML and PDF.

``render_monthly`` and ``render_ipo_brief`` return the written paths, the PDF first. The model is used
through one adapter (:func:`model_outputs`, :func:`predict`): when it fails (e.g. too few outcomes) the
report says 模型结果暂缺 with the reason instead.
"""

from __future__ import annotations

import base64
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportbot.config import Config
from reportbot.domain import SEGMENT_BSE, Ipo, ModelReport, Prediction, SubscriberSettings
from reportbot.errors import NoDataError, ReportbotError
from reportbot.pipeline import market_stats, modeling
from reportbot.render import charts, html, pdf
from reportbot.render.fonts import CjkFont, find_cjk_font, prepare_font
from reportbot.store import ipos as ipo_store
from reportbot.store import market as market_store
from reportbot.summary import brief as brief_view
from reportbot.summary import market as market_view
from reportbot.summary import monthly
from reportbot.summary.report import MonthlyReport, build_monthly_report
from reportbot.tradingcal import TradingCalendar

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
AUTHOR = "reportbot 北交所新股研究"


@dataclass(frozen=True)
class RenderedHtml:
    """A report's HTML with what the PDF step needs."""

    html: str
    title: str
    stem: str  # output file name without suffix
    base_url: Path


# --- model adapter -------------------------------------------------------------------------------


def settings_for(config: Config) -> SubscriberSettings:
    """The default subscriber's settings (reports are written for them, like the model's backtest)."""
    return modeling.default_settings(config)


def model_outputs(config: Config, conn: sqlite3.Connection) -> tuple[ModelReport | None, str]:
    """The model's walk-forward report, or None with the Chinese reason."""
    try:
        report = modeling.model_report(config, conn)
    except ReportbotError as exc:
        log.warning("model report unavailable: %s", exc)
        return None, f"模型结果暂缺：{exc}"
    return report, ""


def predict(
    config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings
) -> tuple[Prediction | None, str]:
    """The model's prediction for ``ipo``, or None with the Chinese reason."""
    try:
        prediction = modeling.predict_ipo(config, conn, ipo, settings)
    except ReportbotError as exc:
        log.warning("no prediction for %s: %s", ipo.code, exc)
        return None, f"模型未给出预测：{exc}"
    return prediction, ""


# --- shared pieces -------------------------------------------------------------------------------


def report_font(config: Config) -> CjkFont:
    """The prepared (subset, TrueType) CJK font, built once and cached in ``[fonts].cache_dir``."""
    return prepare_font(find_cjk_font(config.fonts.cjk_font, config.fonts.family), config.fonts.cache_dir)


def data_as_of(conn: sqlite3.Connection) -> tuple[date | None, list[str]]:
    """The data's as-of date and one line per dataset (the core's :func:`reportbot.pipeline.data_as_of`)."""
    from reportbot import pipeline  # the package imports this module: import it when called

    return pipeline.data_as_of(conn)


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _write(config: Config, page: RenderedHtml, now: Clock, write_html: bool) -> list[Path]:
    out_dir = config.paths.output_dir
    pdf_path = out_dir / f"{page.stem}.pdf"
    meta: dict[str, Any] = {"title": page.title, "authors": [AUTHOR], "created": now().isoformat(timespec="seconds")}
    written = [pdf.write_pdf(page.html, pdf_path, base_url=page.base_url, metadata=meta)]
    if write_html:
        html_path = pdf_path.with_suffix(".html")
        html_path.write_text(page.html, encoding="utf-8")
        written.append(html_path)
    return written


# --- monthly report ------------------------------------------------------------------------------


def monthly_report(config: Config, conn: sqlite3.Connection, now: Clock, month: str | None = None) -> MonthlyReport:
    """The monthly view model of ``month`` (default: the latest month with listings).

    Raises:
        NoDataError: the store has no listings at all.
    """
    ipos = ipo_store.list_ipos(conn, segment=SEGMENT_BSE)
    month = month or monthly.latest_listing_month(ipos)
    if month is None:
        raise NoDataError("no IPO listings in the database; run `reportbot data load` first")
    as_of, sources = data_as_of(conn)
    first, last = monthly.month_bounds(month)
    prev = monthly.previous_month(month)
    market = market_view.build_market_view(
        month,
        market_store.index_series(conn),
        market_store.monthly_figures(conn, month),
        market_store.monthly_figures(conn, prev),
        market_store.market_points(conn, first, last),
        market_stats.market_extras(config, conn, month),
    )
    model, reason = model_outputs(config, conn)
    upcoming = [_brief(config, conn, now, ipo, as_of) for ipo in monthly.upcoming_ipos(ipos, month, as_of)]
    return build_monthly_report(
        ipos,
        month,
        market=market,
        model=model,
        model_reason=reason,
        upcoming=upcoming,
        data_as_of=as_of,
        data_sources=sources,
        generated_at=now(),
    )


def monthly_charts(
    report: MonthlyReport, font: CjkFont, series: list[tuple[date, float]], ipos: list[Ipo]
) -> dict[str, str | None]:
    """Every chart of the monthly report as a data: URI (None where the data is absent)."""
    first, last = monthly.month_bounds(report.month)
    recent = [*report.history[-23:], report.stat]
    history_svg = charts.monthly_history_chart(
        font, [h.month for h in recent], [h.count for h in recent], [h.mean_return_pct for h in recent]
    )
    all_returns = [i.first_day_return_pct for i in ipos if i.first_day_return_pct is not None]
    month_returns = [r.first_day_return_pct for r in report.rows if r.first_day_return_pct is not None]
    out: dict[str, str | None] = {
        "history": _data_uri(history_svg),
        "distribution": _data_uri(charts.return_distribution_chart(font, all_returns, month_returns))
        if all_returns
        else None,
        "bse50": _data_uri(charts.bse50_chart(font, series, first, last)) if report.market.bse50_close else None,
        "scatter": None,
        "backtest": None,
    }
    if report.model.scatter:
        month_pairs = [
            (r.predicted_return_pct, r.first_day_return_pct)
            for r in report.rows
            if r.predicted_return_pct is not None and r.first_day_return_pct is not None
        ]
        out["scatter"] = _data_uri(charts.prediction_scatter_chart(font, report.model.scatter, month_pairs))
    if any(r.year is not None for r in report.model.backtest):
        out["backtest"] = _data_uri(charts.backtest_chart(font, report.model.backtest))
    return out


def monthly_html(
    config: Config, conn: sqlite3.Connection, now: Clock, month: str | None = None, *, stock_font: bool = False
) -> RenderedHtml:
    """The monthly report's HTML (charts inlined, the prepared font linked by file URI).

    ``stock_font`` names the system font family instead (for the rendering benchmark).
    """
    report = monthly_report(config, conn, now, month)
    font = report_font(config)
    charts_uri = monthly_charts(report, font, market_store.index_series(conn), ipo_store.list_ipos(conn))
    if stock_font:
        return render_monthly_html(config, report, CjkFont(font.path, config.fonts.family), charts_uri, font_face=False)
    return render_monthly_html(config, report, font, charts_uri)


def render_monthly_html(
    config: Config,
    report: MonthlyReport,
    font: CjkFont,
    chart_uris: dict[str, str | None],
    *,
    font_face: bool = True,
) -> RenderedHtml:
    """Render the monthly template for a view model (tests use it with synthetic model outputs).

    ``font_face=False`` names ``font.family`` without an ``@font-face`` rule, so WeasyPrint finds the font
    through fontconfig (the stock set-up the benchmark compares against).
    """
    title = f"北交所新股月报（{report.month_zh}）"
    env = html.make_environment(config.paths.templates_override)
    text = html.render_template(
        env,
        "monthly.html.j2",
        r=report,
        title=title,
        font=_font_context(font, font_face),
        charts=chart_uris,
        point_text=market_view.point_text,
    )
    return RenderedHtml(text, title, f"bse-monthly-{report.month}", config.paths.output_dir)


def render_monthly(
    config: Config,
    conn: sqlite3.Connection,
    now: Clock,
    month: str | None = None,
    *,
    write_html: bool = False,
) -> list[Path]:
    """Render the monthly PDF (and optionally its HTML) into the output directory; the PDF comes first.

    Raises:
        NoDataError: the store has no listings at all.
    """
    return _write(config, monthly_html(config, conn, now, month), now, write_html)


# --- per-IPO brief -------------------------------------------------------------------------------


def ipo_brief(config: Config, conn: sqlite3.Connection, now: Clock, code: str) -> brief_view.IpoBrief:
    """The brief's view model for one IPO (current or legacy code).

    Raises:
        NoDataError: unknown code.
    """
    ipo = ipo_store.get_ipo(conn, code)
    if ipo is None:
        raise NoDataError(f"no IPO with code {code!r} in the database (see `reportbot data status`)")
    return _brief(config, conn, now, ipo, data_as_of(conn)[0])


def _brief(config: Config, conn: sqlite3.Connection, now: Clock, ipo: Ipo, as_of: date | None) -> brief_view.IpoBrief:
    settings = settings_for(config)
    prediction, why = predict(config, conn, ipo, settings)
    return brief_view.build_brief(
        ipo,
        _calendar(config),
        settings,
        prediction,
        prediction_reason=why,
        refund_offset=config.calendar.refund_offset_trading_days,
        data_as_of=as_of,
        generated_at=now(),
    )


def render_brief_html(config: Config, brief: brief_view.IpoBrief, font: CjkFont) -> RenderedHtml:
    """Render the brief template for a view model."""
    title = f"新股申购简报：{brief.ipo.name}（{brief.ipo.code}）"
    env = html.make_environment(config.paths.templates_override)
    text = html.render_template(env, "ipo_brief.html.j2", b=brief, title=title, font=_font_context(font))
    return RenderedHtml(text, title, f"bse-ipo-{brief.ipo.code}", config.paths.output_dir)


def render_ipo_brief(
    config: Config, conn: sqlite3.Connection, now: Clock, code: str, *, write_html: bool = False
) -> list[Path]:
    """Render the 1–2 page brief of one IPO; the PDF comes first.

    Raises:
        NoDataError: unknown code.
    """
    page = render_brief_html(config, ipo_brief(config, conn, now, code), report_font(config))
    return _write(config, page, now, write_html)


def _font_context(font: CjkFont, font_face: bool = True) -> dict[str, str]:
    url = font.path.resolve().as_uri() if font_face else ""
    return {"family": font.family, "url": url, "fallback": charts.FALLBACK_FAMILY}


def _calendar(config: Config) -> TradingCalendar:
    from reportbot import pipeline

    return pipeline.calendar_for(config)
