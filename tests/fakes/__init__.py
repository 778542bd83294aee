"""Reusable fake services for tests: a fake Telegram Bot API server on 127.0.0.1."""

from tests.fakes.telegram_api import FAILURE_KINDS, FakeTelegramServer, SentMessage

__all__ = ["FAILURE_KINDS", "FakeTelegramServer", "SentMessage"]
