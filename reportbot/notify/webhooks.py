"""Group-chat webhooks for alerts: 企业微信 (WeCom), 钉钉 (DingTalk), 飞书 (Feishu).

Each channel's webhook URL holds its access key, so it is a secret: it comes from the environment
variable named in ``[notify]`` and never appears in logs.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from reportbot.config import Config, read_secret
from reportbot.errors import ConfigError
from reportbot.notify.base import DeliveryResult

log = logging.getLogger(__name__)
CHANNELS = ("wecom", "dingtalk", "feishu")
# WeCom text messages hold at most 2048 bytes; the others allow far more than an alert needs.
MAX_CHARS = {"wecom": 600, "dingtalk": 6000, "feishu": 6000}


def webhook_url(config: Config, channel: str) -> str:
    """The channel's webhook URL from its environment variable.

    Raises:
        ConfigError: unknown channel or unset variable.
    """
    env = {
        "wecom": config.notify.wecom_webhook_env,
        "dingtalk": config.notify.dingtalk_webhook_env,
        "feishu": config.notify.feishu_webhook_env,
    }
    if channel not in env:
        raise ConfigError(f"notify.alert_channels: unknown channel {channel!r}; known: telegram, {', '.join(CHANNELS)}")
    return read_secret(env[channel], None, f"{channel} webhook URL")


def payload(channel: str, text: str) -> dict[str, Any]:
    """The JSON body each service expects for a plain-text message."""
    if channel == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    return {"msgtype": "text", "text": {"content": text}}


def _accepted(channel: str, body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if channel == "feishu":
        return body.get("code", body.get("StatusCode")) == 0
    return body.get("errcode") == 0


def send_to_channel(
    config: Config, channel: str, text: str, *, session: requests.Session | None = None
) -> DeliveryResult:
    """Post ``text`` (split to the service's size limit) to the channel's group; never raises for HTTP."""
    url = webhook_url(config, channel)
    http = session or requests.Session()
    limit = MAX_CHARS[channel]
    chunks = [text[i : i + limit] for i in range(0, len(text), limit)] or [""]
    for chunk in chunks:
        try:
            response = http.post(url, json=payload(channel, chunk), timeout=config.sources.timeout_s)
            body = response.json() if response.content else None
        except (requests.RequestException, ValueError) as exc:
            return DeliveryResult(False, channel, channel, f"{channel} webhook: {type(exc).__name__}")
        if response.status_code != 200 or not _accepted(channel, body):
            detail = f"{channel} webhook: HTTP {response.status_code}, answer {str(body)[:200]}"
            log.warning("%s", detail)
            return DeliveryResult(False, channel, channel, detail, permanent=response.status_code in (400, 404))
    return DeliveryResult(True, channel, channel)
