"""``reportbot alerts``: subscription alerts."""

from __future__ import annotations

from datetime import date

import click

from reportbot.cli.common import CONTEXT_SETTINGS, DATE, AppContext, ReportbotGroup, pass_app
from reportbot.kinds import Event
from reportbot.pipeline import alerting, delivery
from reportbot.pipeline.delivery_common import DeliverySummary


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
        as_of = alerting.latest_alert_eve(app.config, app.store())
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
    type=click.Choice([str(e) for e in (Event.EVE, Event.MORNING, Event.RESULT, Event.LISTING)]),
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
    _print_summary(summary)
    if summary.failed:
        raise SystemExit(1)


@alerts.command("resend", context_settings=CONTEXT_SETTINGS)
@click.argument("run", type=click.IntRange(min=1))
@click.option("--failed", "which", flag_value="failed", help="Resend the run's failed deliveries.")
@click.option(
    "--in-doubt",
    "which",
    flag_value="in_doubt",
    help="Resend the run's in-doubt deliveries (they may then arrive twice).",
)
@pass_app
def resend_cmd(app: AppContext, run: int, which: str | None) -> None:
    """Send again the failed or in-doubt deliveries of delivery run RUN (numbers: `alerts send`, `status`)."""
    if which is None:
        raise click.UsageError("choose --failed or --in-doubt")
    summary = delivery.resend(app.config, app.store(), app.now, run, status=which)
    _print_summary(summary)
    if summary.failed:
        raise SystemExit(1)


def _print_summary(summary: DeliverySummary) -> None:
    click.echo(
        f"第 {summary.run_id} 次发送（{summary.as_of.isoformat()}）：到期 {summary.due} 项，"
        f"新计划 {summary.planned} 条，已发送 {summary.sent}，失败 {summary.failed}，"
        f"未确认 {summary.in_doubt}，过期 {summary.expired}，"
        f"屏蔽停用 {summary.deactivated}"
    )
    for kind, lines in (("failed", summary.failures), ("in doubt", summary.doubts), ("expired", summary.expirations)):
        for line in lines:
            click.echo(f"{kind}: {line}", err=True)
