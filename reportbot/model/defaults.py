"""The default subscriber: the settings a new subscriber starts with, and the subscriber reports are written for."""

from __future__ import annotations

from reportbot.config import Config
from reportbot.domain import SubscriberSettings


def default_settings(config: Config) -> SubscriberSettings:
    """The ``[subscriber_defaults]`` settings."""
    d = config.subscriber_defaults
    return SubscriberSettings(capital_cny=d.capital_cny, annual_rate=d.annual_rate, min_probability=d.min_probability)
