"""Report orchestration: read the store, ask the model, draw the charts, render HTML and PDF.

``render_monthly`` and ``render_ipo_brief`` return the written paths, the PDF first. The model is used
through one adapter (:func:`model_outputs`, :func:`predict`): when it fails (e.g. too few outcomes) the
report says 模型结果暂缺 with the reason instead.
"""

from __future__ import annotations

import base64
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportbot.config import Config
from reportbot.domain import SEGMENT_BSE, Ipo, ModelReport, Prediction, SubscriberSettings
from reportbot.errors import NoDataError, ReportbotError
from reportbot.pipeline import market_stats, report_cache
from reportbot.render import html
from reportbot.render.fonts import FALLBACK_FAMILY, CjkFont, find_cjk_font, prepare_font
from reportbot.store import ipos as ipo_store
from reportbot.store import market as market_store
from reportbot.summary import brief as brief_view
from reportbot.summary import market as market_view
from reportbot.summary import monthly
from reportbot.summary import pointintime as pit
from reportbot.summary.report import MonthlyReport, build_monthly_report

if TYPE_CHECKING:
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


# --- model adapter (cached on disk: a cold process does not refit the walk-forward) ---------------

MODEL_CODE = ("model", "pipeline/modeling.py", "summary/pointintime.py", "tradingcal.py", "domain.py")
MODEL_MISSING_ZH = "模型结果暂缺：截至{day}已知首日结果的新股不足以拟合模型"
MODEL_NOT_STARTED_ZH = "模型结果暂缺：截至{day}尚无可评估的样本外预测（申购日前须已有{n}只新股的首日结果）"


def settings_for(config: Config) -> SubscriberSettings:
    """The default subscriber's settings (reports are written for them, like the model's backtest)."""
    d = config.subscriber_defaults
    return SubscriberSettings(capital_cny=d.capital_cny, annual_rate=d.annual_rate, min_probability=d.min_probability)


def _model_key(config: Config, conn: sqlite3.Connection, as_of: date | None, *extra: object) -> str:
    ipos = ipo_store.list_ipos(conn, segment=SEGMENT_BSE)
    series = market_store.index_series(conn)
    if as_of is not None:
        ipos, series = pit.known_ipos(ipos, as_of), pit.known_series(series, as_of)
    overrides = config.calendar.overrides_file
    calendar_text = overrides.read_bytes() if overrides is not None and overrides.is_file() else b""
    parts = (ipos, series, config.model, config.calendar, calendar_text, config.subscriber_defaults, as_of, *extra)
    return report_cache.key_of(parts, MODEL_CODE)


def model_outputs(
    config: Config, conn: sqlite3.Connection, as_of: date | None = None
) -> tuple[ModelReport | None, str]:
    """The model's walk-forward report on what was known by ``as_of``, or None with the Chinese reason."""

    def compute() -> tuple[ModelReport | None, str]:
        from reportbot.pipeline import modeling  # statsmodels: only when the cache has no entry

        day = as_of.isoformat() if as_of else "数据截止日"
        try:
            report = modeling.model_report(config, conn, as_of)
        except ReportbotError as exc:
            log.warning("model report unavailable: %s", exc)
            return None, MODEL_MISSING_ZH.format(day=day)
        if not any(p.actual_return_pct is not None for p in report.predictions):
            return None, MODEL_NOT_STARTED_ZH.format(day=day, n=config.model.min_train_size)
        return report, ""

    return report_cache.cached(config, "model", _model_key(config, conn, as_of), compute)


def predict(
    config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings, as_of: date | None = None
) -> tuple[Prediction | None, str]:
    """The model's prediction for ``ipo`` (on what was known by ``as_of``), or None with the Chinese reason."""

    def compute() -> tuple[Prediction | None, str]:
        from reportbot.pipeline import modeling

        try:
            return modeling.predict_ipo(config, conn, ipo, settings, as_of), ""
        except ReportbotError as exc:
            log.warning("no prediction for %s: %s", ipo.code, exc)
            return None, _no_prediction_reason(config, ipo)

    return report_cache.cached(config, "prediction", _model_key(config, conn, as_of, ipo, settings), compute)


def _no_prediction_reason(config: Config, ipo: Ipo) -> str:
    if ipo.apply_date is None:
        return "模型未给出预测：该新股缺少申购日，无法确定申购前可得的信息"
    return (
        f"模型未给出预测：{ipo.apply_date.isoformat()}申购日前已知首日结果的新股不足"
        f"{config.model.min_train_size}只，模型无法拟合"
    )


# --- shared pieces -------------------------------------------------------------------------------


def report_font(config: Config) -> CjkFont:
    """The prepared (subset, TrueType) CJK font, built once and cached in ``[fonts].cache_dir``."""
    return prepare_font(find_cjk_font(config.fonts.cjk_font, config.fonts.family), config.fonts.cache_dir)


def data_as_of(conn: sqlite3.Connection) -> tuple[date | None, list[str]]:
    """The data's as-of date and one line per dataset (the core's :func:`reportbot.pipeline.data_as_of`)."""
    from reportbot import pipeline  # the package imports this module: import it when called

    return pipeline.data_as_of(conn)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _write(config: Config, page: RenderedHtml, now: Clock, write_html: bool) -> list[Path]:
    from reportbot.render import pdf  # WeasyPrint: only when a PDF is written

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


@dataclass(frozen=True, kw_only=True)
class MonthInputs:
    """Everything the monthly report reads from the store, as known at the end of the month."""

    month: str
    known_on: date  # the month's last day, or the data's as-of day while the month is running
    ipos: list[Ipo]  # BSE IPOs as known on ``known_on``
    series: list[tuple[date, float]]  # 北证50 closes up to ``known_on``
    market: market_view.MarketView
    data_as_of: date | None
    data_sources: list[str]


def month_inputs(config: Config, conn: sqlite3.Connection, month: str | None = None) -> MonthInputs:
    """Read the store once for ``month`` (default: the latest month with listings), point in time.

    Raises:
        NoDataError: the store has no listings at all.
    """
    stored = ipo_store.list_ipos(conn, segment=SEGMENT_BSE)
    month = month or monthly.latest_listing_month(stored)
    if month is None:
        raise NoDataError("no IPO listings in the database; load the bundled dataset first (data load)")
    as_of, lines = data_as_of(conn)
    sources = [_PATH_NOTE.sub("", line) for line in lines]  # no file paths in a client document
    first, last = monthly.month_bounds(month)
    known_on = min(last, as_of) if as_of is not None else last
    series = pit.known_series(market_store.index_series(conn), known_on)
    market = market_view.build_market_view(
        month,
        series,
        market_store.monthly_figures(conn, month),
        market_store.monthly_figures(conn, monthly.previous_month(month)),
        pit.known_points(market_store.market_points(conn, first, last), known_on),
        market_stats.market_extras(config, conn, month, _calendar(config)),
    )
    return MonthInputs(
        month=month,
        known_on=known_on,
        ipos=pit.known_ipos(stored, known_on),
        series=series,
        market=market,
        data_as_of=as_of,
        data_sources=sources,
    )


def monthly_report(config: Config, conn: sqlite3.Connection, now: Clock, month: str | None = None) -> MonthlyReport:
    """The monthly view model of ``month`` (default: the latest month with listings), point in time.

    Raises:
        NoDataError: the store has no listings at all.
    """
    return report_for(config, conn, now, month_inputs(config, conn, month))


def report_for(config: Config, conn: sqlite3.Connection, now: Clock, inp: MonthInputs) -> MonthlyReport:
    """The monthly view model built from what :func:`month_inputs` read."""
    model, reason = model_outputs(config, conn, inp.known_on)
    upcoming_ipos = monthly.upcoming_ipos(inp.ipos, inp.month, inp.known_on)
    upcoming = [_brief(config, conn, now, ipo, inp.known_on) for ipo in upcoming_ipos]
    return build_monthly_report(
        inp.ipos,
        inp.month,
        market=inp.market,
        model=model,
        model_reason=reason,
        upcoming=upcoming,
        data_as_of=inp.known_on,
        data_sources=inp.data_sources,
        generated_at=now(),
    )


_PATH_NOTE = re.compile(r"（[^）]*(?:/|\.md)[^）]*）")
CHART_CODE = ("render/charts.py", "render/fonts.py")  # a changed chart is redrawn


def _chart(config: Config, font: CjkFont, name: str, *args: Any) -> str:
    """One chart as a data: URI, drawn by ``charts.<name>(font, *args)`` unless cached for these inputs."""

    def draw() -> str:
        from reportbot.render import charts  # matplotlib: only when the cache has no entry

        return _data_uri(getattr(charts, name)(font, *args))

    return report_cache.cached(config, "chart", report_cache.key_of((name, font, *args), CHART_CODE), draw)


def monthly_charts(
    config: Config, report: MonthlyReport, font: CjkFont, series: list[tuple[date, float]], ipos: list[Ipo]
) -> dict[str, str | None]:
    """Every chart of the monthly report as a data: URI (None where the data is absent)."""
    first, last = monthly.month_bounds(report.month)
    recent = [*report.history[-23:], report.stat]
    counts = [h.count for h in recent]
    history = _chart(
        config, font, "monthly_history_chart", [h.month for h in recent], counts, [h.mean_return_pct for h in recent]
    )
    all_returns = [i.first_day_return_pct for i in ipos if i.first_day_return_pct is not None]
    month_returns = [r.first_day_return_pct for r in report.rows if r.first_day_return_pct is not None]
    out: dict[str, str | None] = {
        "history": history,
        "distribution": _chart(config, font, "return_distribution_chart", all_returns, month_returns)
        if all_returns
        else None,
        "bse50": _chart(config, font, "bse50_chart", series, first, last) if report.market.bse50_close else None,
        "scatter": None,
        "backtest": None,
    }
    if report.model.scatter:
        month_pairs = [
            (r.predicted_return_pct, r.first_day_return_pct)
            for r in report.rows
            if r.predicted_return_pct is not None and r.first_day_return_pct is not None
        ]
        out["scatter"] = _chart(config, font, "prediction_scatter_chart", report.model.scatter, month_pairs)
    if any(r.year is not None for r in report.model.backtest):
        out["backtest"] = _chart(config, font, "backtest_chart", report.model.backtest)
    return out


def monthly_html(
    config: Config, conn: sqlite3.Connection, now: Clock, month: str | None = None, *, stock_font: bool = False
) -> RenderedHtml:
    """The monthly report's HTML (charts inlined, the prepared font linked by file URI).

    ``stock_font`` names the system font family instead (for the rendering benchmark).
    """
    inp = month_inputs(config, conn, month)
    report = report_for(config, conn, now, inp)
    font = report_font(config)
    charts_uri = monthly_charts(config, report, font, inp.series, inp.ipos)
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
    return _brief(config, conn, now, ipo, None)


def _brief(config: Config, conn: sqlite3.Connection, now: Clock, ipo: Ipo, as_of: date | None) -> brief_view.IpoBrief:
    """The brief of ``ipo``; ``as_of`` (a past month's end): model and data as known on that day."""
    settings = settings_for(config)
    prediction, why = predict(config, conn, ipo, settings, as_of)
    return brief_view.build_brief(
        ipo,
        _calendar(config),
        settings,
        prediction,
        prediction_reason=why,
        refund_offset=config.calendar.refund_offset_trading_days,
        data_as_of=as_of or data_as_of(conn)[0],
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
    return {"family": font.family, "url": url, "fallback": FALLBACK_FAMILY}


def _calendar(config: Config) -> TradingCalendar:
    """The exchange calendar, cached on disk per library version and overrides (pandas is slow to import)."""
    from importlib import metadata

    from reportbot import pipeline

    overrides = config.calendar.overrides_file
    parts = (
        config.calendar.exchange,
        overrides.read_bytes() if overrides is not None and overrides.is_file() else b"",
        metadata.version("exchange_calendars"),
    )
    key = report_cache.key_of(parts, ("tradingcal.py",))
    return report_cache.cached(config, "calendar", key, lambda: pipeline.calendar_for(config))
