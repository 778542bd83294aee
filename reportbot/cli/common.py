"""Shared CLI plumbing: context object, error translation, argument types."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import click

from reportbot.config import Config
from reportbot.domain import TZ
from reportbot.errors import ReportbotError
from reportbot.kinds import Clock, Month
from reportbot.store.db import DAMAGE, damaged

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def now_shanghai() -> datetime:
    """The wall clock in Beijing time (the only place the CLI reads the clock)."""
    return datetime.now(TZ)


class ReportbotClickError(click.ClickException):
    """A ReportbotError shown as one line, with the error's own exit code."""

    def __init__(self, error: ReportbotError) -> None:
        """Keep the message and exit code of ``error``."""
        super().__init__(str(error))
        self.exit_code = error.exit_code  # type: ignore[misc]  # click declares it per class


class ReportbotGroup(click.Group):
    """A group that turns ReportbotError (from any subcommand) into a one-line error."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, translating library errors in one place."""
        try:
            return super().invoke(ctx)
        except ReportbotError as exc:
            raise ReportbotClickError(exc) from exc
        except sqlite3.DatabaseError as exc:  # a damaged page that opening the database did not read
            if getattr(exc, "sqlite_errorname", "") not in DAMAGE:
                raise
            app = ctx.find_object(AppContext)
            raise ReportbotClickError(damaged(app.config.paths.database if app else "", exc)) from exc


@dataclass
class AppContext:
    """What every command needs: config, clock, and a lazily opened store."""

    config: Config
    quiet: bool = False
    now: Clock = now_shanghai
    _conn: sqlite3.Connection | None = field(default=None, repr=False)

    def store(self) -> sqlite3.Connection:
        """The database connection (bundled data loaded on first use)."""
        if self._conn is None:
            from reportbot.pipeline.manage import open_store  # the store and sources: only for commands using them

            self._conn = open_store(self.config, self.now)
        return self._conn

    def close(self) -> None:
        """Close the database if it was opened."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


pass_app = click.make_pass_decorator(AppContext)


class DateType(click.ParamType):  # type: ignore[type-arg]
    """A YYYY-MM-DD date."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """Parse or fail with a usage error naming the value."""
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date in YYYY-MM-DD form", param, ctx)


class MonthType(click.ParamType):  # type: ignore[type-arg]
    """A YYYY-MM month."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Month:
        """Parse or fail with a usage error naming the value."""
        if isinstance(value, Month):
            return value
        try:
            return Month.parse(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a month in YYYY-MM form", param, ctx)


DATE = DateType()
MONTH = MonthType()
