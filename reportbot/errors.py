"""Exception hierarchy. Every message names the offending value and where it came from."""

from __future__ import annotations


class ReportbotError(Exception):
    """Base class for errors the CLI reports as one line with a non-zero exit."""

    exit_code = 1


class ConfigError(ReportbotError):
    """Invalid or missing configuration (names the TOML key path and value)."""

    exit_code = 2


class DataError(ReportbotError):
    """Stored or bundled data is unusable (names the file/table, field and value)."""


class SourceError(ReportbotError):
    """A live data source failed or returned a payload that does not validate."""

    def __init__(self, source: str, message: str, *, field: str | None = None, value: object = None) -> None:
        """Build ``source: field=value: message`` so every failure says where it came from."""
        self.source = source
        self.field = field
        self.value = value
        where = source if field is None else f"{source}: field {field}={value!r}"
        super().__init__(f"{where}: {message}")


class ModelError(ReportbotError):
    """The model cannot be fitted or evaluated on the given data."""


class RenderError(ReportbotError):
    """A template, chart or PDF could not be rendered."""


class NotifyError(ReportbotError):
    """A message could not be delivered."""


class NoDataError(ReportbotError):
    """Nothing to do: the requested month/IPO/date has no data (exit code 3)."""

    exit_code = 3
