"""The ``reportbot`` command: a thin click layer over the library.

This package is the only code that reads argv, prints, or picks exit codes. Exit codes: 0 ok,
1 runtime failure, 2 usage or configuration error, 3 nothing to do / no data.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import click

from reportbot import __version__
from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup
from reportbot.config import load_config

# name -> (module, attribute, one-line help shown by ``reportbot --help``). A command's module is imported
# only when that command runs (or its own help is asked for), so ``--help`` and light commands never pay
# for WeasyPrint, statsmodels, matplotlib or telegram. tests/test_cli.py checks each line belongs to its command.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "alerts": ("reportbot.cli.alerts", "alerts", "Preview and send subscription alerts."),
    "backup": ("reportbot.cli.ops", "backup", "Copy the database now (SQLite online backup, safe while serve runs)."),
    "restore": ("reportbot.cli.ops", "restore", "Replace the database with the backup FILE."),
    "bot": ("reportbot.cli.bot", "bot", "Run the Telegram bot (long polling) until interrupted."),
    "data": ("reportbot.cli.data", "data", "Inspect and load the IPO database."),
    "model": ("reportbot.cli.model", "model", "Model evaluation and subscription math."),
    "report": ("reportbot.cli.report", "report", "Render Chinese PDF reports into the output directory."),
    "schedule": ("reportbot.cli.ops", "schedule", "List the scheduled jobs, or run one now."),
    "serve": ("reportbot.cli.ops", "serve", "Run the scheduler and the Telegram bot until SIGTERM/SIGINT."),
    "status": ("reportbot.cli.ops", "status", "One-screen health view: data, calendar, service, jobs."),
    "subscribers": ("reportbot.cli.bot", "subscribers", "List, import and export alert subscribers."),
}


def load_command(name: str) -> click.Command:
    """Import the module of subcommand ``name`` and return the command object."""
    module, attribute, _ = SUBCOMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    return command


class LazyGroup(ReportbotGroup):
    """The top-level group: subcommands are listed from :data:`SUBCOMMANDS` and imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand name, sorted."""
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand, imported now (None for an unknown name)."""
        if cmd_name in SUBCOMMANDS:
            return load_command(cmd_name)
        from reportbot.cli.ops import OPS_COMMANDS  # a command added there before it is listed above

        return next((c for c in OPS_COMMANDS if c.name == cmd_name), None)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the subcommands with their help line, without importing them."""
        rows = [(name, SUBCOMMANDS[name][2]) for name in self.list_commands(ctx)]
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
