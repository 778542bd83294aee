"""``reportbot data``: what is stored, and loading it."""

from __future__ import annotations

import logging
from datetime import date

import click

from reportbot import zhfmt
from reportbot.cli.common import CONTEXT_SETTINGS, DATE, AppContext, ReportbotGroup, pass_app
from reportbot.domain import IPO_FIELDS, TZ
from reportbot.errors import SourceError
from reportbot.pipeline import fetch, manage
from reportbot.sources.registry import source_names
from reportbot.store import fetches


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def data() -> None:
    """Inspect and load the IPO database."""


@data.command("load", context_settings=CONTEXT_SETTINGS)
@pass_app
def load_cmd(app: AppContext) -> None:
    """(Re)load the bundled dataset; a reload of the same data changes nothing."""
    from reportbot.store import db

    conn = db.connect(app.config.paths.database)
    try:
        result = manage.ensure_bundled(conn, app.now, force=True)
    finally:
        conn.close()
    assert result is not None
    click.echo(f"bundled: {result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged")


@data.command("status", context_settings=CONTEXT_SETTINGS)
@pass_app
def status_cmd(app: AppContext) -> None:
    """Print rows, date ranges and field coverage of the store."""
    st = manage.store_status(app.config, app.store())
    click.echo(f"数据库：{st.database}")
    segs = "，".join(f"{k} {v} 行" for k, v in sorted(st.rows_by_segment.items()))
    click.echo(f"记录数：{segs}")
    click.echo(f"北交所新股申购日范围：{_r(st.apply_range)}；上市日范围：{_r(st.listing_range)}")
    for info in st.datasets:
        as_of = info.as_of.isoformat() if info.as_of else "暂缺"
        loaded = zhfmt.stamp(info.loaded_at.astimezone(TZ))
        click.echo(f"数据集 {info.source}：{info.rows} 行，截至 {as_of}，载入于 {loaded}")
    click.echo(f"字段覆盖（北交所 {st.bse_rows} 行中非空的行数）：")
    for name in IPO_FIELDS:
        n = st.coverage[name]
        share = n / st.bse_rows * 100 if st.bse_rows else 0.0
        click.echo(f"  {name:<28}{n:>5}  {share:5.1f}%")
    _print_sources(app)


def _print_sources(app: AppContext) -> None:
    conn = app.store()
    click.echo("在线数据源（reportbot data fetch）：")
    for s in manage.sources_status(app.config, conn):
        ok, bad = s.health.last_success, s.health.last_failure
        success = (
            f"{ok.finished_at:%Y-%m-%d %H:%M}（{ok.rows} 条，新增 {ok.inserted}，更新 {ok.updated}）" if ok else "从未"
        )
        click.echo(f"  {s.name}  {s.title}  [sources].{s.config_key} = {s.url}")
        click.echo(f"    上次成功：{success}；当前库中来自该源的记录：{s.rows}；冲突：{s.health.conflicts} 条")
        if bad is not None and (ok is None or bad.finished_at >= ok.finished_at):
            click.echo(f"    上次失败：{bad.finished_at:%Y-%m-%d %H:%M}（获取记录 #{bad.id}）：{bad.error}")
        elif bad is not None:
            click.echo(
                f"    上次失败（之后已成功）：{bad.finished_at:%Y-%m-%d %H:%M}（获取记录 #{bad.id}）：{bad.error}"
            )
        else:
            click.echo("    上次失败：从未")
    m = manage.market_status(conn)
    click.echo(
        f"市场数据：北证50 日K {m.index_days} 天（{_r(m.index_range)}）；两融余额 {m.margin_days} 天；"
        f"月度统计 {m.monthly_figures} 项（{_r(m.monthly_range)}）；新闻数据点 {m.points} 条"
    )
    click.echo(
        f"北交所市场统计：市场日报 {m.market_days} 天；行情快照 {m.snapshots} 个；上市公司 {m.companies} 家；"
        f"审核状态记录 {m.review_states} 条；行业月度涨跌 {m.industry_months} 项"
    )
    conflicts = fetches.list_conflicts(conn, limit=10)
    total = fetches.count_conflicts(conn)
    click.echo(f"来源冲突：{total} 条" + ("（最近 10 条）：" if total > 10 else ("：" if total else "")))
    for c in conflicts:
        verb = "采用" if c.resolution == fetches.RESOLUTION_REPLACED else "保留"
        click.echo(
            f"  {c.code} {c.field}：{verb} {c.kept_source}={c.kept_value}，另一来源 {c.other_source}={c.other_value}"
        )


@data.command("fetch", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--source",
    "names",
    multiple=True,
    type=click.Choice(source_names()),
    help="Fetch only this source (repeatable; default: all).",
)
@click.option("--since", type=DATE, default=None, help="Only records from this date on (default: full or incremental).")
@click.option("-q", "--quiet", is_flag=True, help="No progress display on stderr.")
@pass_app
def fetch_cmd(app: AppContext, names: tuple[str, ...], since: date | None, quiet: bool) -> None:
    """Fetch the live sources into the database (each source in one transaction).

    A failing source is recorded (see `reportbot data status`) and the others still run; the exit
    code is 1 when any source failed.
    """
    show = not (quiet or app.quiet)
    if not show:
        logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))

    def progress(message: str) -> None:
        if show:
            click.echo(message, err=True)

    summary = fetch.refresh(
        app.config, app.store(), app.now, sources=list(names) or None, since=since, progress=progress
    )
    for o in summary.outcomes:
        if o.ok:
            click.echo(f"{o.source}: ok, {o.rows} records, {o.inserted} inserted, {o.updated} updated")
    if summary.failed:
        first = summary.failed[0]
        raise SourceError(
            "fetch",
            f"{len(summary.failed)} of {len(summary.outcomes)} sources failed (see `reportbot data status`);"
            f" first: {first.error}",
        )


@data.command("replay", context_settings=CONTEXT_SETTINGS)
@click.argument("source", type=click.Choice(source_names()))
@click.argument("fetch_id", metavar="FETCH", type=click.IntRange(min=1))
@pass_app
def replay_cmd(app: AppContext, source: str, fetch_id: int) -> None:
    """Parse the raw files kept for fetch FETCH of SOURCE again (numbers: `data status`); writes nothing.

    Prints the number of records they parse to, or fails with the same one-line error as the fetch.
    """
    parsed = fetch.replay(app.store(), source, fetch_id)
    click.echo(f"{source}: fetch {fetch_id} parses to {parsed.rows} records")


def _r(pair: tuple[object, object]) -> str:
    lo, hi = pair
    return "暂缺" if lo is None else f"{lo} … {hi}"
