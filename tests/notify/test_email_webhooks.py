"""Management e-mail against a local aiosmtpd server (STARTTLS + AUTH); group webhooks against http.server."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from reportbot.config import Config
from reportbot.errors import ConfigError
from reportbot.kinds import Channel
from reportbot.notify.base import DeliveryResult, Message, Notifier, Outcome
from reportbot.notify.email import EmailNotifier
from reportbot.notify.webhooks import WebhookNotifier
from tests.fakes.smtp import Inbox

PASSWORD = "smtp-Pa55word"


def _deliver(notifier: Notifier, *messages: Message) -> list[DeliveryResult]:
    async def run() -> list[DeliveryResult]:
        await notifier.start()
        try:
            return [await notifier.send(m) for m in messages]
        finally:
            await notifier.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _authenticate(server: SmtpServer, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"reportbot" and data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server(tls_files: tuple[Path, Path]) -> Iterator[tuple[int, Inbox]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    controller.start()
    yield port, inbox
    controller.stop()


def _smtp_config(config: Config, port: int, cert: Path) -> Config:
    smtp = dataclasses.replace(
        config.smtp,
        host="127.0.0.1",
        port=port,
        username="reportbot",
        sender="reportbot@example.com",
        recipients=("ceo@example.com", "cfo@example.com"),
        ca_file=cert,
        timeout_s=10.0,
    )
    return dataclasses.replace(config, smtp=smtp)


def test_email_with_starttls_auth_and_pdf(
    config: Config,
    smtp_server: tuple[int, Inbox],
    tls_files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, inbox = smtp_server
    monkeypatch.setenv(config.smtp.password_env, PASSWORD)
    cfg = _smtp_config(config, port, tls_files[0])
    pdf = tmp_path / "bse-monthly-2026-08.pdf"
    pdf.write_bytes(b"%PDF-1.7 monthly")
    subject = "北交所新股月报 2026-08"
    messages = [Message(recipient=r, text="附件为月报。", subject=subject, document=pdf) for r in cfg.smtp.recipients]
    results = _deliver(EmailNotifier(cfg), *messages)
    assert [r.ok for r in results] == [True, True]
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == ["ceo@example.com", "cfo@example.com"]
    message = email.message_from_bytes(inbox.envelopes[0].original_content or b"")
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == "北交所新股月报 2026-08"
    [attachment] = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == pdf.name and attachment.get_payload(decode=True) == b"%PDF-1.7 monthly"


def test_email_wrong_password_is_reported_not_raised(
    config: Config, smtp_server: tuple[int, Inbox], tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, inbox = smtp_server
    monkeypatch.setenv(config.smtp.password_env, "wrong")
    cfg = _smtp_config(config, port, tls_files[0])
    cfg = dataclasses.replace(cfg, smtp=dataclasses.replace(cfg.smtp, timeout_s=2.0))
    results = _deliver(EmailNotifier(cfg), Message(recipient="ceo@example.com", text="b", subject="s"))
    assert not results[0].ok and results[0].detail.startswith(f"smtp 127.0.0.1:{port}: SMTP")
    assert PASSWORD not in results[0].detail and inbox.envelopes == []


def test_email_without_host_is_a_config_error(config: Config) -> None:
    with pytest.raises(ConfigError, match=r"smtp\.host"):
        EmailNotifier(config)


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, Any]]]] = []
    answer: ClassVar[dict[str, Any]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Hook.received.append((self.path, body))
        data = json.dumps(_Hook.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize(
    ("channel", "answer", "key"),
    [
        ("wecom", {"errcode": 0, "errmsg": "ok"}, ("text", "content")),
        ("dingtalk", {"errcode": 0, "errmsg": "ok"}, ("text", "content")),
        ("feishu", {"code": 0, "msg": "success"}, ("content", "text")),
    ],
)
def test_group_webhooks(
    channel: str,
    answer: dict[str, Any],
    key: tuple[str, str],
    config: Config,
    hook_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = getattr(config.notify, f"{channel}_webhook_env")
    monkeypatch.setenv(env, f"{hook_url}/{channel}?key=secret")
    _Hook.answer = answer
    [result] = _deliver(
        WebhookNotifier(config, Channel(channel)), Message(recipient=channel, text="北交所新股申购提醒")
    )
    assert result.ok, result.detail
    [(path, body)] = _Hook.received
    assert path.startswith(f"/{channel}") and body[key[0]][key[1]] == "北交所新股申购提醒"


def test_webhook_rejection_is_reported(config: Config, hook_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.notify.wecom_webhook_env, f"{hook_url}/wecom")
    _Hook.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    [result] = _deliver(WebhookNotifier(config, Channel.WECOM), Message(recipient="wecom", text="x"))
    assert result.outcome is Outcome.FAILED and "93000" in result.detail


def test_webhook_without_a_server_is_retryable(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(config.notify.dingtalk_webhook_env, f"http://127.0.0.1:{port}/robot/send?access_token=k")
    [result] = _deliver(WebhookNotifier(config, Channel.DINGTALK), Message(recipient="dingtalk", text="x"))
    assert result.outcome is Outcome.RETRY and result.detail == "dingtalk webhook: ConnectError"


def test_webhook_url_without_its_variable_is_a_config_error(config: Config) -> None:
    with pytest.raises(ConfigError, match="feishu webhook URL"):
        WebhookNotifier(config, Channel.FEISHU)
