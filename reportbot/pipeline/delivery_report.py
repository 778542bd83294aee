"""What a delivery run tells the admins and ``status``: who did not get an alert, and why (Chinese)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime

from reportbot.kinds import DeliveryStatus, Event
from reportbot.pipeline.delivery_common import DeliverySummary
from reportbot.store import deliveries as ledger

EVENT_ZH = {
    Event.EVE: "申购前一日提醒",
    Event.MORNING: "申购日提醒",
    Event.RESULT: "中签结果提醒",
    Event.LISTING: "上市提醒",
    Event.BRIEF: "新股简报",
    Event.MONTHLY: "月报",
}
LIST_MAX = 50  # chats named per category; the rest are counted


def reason_zh(reason: str) -> str:
    """A ledger reason in short Chinese."""
    rules = (
        ("expired", "超过截止时间未发出"),
        ("in doubt", "请求已发出但未收到应答，可能已送达"),
        ("403", "用户已屏蔽机器人"),
        ("429", "被限流"),
        ("server error", "服务器错误"),
        ("timeout", "连接超时"),
        ("network", "网络错误"),
        ("400", "请求被拒绝"),
        ("subscriber inactive", "订阅已停用或新股信息已删除"),
    )
    for prefix, text in rules:
        if reason.startswith(prefix) or prefix in reason[:40]:
            return text
    return "其他错误"


def _chats(lines: tuple[str, ...]) -> str:
    chats = [line.split(" ", 1)[0].split(":", 1)[-1] for line in lines]
    shown = "、".join(chats[:LIST_MAX])
    more = f" 等 {len(chats)} 个" if len(chats) > LIST_MAX else ""
    first = reason_zh(lines[0].split(": ", 1)[-1]) if lines else ""
    return f"{shown}{more}（{first}）"


def admin_report(summary: DeliverySummary) -> str | None:
    """The admin message of a run that left something undelivered, or None when everyone got it."""
    if not (summary.failed or summary.in_doubt or summary.expired):
        return None
    names = "、".join(EVENT_ZH[e] for e in summary.events)
    lines = [
        f"⚠️ 提醒发送第 {summary.run_id} 次运行（{summary.as_of.isoformat()}，{names}）："
        f"已发送 {summary.sent}，失败 {summary.failed}，未确认 {summary.in_doubt}，"
        f"过期 {summary.expired}，屏蔽停用 {summary.deactivated}。"
    ]
    if summary.doubts:
        lines.append(f"未确认是否送达、不会自动重发的会话：{_chats(summary.doubts)}")
    if summary.failures:
        lines.append(f"发送失败的会话：{_chats(summary.failures)}")
    if summary.expirations:
        lines.append(f"已过截止时间、不再发送的会话：{_chats(summary.expirations)}")
    lines.append(f"可在命令行按运行编号 {summary.run_id} 补发失败或未确认的提醒。")
    return "\n".join(lines)


def status_lines(conn: sqlite3.Connection, since: datetime) -> list[str]:
    """``reportbot status``: failed and in-doubt deliveries since ``since``, by run and chat (indexed query)."""
    rows = ledger.problems(conn, since=since, limit=500)
    groups: dict[tuple[int, DeliveryStatus, Event], list[ledger.LedgerRow]] = defaultdict(list)
    for row in rows:
        groups[(row.run_id, row.status, row.event)].append(row)
    if not groups:
        return []
    lines = ["最近 7 天未送达的提醒（按运行编号，可补发）："]
    for (run_id, status, event), found in sorted(groups.items(), reverse=True):
        kind = "未确认" if status is DeliveryStatus.IN_DOUBT else "失败"
        chats = "、".join(r.recipient for r in found[:LIST_MAX]) + (
            f" 等 {len(found)} 个" if len(found) > LIST_MAX else ""
        )
        lines.append(f"  运行 {run_id} {EVENT_ZH[event]} {kind} {len(found)}：{chats}（{reason_zh(found[0].reason)}）")
    return lines
