"""Checks for the configuration: TOML tables bound to typed dataclasses, numeric ranges, the override file.

Kept apart from :mod:`reportbot.config` (which declares the dataclasses and loads the file) so each
stays small; both are core modules that import nothing of reportbot but the errors.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from reportbot.errors import ConfigError

OVERRIDE_KEYS = ("closed", "open")
T = TypeVar("T")

# Allowed ranges of numeric keys: (minimum, maximum, whether the minimum itself is allowed). A numeric key
# not listed here must be a finite number >= 0.
RANGES: dict[str, tuple[float, float | None, bool]] = {
    "calendar.refund_offset_trading_days": (0, 30, True),
    "subscriber_defaults.capital_cny": (0, None, False),
    "subscriber_defaults.annual_rate": (0, 1, True),
    "subscriber_defaults.min_probability": (0, 1, True),
    "model.min_train_size": (5, None, True),
    "model.interval_level": (0, 1, False),
    "model.winning_rate_lookback": (1, None, True),
    "model.industry_min_count": (1, None, True),
    "model.recent_halflife_calendar_days": (0, None, False),
    "model.recent3_weight": (0, 1, True),
    "sources.timeout_s": (0, None, False),
    "sources.retries": (0, 20, True),
    "sources.page_size": (1, 10_000, True),
    "telegram.max_messages_per_second": (0, 1000, True),
    "telegram.timeout_s": (0, None, False),
    "telegram.send_concurrency": (1, 1000, True),
    "telegram.max_attempts": (1, 100, True),
    "smtp.port": (1, 65535, True),
    "smtp.timeout_s": (0, None, False),
    "schedule.default_misfire_grace_s": (1, None, True),
    "backup.keep": (1, 1000, True),
}


def check_ranges(obj: Any, ranges: Mapping[str, tuple[float, float | None, bool]], prefix: str = "") -> None:
    """Check every int/float field of the (nested) dataclass ``obj`` against ``ranges`` (by dotted key).

    Raises:
        ConfigError: one line naming the key, the value and the allowed range.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            check_ranges(value, ranges, f"{key}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            low, high, low_ok = ranges.get(key, (0, None, True))
            inside = math.isfinite(value) and (value >= low if low_ok else value > low)
            if not inside or (high is not None and value > high):
                bound = f"{'>=' if low_ok else '>'} {low:g}" + (f" and <= {high:g}" if high is not None else "")
                raise ConfigError(f"{key}: {value!r} is out of range (must be {bound})")


def read_overrides(path: Path) -> tuple[frozenset[date], frozenset[date]]:
    """The ``closed`` and ``open`` dates of an override file.

    Raises:
        ConfigError: the file is missing or unreadable, is not TOML, has a key other than ``closed`` and
            ``open`` (e.g. a typo such as ``closd``), or an entry that is not a TOML date.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"calendar.overrides_file: cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(OVERRIDE_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(OVERRIDE_KEYS)})")
    sets = []
    for key in OVERRIDE_KEYS:
        values = data.get(key, [])
        if not isinstance(values, list):
            raise ConfigError(f"{path}: {key} must be a list of dates, got {values!r}")
        days = set()
        for value in values:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ConfigError(f"{path}: {key} entry must be a TOML date (YYYY-MM-DD), got {value!r}")
            days.add(value)
        sets.append(frozenset(days))
    return sets[0], sets[1]


def bind(cls: type[T], data: Any, where: str) -> T:
    """Build the dataclass ``cls`` from a TOML table, checking every key and value type.

    Args:
        cls: a dataclass whose fields are str, int, float, bool, Path, tuples of those, optional ones
            (an empty string means None) or nested dataclasses (missing tables take their defaults).
        data: the parsed TOML table.
        where: the key path so far (the file name at the top), named in every error.

    Raises:
        ConfigError: an unknown key or a value of the wrong type, naming its key path and the value.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(fields))})")
    kwargs = {name: _convert(hints[name], data[name], f"{where}.{name}") for name in fields if name in data}
    for name in fields:
        hint = hints[name]
        if name not in kwargs and dataclasses.is_dataclass(hint):
            kwargs[name] = bind(hint, {}, f"{where}.{name}")  # type: ignore[arg-type]
    return cls(**kwargs)


def _convert(hint: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return bind(hint, value, where)  # type: ignore[arg-type]
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value in ("", None):
            return None
        return _convert(args[0], value, where)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return tuple(_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if hint is Path:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a path string, got {value!r}")
        return Path(value).expanduser()
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, bool) and type(value) is hint:
        return value
    raise ConfigError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {value!r}")


def resolve_paths(obj: T, base: Path) -> T:
    """A copy of the (nested) dataclass ``obj`` with every relative Path made relative to ``base``."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            changes[f.name] = resolve_paths(value, base)
        elif isinstance(value, Path) and not value.is_absolute():
            changes[f.name] = base / value
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
