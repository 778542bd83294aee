"""The ``reportbot`` command: a thin click layer over the library.

This package is the only code that reads argv, prints, or picks exit codes. Exit codes: 0 ok,
1 runtime failure, 2 usage or configuration error, 3 nothing to do / no data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reportbot import __version__
from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup
from reportbot.config import load_config

# Each loader imports its command's module when that command runs (or its own help is asked for), so
# ``--help`` and light commands never pay for WeasyPrint, statsmodels, matplotlib or telegram.


def _alerts() -> click.Command:
    from reportbot.cli.alerts import alerts

    return alerts


def _backup() -> click.Command:
    from reportbot.cli.ops import backup

    return backup


def _restore() -> click.Command:
    from reportbot.cli.ops import restore

    return restore


def _bot() -> click.Command:
    from reportbot.cli.bot import bot

    return bot


def _data() -> click.Command:
    from reportbot.cli.data import data

    return data


def _model() -> click.Command:
    from reportbot.cli.model import model

    return model


def _report() -> click.Command:
    from reportbot.cli.report import report

    return report


def _schedule() -> click.Command:
    from reportbot.cli.ops import schedule

    return schedule


def _serve() -> click.Command:
    from reportbot.cli.ops import serve

    return serve


def _status() -> click.Command:
    from reportbot.cli.ops import status

    return status


def _subscribers() -> click.Command:
    from reportbot.cli.bot import subscribers

    return subscribers


# name -> (loader, one-line help shown by ``reportbot --help``); tests/cli checks each line belongs to its command.
SUBCOMMANDS: dict[str, tuple[Callable[[], click.Command], str]] = {
    "alerts": (_alerts, "Preview and send subscription alerts."),
    "backup": (_backup, "Copy the database now (SQLite online backup, safe while serve runs)."),
    "restore": (_restore, "Replace the database with the backup FILE."),
    "bot": (_bot, "Run the Telegram bot (long polling) until interrupted."),
    "data": (_data, "Inspect and load the IPO database."),
    "model": (_model, "Model evaluation and subscription math."),
    "report": (_report, "Render Chinese PDF reports into the output directory."),
    "schedule": (_schedule, "List the scheduled jobs, or run one now."),
    "serve": (_serve, "Run the scheduler and the Telegram bot until SIGTERM/SIGINT."),
    "status": (_status, "One-screen health view: data, calendar, service, jobs."),
    "subscribers": (_subscribers, "List, import and export alert subscribers."),
}


class LazyGroup(ReportbotGroup):
    """The top-level group: subcommands are listed from :data:`SUBCOMMANDS` and imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand name, sorted."""
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand, imported now (None for an unknown name)."""
        entry = SUBCOMMANDS.get(cmd_name)
        return entry[0]() if entry is not None else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the subcommands with their help line, without importing them."""
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
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
    """reportbot：北交所新股申购研究——数据、模型、中文 PDF 报告与 Telegram 提醒.

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


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="reportbot")
