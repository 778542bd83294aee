"""``reportbot alerts``: subscription alerts."""

from __future__ import annotations

from datetime import date

import click

from reportbot import pipeline
from reportbot.cli.common import CONTEXT_SETTINGS, DATE, AppContext, ReportbotGroup, pass_app


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def alerts() -> None:
    """Preview and send subscription alerts."""


@alerts.command("preview", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Evening of this date: alert for the next trading day (default: today).",
)
@click.option("--latest", is_flag=True, help="Use the eve of the latest subscription day in the data.")
@pass_app
def preview_cmd(app: AppContext, as_of: date | None, latest: bool) -> None:
    """Print the alerts subscribers would get for IPOs subscribing on the next trading day."""
    if latest:
        as_of = pipeline.latest_alert_eve(app.config, app.store())
    as_of = as_of or app.now().date()
    preview = pipeline.preview_alerts(app.config, app.store(), as_of)
    if not preview.texts:
        click.echo(
            f"{as_of.isoformat()} 之后的下一个交易日 {preview.subscription_day.isoformat()} 没有北交所新股申购。"
        )
        return
    click.echo(f"下一个交易日 {preview.subscription_day.isoformat()} 共有 {len(preview.texts)} 只北交所新股申购：\n")
    click.echo("\n\n".join(preview.texts))
