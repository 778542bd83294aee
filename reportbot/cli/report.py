"""``reportbot report``: render PDF reports."""

from __future__ import annotations

import click

from reportbot.cli.common import CONTEXT_SETTINGS, MONTH, AppContext, ReportbotGroup, pass_app
from reportbot.kinds import Month
from reportbot.pipeline import report as report_case


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def report() -> None:
    """Render Chinese PDF reports into the output directory."""


@report.command("monthly", context_settings=CONTEXT_SETTINGS)
@click.option("--month", type=MONTH, help="Month to report (default: the last completed calendar month).")
@click.option("--latest", is_flag=True, help="Report the latest month with listings in the data instead.")
@click.option("--html", "write_html", is_flag=True, help="Also write the HTML next to the PDF.")
@pass_app
def monthly_cmd(app: AppContext, month: Month | None, latest: bool, write_html: bool) -> None:
    """Render the monthly BSE IPO report and print the file path(s)."""
    if month is None and not latest:
        month = Month.of(app.now().date()).previous()
        click.echo(f"月报月份：{month}（最近一个已结束的自然月）", err=True)
    for path in report_case.render_monthly(app.config, app.store(), app.now, month, write_html=write_html):
        click.echo(str(path))


@report.command("ipo", context_settings=CONTEXT_SETTINGS)
@click.argument("code")
@click.option("--html", "write_html", is_flag=True, help="Also write the HTML next to the PDF.")
@pass_app
def ipo_cmd(app: AppContext, code: str, write_html: bool) -> None:
    """Render the 1–2 page subscription brief of one IPO (CODE: 920xxx or its old code)."""
    for path in report_case.render_ipo_brief(app.config, app.store(), app.now, code, write_html=write_html):
        click.echo(str(path))
