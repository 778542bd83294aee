"""``reportbot data``: what is stored, and loading it."""

from __future__ import annotations

import click

from reportbot import pipeline
from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup, pass_app
from reportbot.domain import IPO_FIELDS


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
        result = pipeline.ensure_bundled(conn, app.now, force=True)
    finally:
        conn.close()
    assert result is not None
    click.echo(f"bundled: {result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged")


@data.command("status", context_settings=CONTEXT_SETTINGS)
@pass_app
def status_cmd(app: AppContext) -> None:
    """Print rows, date ranges and field coverage of the store."""
    st = pipeline.store_status(app.config, app.store())
    click.echo(f"数据库：{st.database}")
    segs = "，".join(f"{k} {v} 行" for k, v in sorted(st.rows_by_segment.items()))
    click.echo(f"记录数：{segs}")
    click.echo(f"北交所新股申购日范围：{_r(st.apply_range)}；上市日范围：{_r(st.listing_range)}")
    for info in st.datasets:
        as_of = info.as_of.isoformat() if info.as_of else "暂缺"
        click.echo(f"数据集 {info.source}：{info.rows} 行，截至 {as_of}，载入于 {info.loaded_at:%Y-%m-%d %H:%M %Z}")
    click.echo(f"字段覆盖（北交所 {st.bse_rows} 行中非空的行数）：")
    for name in IPO_FIELDS:
        n = st.coverage[name]
        share = n / st.bse_rows * 100 if st.bse_rows else 0.0
        click.echo(f"  {name:<28}{n:>5}  {share:5.1f}%")


def _r(pair: tuple[object, object]) -> str:
    lo, hi = pair
    return "暂缺" if lo is None else f"{lo} … {hi}"
