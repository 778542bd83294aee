"""The bot's Chinese commands, buttons and replies over a :class:`BotBackend` (python-telegram-bot handlers).

The bot holds no data: every command asks the backend (``reportbot.pipeline.botservice`` implements it
over the store and is passed in by the command that starts the bot).
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from reportbot import zhfmt
from reportbot.config import Config
from reportbot.domain import SubscriberSettings
from reportbot.notify.base import split_text
from reportbot.notify.settings_input import FIELDS, KEYWORDS, PRESETS, USAGE, describe, parse_setting, with_value
from reportbot.notify.telegram import MAX_MESSAGE_CHARS

log = logging.getLogger(__name__)

HELP = (
    "北交所新股申购提醒机器人\n"
    "/subscribe 订阅申购提醒（申购前一交易日晚、申购日早、中签率公布日、上市日）\n"
    "/unsubscribe 取消订阅\n"
    "/upcoming 近期申购的新股与建议\n"
    "/ipo 代码 单只新股简报（可索取 PDF），例如 /ipo 920288\n"
    "/settings 设置申购资金、年化资金成本、概率阈值\n"
    "/report 上一个自然月的月报 PDF（仅限管理层）\n"
    "/help 显示本帮助"
)
_CODE = re.compile(r"^\d{6}$")


class BotBackend(Protocol):
    """What the bot needs from the rest of reportbot (all texts in Chinese)."""

    def subscribe(self, chat_id: int, name: str) -> SubscriberSettings:
        """Subscribe (or re-activate) the chat; returns its settings."""
        ...

    def unsubscribe(self, chat_id: int) -> bool:
        """Deactivate the chat; False when it was not subscribed."""
        ...

    def settings(self, chat_id: int) -> SubscriberSettings | None:
        """The chat's settings, or None when not subscribed."""
        ...

    def update_settings(self, chat_id: int, settings: SubscriberSettings) -> None:
        """Store new settings for a subscribed chat."""
        ...

    def upcoming(self, chat_id: int) -> str:
        """The next subscriptions with advice for this chat's settings."""
        ...

    def ipo_brief(self, chat_id: int, code: str) -> str | None:
        """The per-IPO brief, or None for an unknown code."""
        ...

    def ipo_pdf(self, code: str) -> Path | None:
        """The per-IPO PDF, or None when it cannot be produced."""
        ...

    def latest_report(self) -> Path | None:
        """The latest monthly PDF (rendered if needed), or None when there is nothing to report."""
        ...


def settings_keyboard() -> InlineKeyboardMarkup:
    """Preset buttons per setting (two rows of two) plus a 'type a value' button."""
    rows = []
    for field, (name, _) in FIELDS.items():
        first, second = PRESETS[field][:2], PRESETS[field][2:]
        rows.append([_preset_button(field, name, v) for v in first])
        rows.append([_preset_button(field, name, v) for v in second] + [_ask_button(field, name)])
    return InlineKeyboardMarkup(rows)


def _preset_button(field: str, name: str, value: float) -> InlineKeyboardButton:
    shown = zhfmt.cny(value, 0) if field == "capital" else f"{value * 100:g}%"
    return InlineKeyboardButton(f"{name}：{shown}", callback_data=f"set:{field}:{value:g}")


def _ask_button(field: str, name: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"自定义{name}", callback_data=f"ask:{field}")


class BotHandlers:
    """Command, button and text handlers bound to one backend and config."""

    def __init__(self, config: Config, backend: BotBackend) -> None:
        """Keep the config (management chats) and the backend."""
        self.config = config
        self.backend = backend

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: welcome and help."""
        await reply(update, "欢迎使用北交所打新提醒。\n\n" + HELP)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help."""
        await reply(update, HELP)

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo or file: only text is understood."""
        await reply(update, "机器人只识别文字命令。可用的命令：\n\n" + HELP)

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any other command: say so and list the commands (every message gets an answer)."""
        await reply(update, "没有这个命令。可用的命令：\n\n" + HELP)

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/subscribe."""
        chat = update.effective_chat
        assert chat is not None
        name = chat.full_name or chat.title or ""
        settings = self.backend.subscribe(chat.id, name)
        await reply(update, "已订阅北交所新股申购提醒。当前设置：\n" + describe(settings) + "\n\n用 /settings 修改。")

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unsubscribe."""
        chat = update.effective_chat
        assert chat is not None
        done = self.backend.unsubscribe(chat.id)
        await reply(update, "已取消订阅，不再发送提醒。" if done else "您尚未订阅。发送 /subscribe 订阅。")

    async def upcoming(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/upcoming."""
        chat = update.effective_chat
        assert chat is not None
        await reply(update, self.backend.upcoming(chat.id))

    async def ipo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ipo CODE: the brief, with a button for the PDF."""
        chat = update.effective_chat
        assert chat is not None
        args = context.args or []
        if len(args) != 1 or not _CODE.match(args[0]):
            await reply(update, "用法：/ipo 六位证券代码，例如 /ipo 920288")
            return
        brief = self.backend.ipo_brief(chat.id, args[0])
        if brief is None:
            await reply(update, f"未找到代码为 {args[0]} 的北交所新股。请检查代码（920 开头的六位数字）。")
            return
        button = InlineKeyboardMarkup([[InlineKeyboardButton("获取 PDF 简报", callback_data=f"pdf:{args[0]}")]])
        await reply(update, brief, markup=button)

    async def settings(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/settings [资金|成本|概率 VALUE]: show with buttons, or set directly (English field names accepted)."""
        chat = update.effective_chat
        assert chat is not None
        current = self.backend.settings(chat.id)
        if current is None:
            await reply(update, "请先发送 /subscribe 订阅，再修改设置。")
            return
        args = context.args or []
        if len(args) == 2 and args[0] in KEYWORDS:
            await self._apply(update, chat.id, current, KEYWORDS[args[0]], args[1])
            return
        if args:
            await reply(update, USAGE)
            return
        await reply(update, "当前设置：\n" + describe(current) + "\n\n点按钮修改：", markup=settings_keyboard())

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline buttons: ``set:FIELD:VALUE``, ``ask:FIELD``, ``pdf:CODE``."""
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None and chat is not None
        await query.answer()
        kind, _, rest = (query.data or "").partition(":")
        if kind == "pdf":
            await self._send_ipo_pdf(update, rest)
            return
        current = self.backend.settings(chat.id)
        field, _, value = rest.partition(":")
        if current is None or field not in FIELDS:
            await reply(update, "请先发送 /subscribe 订阅。")
            return
        if kind == "ask":
            if context.user_data is not None:
                context.user_data["awaiting"] = field
            await reply(update, FIELDS[field][1])
        elif kind == "set":
            await self._apply(update, chat.id, current, field, value)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A plain message: the value for a setting the user chose to type, else a hint."""
        chat, message = update.effective_chat, update.effective_message
        assert chat is not None and message is not None
        field = context.user_data.get("awaiting") if context.user_data is not None else None
        current = self.backend.settings(chat.id)
        if field is None or current is None:
            await reply(update, "没有识别到命令。发送 /help 查看可用命令。")
            return
        if await self._apply(update, chat.id, current, str(field), message.text or ""):
            assert context.user_data is not None
            context.user_data.pop("awaiting", None)

    async def report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/report: the latest monthly PDF, for management chats only."""
        chat, message = update.effective_chat, update.effective_message
        assert chat is not None and message is not None
        if chat.id not in self.config.telegram.management_chat_ids:
            await reply(update, "抱歉，月报仅向管理层发送。如需开通，请联系管理员。")
            return
        await reply(update, "正在准备上一个自然月的月报，请稍候……")
        path = await asyncio.to_thread(self.backend.latest_report)
        if path is None:
            await reply(update, "暂无可发送的月报（数据库中没有上市记录）。")
            return
        with path.open("rb") as handle:
            await message.reply_document(document=handle, filename=path.name, caption="北交所新股月报")

    async def _apply(self, update: Update, chat_id: int, current: SubscriberSettings, field: str, text: str) -> bool:
        try:
            value = parse_setting(field, text)
        except ValueError as exc:
            await reply(update, str(exc))
            return False
        new = with_value(current, field, value)
        self.backend.update_settings(chat_id, new)
        how = ""
        if field != "capital":
            how = "（按百分数理解）" if text.strip().endswith("%") else "（不带百分号，按小数理解）"
        await reply(update, f"已更新{FIELDS[field][0]}{how}。当前设置：\n" + describe(new))
        return True

    async def _send_ipo_pdf(self, update: Update, code: str) -> None:
        message = update.effective_message
        assert message is not None
        if _CODE.match(code):
            await reply(update, "正在生成 PDF 简报，请稍候……")
        path = await asyncio.to_thread(self.backend.ipo_pdf, code) if _CODE.match(code) else None
        if path is None:
            await reply(update, "单只新股 PDF 简报暂时无法生成，请参考上面的文字简报。")
            return
        with path.open("rb") as handle:
            await message.reply_document(document=handle, filename=path.name)


async def reply(update: Update, text: str, *, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the update's chat, split to Telegram's limit; ``markup`` goes on the last part."""
    chat = update.effective_chat
    assert chat is not None
    parts = split_text(text, MAX_MESSAGE_CHARS)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await chat.send_message(part, reply_markup=markup if last else None)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed handler and tell the chat, in Chinese, to try again later."""
    log.error("bot handler failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        await update.effective_chat.send_message("抱歉，处理时出错，请稍后再试。")
