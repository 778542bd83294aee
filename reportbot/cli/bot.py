"""``reportbot bot`` (the Telegram bot, long polling) and ``reportbot subscribers``."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup, pass_app
from reportbot.notify.bot import build_application
from reportbot.pipeline.botservice import BotService
from reportbot.store import subscriber_csv
from reportbot.store import subscribers as sub_store

log = logging.getLogger(__name__)


@click.command("bot", context_settings=CONTEXT_SETTINGS)
@pass_app
def bot(app: AppContext) -> None:
    """Run the Telegram bot (long polling) until interrupted; the token comes from env or a secret file."""
    application = build_application(app.config, BotService(app.config, app.store(), app.now))
    log.info("bot: long polling %s", app.config.telegram.base_url.split("/bot")[0])
    application.run_polling()


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def subscribers() -> None:
    """List, import and export alert subscribers."""


@subscribers.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--active", "active_only", is_flag=True, help="Only active subscribers.")
@pass_app
def list_cmd(app: AppContext, active_only: bool) -> None:
    """Print subscribers: chat id, state, capital, cost of funds, probability threshold."""
    rows = sub_store.list_subscribers(app.store(), active_only=active_only)
    if not rows:
        click.echo("暂无订阅者。")
        raise SystemExit(3)
    for s in rows:
        st = s.settings
        state = "active" if s.active else f"inactive ({s.inactive_reason})"
        click.echo(
            f"{s.chat_id}\t{state}\tcapital={st.capital_cny:,.0f}\trate={st.annual_rate:.2%}\t"
            f"min_probability={st.min_probability:.0%}\t{s.name}"
        )


@subscribers.command("import", context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def import_cmd(app: AppContext, file: Path) -> None:
    """Insert or update subscribers from a CSV (chat_id,name,capital_cny,annual_rate,min_probability,active)."""
    count = subscriber_csv.import_subscribers(app.config, app.store(), app.now, file)
    click.echo(f"imported {count} subscribers")


@subscribers.command("export", context_settings=CONTEXT_SETTINGS)
@pass_app
def export_cmd(app: AppContext) -> None:
    """Print every subscriber as CSV (the format `subscribers import` reads)."""
    click.echo(subscriber_csv.export_subscribers(app.store()), nl=False)
