"""Group-chat webhook adapters for alerts: 企业微信 (WeCom), 钉钉 (DingTalk), 飞书 (Feishu), over httpx.

Each channel's webhook URL holds its access key, so it is a secret: it comes from the environment
variable named in ``[notify]`` and is redacted from logs (httpx logs request URLs).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from reportbot.config import Config, read_secret
from reportbot.errors import ConfigError
from reportbot.kinds import Channel
from reportbot.notify import redaction
from reportbot.notify.base import DeliveryResult, Limits, Message, Outcome, result

log = logging.getLogger(__name__)
# WeCom text messages hold at most 2048 bytes; the others allow far more than an alert needs.
MAX_CHARS = {Channel.WECOM: 600, Channel.DINGTALK: 6000, Channel.FEISHU: 6000}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


def webhook_url(config: Config, channel: Channel) -> str:
    """The channel's webhook URL from its environment variable (registered for redaction).

    Raises:
        ConfigError: not a webhook channel, or its variable is unset.
    """
    env = {
        Channel.WECOM: config.notify.wecom_webhook_env,
        Channel.DINGTALK: config.notify.dingtalk_webhook_env,
        Channel.FEISHU: config.notify.feishu_webhook_env,
    }
    if channel not in env:
        raise ConfigError(f"notify.alert_channels: {channel!r} is not a group webhook; known: {', '.join(env)}")
    url = read_secret(env[channel], None, f"{channel} webhook URL")
    redaction.install(url)
    return url


def payload(channel: Channel, text: str) -> dict[str, Any]:
    """The JSON body each service expects for a plain-text message."""
    if channel is Channel.FEISHU:
        return {"msg_type": "text", "content": {"text": text}}
    return {"msgtype": "text", "text": {"content": text}}


def accepted(channel: Channel, body: Any) -> bool:
    """Whether the service's JSON answer says it took the message."""
    if not isinstance(body, dict):
        return False
    if channel is Channel.FEISHU:
        return body.get("code", body.get("StatusCode")) == 0
    return body.get("errcode") == 0


class WebhookNotifier:
    """Texts to one group chat by its webhook; the recipient is the channel's name."""

    def __init__(self, config: Config, channel: Channel) -> None:
        """Read the channel's URL.

        Raises:
            ConfigError: not a webhook channel, or its variable is unset.
        """
        self.channel = channel
        self.url = webhook_url(config, channel)
        self.limits = Limits(max_chars=MAX_CHARS[channel])
        self._client = httpx.AsyncClient(timeout=config.sources.timeout_s)

    async def start(self) -> None:
        """Nothing to check before the first post (a webhook has no login)."""

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def send(self, message: Message) -> DeliveryResult:
        """Post one text; never raises for HTTP."""
        if message.on_wire is not None:
            message.on_wire()
        try:
            response = await self._client.post(self.url, json=payload(self.channel, message.text))
        except httpx.HTTPError as exc:
            sent = not isinstance(exc, _NOT_SENT)
            detail = f"{self.channel} webhook: {type(exc).__name__}"
            return result(
                self, message, Outcome.IN_DOUBT if sent else Outcome.RETRY, f"in doubt: {detail}" if sent else detail
            )
        return self._answer(message, response)

    def _answer(self, message: Message, response: httpx.Response) -> DeliveryResult:
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if response.status_code == 200 and accepted(self.channel, body):
            return result(self, message, Outcome.OK)
        detail = f"{self.channel} webhook: HTTP {response.status_code}, answer {str(body)[:200]}"
        log.warning("%s", detail)
        again = response.status_code == 429 or response.status_code >= 500
        return result(self, message, Outcome.RETRY if again else Outcome.FAILED, detail)
