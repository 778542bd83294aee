"""Notifiers: Telegram, e-mail, group webhooks, console (dry-run)."""
