"""Job definitions: ``schedules/*.toml`` → frozen records, with errors naming the file, key and value.

Format (documented in the README, "Scheduler and operations")::

    [[jobs]]
    name = "refresh"                                # unique, [a-z0-9_-]
    description = "收盘后刷新数据"
    target = "refresh"                              # a name in reportbot.schedule.registry.JOBS
    misfire_grace_s = 3600                          # default: [schedule].default_misfire_grace_s
    coalesce = true                                 # several missed runs run once (default true)
    notify_result = "admins"                        # send the target's returned text to the admin chats
    trigger = { hour = 17, minute = 30, trading_days_only = true }

Trigger keys: the cron fields of APScheduler's CronTrigger (year, month, day, week, day_of_week, hour,
minute, second) in Beijing time; ``trading_days_only``; ``trading_day`` (one of TRADING_DAY_RULES,
implies trading days only); or ``on`` — IPO calendar anchors such as ``"apply_date-1"`` (the previous
trading day of each subscription day), a list meaning "the first anchor the IPO has", with only hour,
minute and second as the time of day.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from reportbot.domain import IPO_DATE_FIELDS, TZ
from reportbot.errors import ConfigError

CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
TIME_FIELDS = ("hour", "minute", "second")
TRADING_DAY_RULES = ("every", "first_of_month", "last_of_month", "first_of_week", "last_of_week")
NOTIFY_RESULT = ("", "admins")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ANCHOR = re.compile(r"^(?P<field>[a-z_]+)(?:(?P<sign>[+-])(?P<n>\d+))?$")
_JOB_KEYS = ("name", "description", "target", "misfire_grace_s", "coalesce", "notify_result", "trigger")


@dataclass(frozen=True, kw_only=True)
class TriggerSpec:
    """When a job runs (all times Beijing time)."""

    cron: tuple[tuple[str, str], ...] = ()
    trading_day: str | None = None  # None: calendar days; else one of TRADING_DAY_RULES
    on: tuple[tuple[str, int], ...] = ()  # IPO date field and trading-day offset; non-empty: an event trigger

    @property
    def is_event(self) -> bool:
        """True for triggers derived from the IPO calendar."""
        return bool(self.on)

    def cron_kwargs(self) -> dict[str, str]:
        """The cron fields as keyword arguments for CronTrigger."""
        return dict(self.cron)

    def describe(self) -> str:
        """A one-line human description (Chinese, for `schedule list`)."""
        fields = self.cron_kwargs()
        clock = (
            f"{int(fields.get('hour', '0')):02d}:{int(fields.get('minute', '0')):02d}" if self._simple_time() else ""
        )
        if self.is_event:
            anchors = " 或 ".join(f"{f}{o:+d}" if o else f for f, o in self.on)
            return f"新股日历 {anchors}（交易日）{clock}"
        rule = {
            None: "",
            "every": "每个交易日",
            "first_of_month": "每月首个交易日",
            "last_of_month": "每月最后一个交易日",
            "first_of_week": "每周首个交易日",
            "last_of_week": "每周最后一个交易日",
        }[self.trading_day]
        cron = " ".join(f"{k}={v}" for k, v in self.cron if k not in TIME_FIELDS or not clock)
        return " ".join(p for p in (rule, cron, clock) if p)

    def _simple_time(self) -> bool:
        fields = self.cron_kwargs()
        return all(fields.get(k, "0").isdigit() for k in ("hour", "minute")) and fields.get("second", "0") == "0"


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """One job from a schedule file."""

    name: str
    description: str
    target: str
    trigger: TriggerSpec
    misfire_grace_s: int
    coalesce: bool
    notify_result: str
    source: Path


def load_definitions(
    directory: Path, *, default_grace_s: int, targets: Collection[str], skip: Path | None = None
) -> tuple[JobSpec, ...]:
    """Read every ``*.toml`` in ``directory`` (except ``skip``, the calendar override file).

    ``targets`` are the registered job functions a ``target`` may name.

    Raises:
        ConfigError: a file is not valid TOML, a key is unknown or a value is invalid, or two jobs share
            a name. The message names the file, the key and the value.
    """
    if not directory.is_dir():
        raise ConfigError(f"schedule.directory: {directory} is not a directory")
    specs: list[JobSpec] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        for spec in parse_file(path, default_grace_s=default_grace_s, targets=targets):
            if spec.name in seen:
                raise ConfigError(f"{path}: job name {spec.name!r} is already defined in {seen[spec.name]}")
            seen[spec.name] = path
            specs.append(spec)
    return tuple(specs)


def parse_file(path: Path, *, default_grace_s: int, targets: Collection[str]) -> list[JobSpec]:
    """Parse one schedule file (see the module docstring for the format)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read schedule file: {exc}") from exc
    unknown = sorted(set(data) - {"jobs"})
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {unknown[0]!r} (expected [[jobs]] tables)")
    jobs = data.get("jobs", [])
    if not isinstance(jobs, list):
        raise ConfigError(f"{path}: jobs must be an array of tables ([[jobs]]), got {jobs!r}")
    return [_parse_job(job, f"{path}: jobs[{i}]", path, default_grace_s, targets) for i, job in enumerate(jobs)]


def _parse_job(data: Any, where: str, path: Path, default_grace_s: int, targets: Collection[str]) -> JobSpec:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {data!r}")
    unknown = sorted(set(data) - set(_JOB_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_JOB_KEYS)})")
    name = _get(data, "name", str, where)
    if not _NAME.match(name):
        raise ConfigError(f"{where}.name: {name!r} must match [a-z0-9][a-z0-9_-]*")
    where = f"{path}: job {name!r}"
    target = _get(data, "target", str, where)
    if target not in targets:
        raise ConfigError(f"{where}.target: unknown job function {target!r} (known: {', '.join(sorted(targets))})")
    grace = data.get("misfire_grace_s", default_grace_s)
    if not isinstance(grace, int) or isinstance(grace, bool) or grace < 1:
        raise ConfigError(f"{where}.misfire_grace_s: expected a positive integer (seconds), got {grace!r}")
    coalesce = data.get("coalesce", True)
    if not isinstance(coalesce, bool):
        raise ConfigError(f"{where}.coalesce: expected true or false, got {coalesce!r}")
    notify_result = data.get("notify_result", "")
    if notify_result not in NOTIFY_RESULT:
        raise ConfigError(f"{where}.notify_result: expected one of {NOTIFY_RESULT}, got {notify_result!r}")
    return JobSpec(
        name=name,
        description=str(data.get("description", "")),
        target=target,
        trigger=parse_trigger(_get(data, "trigger", dict, where), f"{where}.trigger"),
        misfire_grace_s=grace,
        coalesce=coalesce,
        notify_result=notify_result,
        source=path,
    )


def parse_trigger(data: Any, where: str) -> TriggerSpec:
    """Parse a trigger table (cron fields, ``trading_days_only``, ``trading_day``, ``on``)."""
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{where}: expected a table of cron fields, got {data!r}")
    known = (*CRON_FIELDS, "trading_days_only", "trading_day", "on")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(known)})")
    cron: dict[str, str] = {}
    for key in CRON_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ConfigError(f"{where}.{key}: expected a cron expression (string or integer), got {value!r}")
            cron[key] = str(value)
    try:
        CronTrigger(timezone=TZ, **cron)
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid cron fields {cron!r}: {exc}") from exc
    only = data.get("trading_days_only", False)
    if not isinstance(only, bool):
        raise ConfigError(f"{where}.trading_days_only: expected true or false, got {only!r}")
    rule = data.get("trading_day")
    if rule is not None and rule not in TRADING_DAY_RULES:
        raise ConfigError(f"{where}.trading_day: expected one of {TRADING_DAY_RULES}, got {rule!r}")
    on = _parse_anchors(data.get("on"), f"{where}.on")
    if on:
        extra = sorted(set(cron) - set(TIME_FIELDS)) + (["trading_day"] if rule else [])
        if extra:
            raise ConfigError(f"{where}: {extra[0]!r} cannot be combined with 'on' (only hour, minute, second)")
        if not all(cron.get(k, "0").isdigit() for k in TIME_FIELDS):
            raise ConfigError(f"{where}: with 'on', hour/minute/second must be plain numbers, got {cron!r}")
    if rule is None and only:
        rule = "every"
    return TriggerSpec(cron=tuple(cron.items()), trading_day=rule, on=on)


def _parse_anchors(value: Any, where: str) -> tuple[tuple[str, int], ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: expected an anchor such as 'apply_date-1' or a list of them, got {value!r}")
    out = []
    for item in items:
        match = _ANCHOR.match(item) if isinstance(item, str) else None
        if match is None or match["field"] not in IPO_DATE_FIELDS:
            fields = ", ".join(sorted(IPO_DATE_FIELDS))
            raise ConfigError(f"{where}: {item!r} is not '<date field>[+-N]' with a date field among {fields}")
        offset = int(match["n"] or 0) * (-1 if match["sign"] == "-" else 1)
        out.append((match["field"], offset))
    return tuple(out)


def _get(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ConfigError(f"{where}: missing key {key!r}")
    value = data[key]
    if not isinstance(value, kind) or not value:
        raise ConfigError(f"{where}.{key}: expected a non-empty {kind.__name__}, got {value!r}")
    return value
