"""Channel → adapter: the one place that knows which class delivers each channel.

Adapters are imported when first asked for, so a command that sends nothing never imports
python-telegram-bot or httpx.
"""

from __future__ import annotations

from collections.abc import Callable

from reportbot.config import Config
from reportbot.kinds import Channel
from reportbot.notify.base import Notifier


def _telegram(config: Config) -> Notifier:
    from reportbot.notify.telegram import TelegramNotifier

    return TelegramNotifier(config)


def _email(config: Config) -> Notifier:
    from reportbot.notify.email import EmailNotifier

    return EmailNotifier(config)


def _webhook(channel: Channel) -> Callable[[Config], Notifier]:
    def build(config: Config) -> Notifier:
        from reportbot.notify.webhooks import WebhookNotifier

        return WebhookNotifier(config, channel)

    return build


def _console(_config: Config) -> Notifier:
    from reportbot.notify.console import ConsoleNotifier

    return ConsoleNotifier()


NOTIFIERS: dict[Channel, Callable[[Config], Notifier]] = {
    Channel.TELEGRAM: _telegram,
    Channel.EMAIL: _email,
    Channel.WECOM: _webhook(Channel.WECOM),
    Channel.DINGTALK: _webhook(Channel.DINGTALK),
    Channel.FEISHU: _webhook(Channel.FEISHU),
    Channel.CONSOLE: _console,
}


def notifier_for(config: Config, channel: Channel) -> Notifier:
    """A new adapter for ``channel`` (call its ``start`` before sending, ``close`` after).

    Raises:
        ConfigError: the channel's credentials (token, URL, SMTP host) are not configured.
    """
    return NOTIFIERS[channel](config)
