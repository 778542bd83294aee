"""``reportbot alerts``: subscription alerts."""

from __future__ import annotations

from datetime import date

import click

from reportbot import pipeline
from reportbot.cli.common import CONTEXT_SETTINGS, DATE, AppContext, ReportbotGroup, pass_app
from reportbot.pipeline import alerting, delivery


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
    preview = alerting.preview_alerts(app.config, app.store(), as_of)
    if not preview.texts:
        click.echo(
            f"{as_of.isoformat()} 之后的下一个交易日 {preview.subscription_day.isoformat()} 没有北交所新股申购。"
        )
        return
    click.echo(f"下一个交易日 {preview.subscription_day.isoformat()} 共有 {len(preview.texts)} 只北交所新股申购：\n")
    click.echo("\n\n".join(preview.texts))


@alerts.command("send", context_settings=CONTEXT_SETTINGS)
@click.option("--as-of", "as_of", type=DATE, help="Send the alerts due on this date (default: today).")
@click.option(
    "--event",
    type=click.Choice(["eve", "morning", "result", "listing"]),
    help="Only this event (default: every event due on the date).",
)
@click.option("--dry-run", is_flag=True, help="Print the alerts instead of sending them; the ledger is not touched.")
@pass_app
def send_cmd(app: AppContext, as_of: date | None, event: str | None, dry_run: bool) -> None:
    """Send the alerts due on a date to every active subscriber, each once (resumes after a crash)."""
    summary = delivery.send_alerts(app.config, app.store(), app.now, as_of=as_of, event=event, dry_run=dry_run)
    if summary.due == 0:
        click.echo(f"{summary.as_of.isoformat()} 没有到期的北交所新股提醒。")
        raise SystemExit(3)
    if dry_run:
        click.echo(f"{summary.as_of.isoformat()} 待发送提醒 {len(summary.messages)} 条（试运行，未发送）：")
        for recipient, text in summary.messages:
            click.echo(f"\n—— {recipient} ——\n{text}")
        return
    click.echo(
        f"{summary.as_of.isoformat()}：到期 {summary.due} 项，新计划 {summary.planned} 条，"
        f"已发送 {summary.sent}，失败 {summary.failed}，中断未确认 {summary.in_doubt}，停用订阅 {summary.deactivated}"
    )
    for line in summary.failures:
        click.echo(f"failed: {line}", err=True)
    if summary.failed:
        raise SystemExit(1)
