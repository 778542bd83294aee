"""Bot API objects the fake server sends and keeps: updates, getMe, sent messages (loopback tests only)."""

from __future__ import annotations

import collections
import json
import time
from dataclasses import dataclass, field
from typing import Any

USER_NAME = "测试用户"


@dataclass
class SentMessage:
    """One message (text or document) the fake server accepted."""

    method: str
    chat_id: int
    text: str | None = None
    file_name: str | None = None
    file_bytes: bytes = b""
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    message_id: int = 0
    at: float = 0.0


@dataclass
class ServerState:
    """Everything the server recorded (guarded by the server's lock)."""

    sent: list[SentMessage] = field(default_factory=list)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    callback_answers: list[dict[str, str]] = field(default_factory=list)
    edits: list[dict[str, str]] = field(default_factory=list)


def bot_user(token: str) -> dict[str, Any]:
    """The getMe answer for ``token``."""
    return {
        "id": int(token.split(":")[0]),
        "is_bot": True,
        "first_name": "reportbot",
        "username": "reportbot_test_bot",
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def private_chat(chat_id: int, first_name: str = USER_NAME) -> dict[str, Any]:
    """A private chat with user ``chat_id``."""
    return {"id": chat_id, "type": "private", "first_name": first_name}


def text_message(message_id: int, chat_id: int, text: str, first_name: str) -> dict[str, Any]:
    """A user's text message (a command gets its bot_command entity)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": private_chat(chat_id, first_name),
        "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return message


def callback_query(query_id: str, chat_id: int, data: str, message_id: int) -> dict[str, Any]:
    """An inline-keyboard button press on one of the bot's messages."""
    return {
        "id": query_id,
        "from": {"id": chat_id, "is_bot": False, "first_name": USER_NAME},
        "chat_instance": str(chat_id),
        "data": data,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": private_chat(chat_id),
            "from": {"id": 1, "is_bot": True, "first_name": "reportbot"},
            "text": "设置",
        },
    }


def sent_message(method: str, params: dict[str, Any], message_id: int) -> SentMessage:
    """What a sendMessage or sendDocument call delivered."""
    markup, doc = params.get("reply_markup"), params.get("document")
    return SentMessage(
        method=method,
        chat_id=int(params["chat_id"]),
        text=params.get("text"),
        caption=params.get("caption"),
        reply_markup=json.loads(markup) if isinstance(markup, str) and markup else None,
        file_name=doc[0] if isinstance(doc, tuple) else None,
        file_bytes=doc[1] if isinstance(doc, tuple) else b"",
        message_id=message_id,
        at=time.time(),
    )


def message_result(token: str, sent: SentMessage) -> dict[str, Any]:
    """The Message object the Bot API returns for ``sent``."""
    chat_id = sent.chat_id
    result: dict[str, Any] = {
        "message_id": sent.message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "x"},
        "from": {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "reportbot"},
    }
    if sent.method == "sendDocument":
        result["document"] = {
            "file_id": f"F{sent.message_id}",
            "file_unique_id": f"U{sent.message_id}",
            "file_name": sent.file_name or "file",
            "file_size": len(sent.file_bytes),
        }
    else:
        result["text"] = sent.text or ""
    return result
