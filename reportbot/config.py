"""Configuration: TOML → frozen dataclasses, validated once.

Relative paths in a config file resolve against the file's directory; without a file they resolve
against the current directory. Secrets (bot token, SMTP password) never live in TOML: the TOML names
the environment variable or secret file that holds them.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportbot.checks import RANGES, bind, check_ranges, read_overrides, resolve_paths
from reportbot.errors import ConfigError

ENV_CONFIG = "REPORTBOT_CONFIG"
PROJECT_SCHEDULES = Path(__file__).resolve().parents[1] / "schedules"  # the checked-out schedules/


@dataclass(frozen=True, kw_only=True)
class PathsConfig:
    """Where reportbot keeps its database and generated files."""

    database: Path = Path("output/reportbot.sqlite3")
    output_dir: Path = Path("output")
    raw_dir: Path = Path("output/raw")
    templates_override: Path | None = None
    cache_dir: Path | None = None  # None: <output_dir>/cache (model results and charts of the reports)


@dataclass(frozen=True, kw_only=True)
class FontsConfig:
    """The one CJK font used by matplotlib and the PDF."""

    cjk_font: Path | None = None
    family: str = "Noto Sans CJK SC"
    cache_dir: Path = Path("output/fonts")


@dataclass(frozen=True, kw_only=True)
class CalendarConfig:
    """Trading calendar (BSE follows the Shanghai exchange's calendar)."""

    exchange: str = "XSHG"
    overrides_file: Path | None = Path("schedules/holidays.toml")
    refund_offset_trading_days: int = 2


@dataclass(frozen=True, kw_only=True)
class SubscriberDefaults:
    """Advice settings a new subscriber starts with (each can tune their own)."""

    capital_cny: float = 1_000_000.0
    annual_rate: float = 0.05
    min_probability: float = 0.5


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """First-day-return model settings."""

    factors: tuple[str, ...] = (  # chosen on IPOs subscribed up to 2025-06-30 (bench/model_selection.py)
        "recent_return_ewma_calendar_log",
        "bse50_5d_return",
        "log_issue_price",
        "log_expected_winning_rate",
        "ipos_subscribing_10d",
        "log_pe_relative",
    )
    min_train_size: int = 30
    interval_level: float = 0.8
    winning_rate_lookback: int = 5
    industry_min_count: int = 8
    recent_halflife_days: float = 8.0
    recent_halflife_calendar_days: float = 60.0
    train_window: int = 80
    recent3_weight: float = 0.075

    def __post_init__(self) -> None:
        """Reject a half-life that is not positive (the EWMA would be undefined)."""
        if not self.recent_halflife_days > 0:
            raise ConfigError(f"[model].recent_halflife_days: must be > 0, got {self.recent_halflife_days!r}")


@dataclass(frozen=True, kw_only=True)
class SourcesConfig:
    """Live data sources: every base URL can point at a mirror or proxy."""

    eastmoney_datacenter_url: str = "https://datacenter-web.eastmoney.com/api/data/v1/get"
    eastmoney_kline_url: str = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
    eastmoney_spot_url: str = "https://push2.eastmoney.com/api/qt/clist/get"
    bse_base_url: str = "https://www.bse.cn"
    timeout_s: float = 15.0
    retries: int = 3
    backoff_s: float = 1.0
    pacing_s: float = 0.5
    page_size: int = 500
    user_agent: str = "reportbot/0.1 (+BSE IPO research; contact: set [sources].user_agent)"


@dataclass(frozen=True, kw_only=True)
class TelegramConfig:
    """Telegram bot; the token comes from ``token_env`` or ``token_file``, never from TOML."""

    token_env: str = "REPORTBOT_TELEGRAM_TOKEN"
    token_file: Path | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    management_chat_ids: tuple[int, ...] = ()
    admin_chat_ids: tuple[int, ...] = ()
    max_messages_per_second: float = 30.0
    per_chat_interval_s: float = 1.0
    timeout_s: float = 10.0
    send_concurrency: int = 8
    max_attempts: int = 8
    backoff_s: float = 1.0


@dataclass(frozen=True, kw_only=True)
class DeliveryConfig:
    """Alert fan-out: pacing headroom, paid broadcasts, send start before deadlines, ledger retention."""

    pacing_margin: float = 0.05  # pace this fraction under [telegram].max_messages_per_second
    allow_paid_broadcast: bool = False  # Bot API allow_paid_broadcast (Telegram Stars): up to paid_broadcast_rate
    paid_broadcast_rate: float = 1000.0
    start_margin_s: int = 600  # an event's send starts this long before it would just finish at its deadline
    retention_days: int = 400  # ledger rows older than this are pruned by the deliveries-prune job

    def __post_init__(self) -> None:
        """Reject values that cannot work (one line naming the key and value)."""
        checks = (
            ("pacing_margin", 0 <= self.pacing_margin < 1, "a fraction from 0 to below 1"),
            ("paid_broadcast_rate", self.paid_broadcast_rate > 0, "above 0"),
            ("start_margin_s", self.start_margin_s >= 0, "0 or more"),
            ("retention_days", self.retention_days >= 1, "1 or more"),
        )
        for key, ok, expected in checks:
            if not ok:
                raise ConfigError(f"delivery.{key}: expected {expected}, got {getattr(self, key)!r}")


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    """Management e-mail (STARTTLS); the password comes from env or a secret file."""

    host: str = ""
    port: int = 587
    starttls: bool = True
    username: str = ""
    password_env: str = "REPORTBOT_SMTP_PASSWORD"
    password_file: Path | None = None
    sender: str = ""
    recipients: tuple[str, ...] = ()
    timeout_s: float = 30.0
    ca_file: Path | None = None


@dataclass(frozen=True, kw_only=True)
class NotifyConfig:
    """Which channels carry subscription alerts."""

    alert_channels: tuple[str, ...] = ("telegram",)
    wecom_webhook_env: str = "REPORTBOT_WECOM_WEBHOOK"
    dingtalk_webhook_env: str = "REPORTBOT_DINGTALK_WEBHOOK"
    feishu_webhook_env: str = "REPORTBOT_FEISHU_WEBHOOK"


@dataclass(frozen=True, kw_only=True)
class ScheduleConfig:
    """The ``reportbot serve`` scheduler."""

    timezone: str = "Asia/Shanghai"
    directory: Path = Path("schedules")
    lock_file: Path = Path("output/serve.lock")
    default_misfire_grace_s: int = 3600
    job_store: Path | None = None  # None: <database stem>-jobs.sqlite3 beside the database


@dataclass(frozen=True, kw_only=True)
class BackupConfig:
    """Database backups (``reportbot backup`` and the daily backup job)."""

    directory: Path = Path("output/backups")
    keep: int = 7


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole configuration."""

    paths: PathsConfig = field(default_factory=PathsConfig)
    fonts: FontsConfig = field(default_factory=FontsConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    subscriber_defaults: SubscriberDefaults = field(default_factory=SubscriberDefaults)
    model: ModelConfig = field(default_factory=ModelConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load and validate the configuration.

    Args:
        path: a TOML file; when None, ``$REPORTBOT_CONFIG`` then ``./config.toml`` are tried, and
            without either the built-in defaults are used.
        env: environment mapping (defaults to ``os.environ``).

    Raises:
        ConfigError: the file is missing or malformed, or a key is unknown or has the wrong type.
    """
    env = os.environ if env is None else env
    if path is None and env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
    if path is None and Path("config.toml").is_file():
        path = Path("config.toml")
    if path is None:
        return validate(_bundled_defaults(resolve_paths(bind(Config, {}, "config"), Path.cwd()), {}))
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    config = bind(Config, data, str(path))
    return validate(_bundled_defaults(resolve_paths(config, path.resolve().parent), data))


def _bundled_defaults(config: Config, data: Mapping[str, Any]) -> Config:
    """Unset schedule paths that do not exist beside the config fall back to the project's ``schedules/``.

    So a config in ``/etc/reportbot`` without those keys uses the checked-out ``schedules/`` instead of
    silently running without the holiday overrides. A path that is set explicitly is never replaced.
    """
    calendar, schedule = config.calendar, config.schedule
    overrides, bundled = calendar.overrides_file, PROJECT_SCHEDULES / "holidays.toml"
    unset = "overrides_file" not in data.get("calendar", {})
    if unset and overrides is not None and not overrides.exists() and bundled.is_file():
        calendar = dataclasses.replace(calendar, overrides_file=bundled)
    if "directory" not in data.get("schedule", {}) and not schedule.directory.is_dir() and PROJECT_SCHEDULES.is_dir():
        schedule = dataclasses.replace(schedule, directory=PROJECT_SCHEDULES)
    return dataclasses.replace(config, calendar=calendar, schedule=schedule)


def validate(config: Config) -> Config:
    """Check what the types alone cannot: numeric ranges, the time zone and the calendar override file.

    Raises:
        ConfigError: one line naming the key and the value.
    """
    check_ranges(config, RANGES)
    try:
        ZoneInfo(config.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"schedule.timezone: unknown time zone {config.schedule.timezone!r} (e.g. 'Asia/Shanghai')"
        ) from exc
    if config.calendar.overrides_file is not None:
        read_overrides(config.calendar.overrides_file)
    return config


def read_secret(env_name: str, file: Path | None, what: str, env: Mapping[str, str] | None = None) -> str:
    """Return a secret from the environment variable ``env_name`` or from ``file``.

    Raises:
        ConfigError: neither is set (names the variable and file, never a value).
    """
    env = os.environ if env is None else env
    value = env.get(env_name, "").strip()
    if value:
        return value
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{what}: cannot read secret file {file}: {exc.strerror}") from exc
        if value:
            return value
    raise ConfigError(f"{what}: set the environment variable {env_name}" + (f" or fill {file}" if file else ""))
