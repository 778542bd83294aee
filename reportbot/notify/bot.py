"""The Telegram bot (python-telegram-bot Application, long polling) wired to the handlers and a backend."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from reportbot.config import Config
from reportbot.notify import redaction
from reportbot.notify.bot_handlers import BotBackend, BotHandlers, on_error
from reportbot.notify.telegram import read_token

BotApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]  # what callers above notify/ hold


def build_application(config: Config, backend: BotBackend, *, token: str | None = None) -> BotApplication:
    """The bot application over ``backend`` (``reportbot bot`` and ``reportbot serve`` build and pass it).

    Raises:
        ConfigError: no token in ``[telegram].token_env`` / ``token_file``.
    """
    token = token or read_token(config)
    redaction.install(token)
    tg = config.telegram
    app = ApplicationBuilder().token(token).base_url(tg.base_url).base_file_url(tg.base_file_url).build()
    handlers = BotHandlers(config, backend)
    for name, callback in (
        ("start", handlers.start),
        ("help", handlers.help),
        ("subscribe", handlers.subscribe),
        ("unsubscribe", handlers.unsubscribe),
        ("upcoming", handlers.upcoming),
        ("ipo", handlers.ipo),
        ("settings", handlers.settings),
        ("report", handlers.report),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.unknown))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text))
    app.add_handler(MessageHandler(filters.ALL, handlers.other))
    app.add_error_handler(on_error)
    return app
