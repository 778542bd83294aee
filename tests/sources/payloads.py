"""Synthetic payloads in the documented real shapes and units of the four market-statistics feeds.

The numbers are made up (they never reach a report outside tests or the bundled data); field names,
nesting and units follow public clients' readings of the real endpoints, noted per function.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from reportbot.domain import TZ

DAILY_CALLBACK = "reportbotDaily"
LISTED_CALLBACK = "reportbotListed"

# code, name, CSRC industry, total shares, July-end price, August-end price, PE on each day
STOCKS: tuple[tuple[str, str, str, int, float, float, float, float], ...] = (
    ("920001", "纬达光电", "计算机、通信和其他电子设备制造业", 120_000_000, 20.00, 22.00, 35.0, 38.5),
    ("920002", "易实精密", "通用设备制造业", 80_000_000, 10.00, 10.50, 25.0, 26.3),
    ("920003", "华洋赛车", "通用设备制造业", 150_000_000, 30.00, 36.00, 40.0, 48.0),
    ("920004", "天工股份", "有色金属冶炼和压延加工业", 500_000_000, 5.00, 4.50, -12.0, -10.8),
    ("920005", "海达尔", "计算机、通信和其他电子设备制造业", 90_000_000, 40.00, 41.00, 60.0, 61.5),
    ("920006", "戈碧迦", "非金属矿物制品业", 140_000_000, 12.00, 11.40, 18.0, 17.1),
    ("920007", "润农节水", "生态保护和环境治理业", 210_000_000, 6.00, 6.60, 30.0, 33.0),
)


def daily_rows(day: date) -> list[dict[str, Any]]:
    """``dailyReport.do`` for one day: one row per segment, ``xxzrlx`` "2" the BSE market.

    Field names (``rq``, ``xxzrlx``, ``hqcjje`` 元, ``hqcjsl`` 股, ``zsz``/``ltsz`` 元, ``gpgsjs``) as the
    open NEEQ/BSE daily-report clients read them from the statisticdata.html XHR.
    """
    n = day.toordinal()
    turnover = 20e9 + (n % 17) * 1e9
    total = 9.0e11 + (n % 30) * 1e9
    return [
        {
            "rq": day.strftime("%Y%m%d"),
            "xxzrlx": "1",
            "hqcjje": 3.1e9,
            "hqcjsl": 9.0e8,
            "zsz": 2.0e12,
            "ltsz": 1.2e12,
            "gpgsjs": 6100,
        },
        {
            "rq": day.strftime("%Y%m%d"),
            "xxzrlx": "2",
            "hqcjje": turnover,
            "hqcjsl": turnover / 12.5,
            "zsz": total,
            "ltsz": total * 0.6,
            "ssgsjs": 280 + n % 5,
        },
    ]


def daily_body(day: date, callback: str = DAILY_CALLBACK) -> str:
    """The JSONP body of one day's report."""
    return f"{callback}({json.dumps(daily_rows(day), ensure_ascii=False)})"


def spot_rows(day: date) -> list[dict[str, Any]]:
    """push2 clist rows (``fltt=2``): f2 price, f3 %, f6 成交额 元, f9 PE, f12 code, f14 name, f20/f21 caps 元,
    f124 quote time (epoch seconds), as in akshare's ``stock_bj_a_spot_em``."""
    august = day.month >= 8
    stamp = int(datetime.combine(day, time(15, 0), TZ).timestamp())
    rows = []
    for code, name, _, shares, p7, p8, pe7, pe8 in STOCKS:
        price = p8 if august else p7
        rows.append(
            {
                "f2": price,
                "f3": 1.25,
                "f6": 3.2e7,
                "f9": pe8 if august else pe7,
                "f12": code,
                "f14": name,
                "f20": round(price * shares, 2),
                "f21": round(price * shares * 0.7, 2),
                "f124": stamp,
            }
        )
    return rows


def spot_pages(day: date, size: int) -> list[str]:
    """The clist pages (``pz=size``) of one snapshot."""
    rows = spot_rows(day)
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    return [json.dumps({"rc": 0, "rt": 6, "data": {"total": len(rows), "diff": c}}, ensure_ascii=False) for c in chunks]


def listed_pages(per_page: int = 4, callback: str = LISTED_CALLBACK) -> list[str]:
    """``nqxxCnzq.do`` pages: ``xxzqdm``, ``xxzqjc``, ``xxzgb``/``xxfxsgb`` (股), ``fxssrq`` YYYYMMDD,
    ``xxhyzl`` (CSRC industry), ``xxssdq``, with the Spring page envelope akshare's
    ``stock_info_bj_name_code`` reads (``content``, ``totalElements``, ``totalPages``)."""
    rows = [
        {
            "xxzqdm": code,
            "xxzqjc": name,
            "xxzgb": shares,
            "xxfxsgb": int(shares * 0.7),
            "fxssrq": "20230315",
            "xxhyzl": industry,
            "xxssdq": "北京市",
            "xxzbqs": "某证券",
            "xxjsrq": "20260828",
        }
        for code, name, industry, shares, *_ in STOCKS
    ]
    chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)]
    pages = []
    for number, chunk in enumerate(chunks):
        block = {
            "content": chunk,
            "totalElements": len(rows),
            "totalPages": len(chunks),
            "number": number,
            "size": per_page,
            "lastPage": number == len(chunks) - 1,
            "firstPage": number == 0,
        }
        pages.append(f"{callback}({json.dumps([block], ensure_ascii=False)})")
    return pages


REVIEWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # ORG_CODE, DECLARE_ORG, STATE, ACCEPT_DATE, UPDATE_DATE, CSRC_INDUSTRY
    ("10001", "北京甲科技股份有限公司", "注册生效", "2025-12-20", "2026-08-12", "软件和信息技术服务业"),
    ("10002", "江苏乙精工股份有限公司", "提交注册", "2026-01-10", "2026-08-20", "通用设备制造业"),
    ("10003", "浙江丙材料股份有限公司", "上市委会议通过", "2026-02-11", "2026-08-07", "化学原料和化学制品制造业"),
    (
        "10004",
        "广东丁电子股份有限公司",
        "上市委会议通过",
        "2026-03-02",
        "2026-08-26",
        "计算机、通信和其他电子设备制造业",
    ),
    ("10005", "山东戊装备股份有限公司", "已问询", "2026-06-28", "2026-08-18", "专用设备制造业"),
    ("10006", "四川己医药股份有限公司", "已受理", "2026-08-25", "2026-08-25", "医药制造业"),
    ("10007", "安徽庚汽配股份有限公司", "终止", "2025-11-30", "2026-08-29", "汽车制造业"),
    ("10008", "湖南辛环保股份有限公司", "注册生效", "2025-10-09", "2026-07-15", "生态保护和环境治理业"),
)


def review_pages(size: int) -> list[str]:
    """``RPT_IPO_INFOALLNEW`` pages with the column set akshare's ``stock_register_bj`` asks for."""
    rows = [
        {
            "SECURITY_CODE": None,
            "STATE": state,
            "REG_ADDRESS": "北京",
            "INFO_CODE": f"AN2026{org}",
            "CSRC_INDUSTRY": industry,
            "ACCEPT_DATE": f"{accept} 00:00:00",
            "DECLARE_ORG": company,
            "PREDICT_LISTING_MARKET": "北交所",
            "LAW_FIRM": "某律师事务所",
            "ACCOUNT_FIRM": "某会计师事务所",
            "ORG_CODE": org,
            "UPDATE_DATE": f"{update} 00:00:00",
            "RECOMMEND_ORG": "某证券股份有限公司",
            "IS_REGISTRATION": "1",
        }
        for org, company, state, accept, update, industry in REVIEWS
    ]
    rows.sort(key=lambda r: (r["UPDATE_DATE"], r["ORG_CODE"]), reverse=True)
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    return [
        json.dumps(
            {
                "version": "x",
                "result": {"pages": len(chunks), "data": c, "count": len(rows)},
                "success": True,
                "message": "ok",
                "code": 0,
            },
            ensure_ascii=False,
        )
        for c in chunks
    ]
