"""Notifiers: one async interface (``base``), an adapter per channel, a registry by channel, the Telegram bot."""
