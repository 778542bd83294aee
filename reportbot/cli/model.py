"""``reportbot model``: subscription math and the first-day-return model."""

from __future__ import annotations

import click

from reportbot.cli.common import CONTEXT_SETTINGS, ReportbotGroup
from reportbot.model.subscription import breakeven_return


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def model() -> None:
    """Model evaluation and subscription math."""


@model.command("breakeven", context_settings=CONTEXT_SETTINGS)
@click.option("--rate", type=float, required=True, help="Annual cost of funds as a fraction (0.05 = 5%).")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Calendar days the cash is frozen.")
@click.option("--winning-rate", type=float, required=True, help="Winning rate as a fraction (0.002 = 0.2%).")
def breakeven_cmd(rate: float, days: int, winning_rate: float) -> None:
    """Print the first-day return that pays for the frozen cash (seed 003: 5%, 4 days, 0.2% → 27.4%)."""
    value = breakeven_return(rate, days, winning_rate)
    click.echo(f"盈亏平衡首日涨幅：{value * 100:.1f}%")
