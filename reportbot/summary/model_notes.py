"""The Chinese notes under the model's tables: dropped factors, the sample, the scale and the backtest basis."""

from __future__ import annotations

from reportbot.model import factors as fx
from reportbot.model.forecasts import DEV_END, HOLDOUT, Diagnostics


def model_notes(diag: Diagnostics) -> tuple[str, ...]:
    """Every note of a walk-forward run, dropped factors first."""
    notes = [n for name in diag.factors if (n := _dropped_note(name, diag))]
    notes.append(f"{diag.undated} 只新股无申购日数据：仅作为申购日前已知的首日结果使用，不作为预测对象或训练样本")
    notes.append("精选层（2020-07至2021-10）样本未纳入：交易规则不同，且不改变任何预测对象的因子")
    notes.append(
        f"首日涨幅在对数尺度 log(1+涨幅) 上建模（每次拟合用{diag.training_note}）：预测值为预测分布的"
        "中位数，区间下限不会低于−100%；预测区间、破发概率与超过盈亏平衡的概率均取自同一个t分布，其尺度取"
        "最近30个训练样本的残差并按申购日前已知的样本外误差校准（80%分位）"
    )
    notes.append(
        f"模型在申购日至{DEV_END.isoformat()}的新股上选定；{HOLDOUT[0].isoformat()}至{HOLDOUT[1].isoformat()}"
        "为保留样本，未参与任何选择"
    )
    notes.append(
        f"回测按整手计算：按公布的配售比例取整获配手数，顶格账户另计多获配1手剩余股份的概率下限"
        "（数据不足以推算时按0计）；冻结资金为实际申购金额（不超过顶格所需资金）。默认资金含有实际中签率与"
        f"首日涨幅的 {diag.trades[0]} 只新股（申购上限未知时不设上限），顶格申购仅含已知申购上限的"
        f" {diag.trades[1]} 只"
    )
    notes.append("Brier(超过盈亏平衡)按比例配售的盈亏平衡涨幅（年化资金成本×冻结天数÷365÷预期配售比例）计算")
    return tuple(notes)


def _dropped_note(name: str, diag: Diagnostics) -> str:
    reasons = [reason for factor, reason in diag.dropped if factor == name]
    if not reasons:
        return ""
    groups: dict[str, list[str]] = {}
    for reason in reasons:  # group "覆盖 21%" and "覆盖 22%" together; show the latest wording
        groups.setdefault(reason.split("（")[0].rstrip("0123456789.% "), []).append(reason)
    detail = "；".join(f"{g[-1]} {len(g)} 次" if len(groups) > 1 else g[-1] for g in groups.values())
    share = "全部" if len(reasons) == diag.forecasts else f"{len(reasons)}/{diag.forecasts} 次"
    return f"{fx.FACTOR_LABELS[name]}：{share}预测未使用（{detail}）"
