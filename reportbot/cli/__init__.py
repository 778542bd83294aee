"""The ``reportbot`` command: a thin click layer over the library.

This package is the only code that reads argv, prints, or picks exit codes. Exit codes: 0 ok,
1 runtime failure, 2 usage or configuration error, 3 nothing to do / no data.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from reportbot import __version__
from reportbot.cli.alerts import alerts
from reportbot.cli.bot import bot, subscribers
from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup
from reportbot.cli.data import data
from reportbot.cli.model import model
from reportbot.cli.ops import OPS_COMMANDS
from reportbot.cli.report import report
from reportbot.config import load_config


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="REPORTBOT_CONFIG",
    help="Config TOML (default: ./config.toml if present, else built-in defaults).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only print results and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr.")
@click.version_option(__version__, prog_name="reportbot")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, quiet: bool, verbose: bool) -> None:
    """reportbot：北交所新股申购研究——数据、模型、中文 PDF 报告与 Telegram 提醒。

    BSE IPO subscription research: data, model, Chinese PDF reports and alerts.
    """
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",  # with the UTC offset: journald and admins compare times across zones
        force=True,
    )
    for noisy in ("fontTools", "weasyprint.progress", "matplotlib", "PIL", "httpx"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    ctx.obj = AppContext(config=load_config(config_path), quiet=quiet)
    ctx.call_on_close(ctx.obj.close)


for command in (data, report, alerts, model, bot, subscribers):
    cli.add_command(command)
for ops_command in OPS_COMMANDS:
    cli.add_command(ops_command)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="reportbot")
