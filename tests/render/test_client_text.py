"""What a client reads: PDFs without command names, config keys, English sentences or units after 暂缺."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import subprocess
import typing
from pathlib import Path

import pytest

from reportbot.config import Config
from reportbot.kinds import Month
from reportbot.pipeline import report as report_case
from tests.conftest import fixed_now

MONTHS = ("2022-06", "2025-04", "2026-08")
TOKEN = r"[A-Za-z0-9][\w.\[\]()'-]*"
RUN = re.compile(rf"(?:{TOKEN}[ ,:;]+){{3,}}{TOKEN}")
SECTION = re.compile(r"\[[a-z_]+\]")


def english_sentences(text: str) -> list[str]:
    """Runs of four or more Latin tokens of which at least three are words (numbers in tables do not count)."""
    return [run for run in RUN.findall(text) if sum(1 for w in re.findall(r"[A-Za-z]{2,}", run)) >= 3]


def _config_keys(cls: type = Config) -> set[str]:
    keys: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if dataclasses.is_dataclass(hints[f.name]):
            keys |= _config_keys(hints[f.name])
        elif "_" in f.name:
            keys.add(f.name)
    return keys


@pytest.fixture(scope="module")
def pdf_texts(session_config: Config, session_store: sqlite3.Connection) -> dict[str, str]:
    out = {}
    for month in MONTHS:
        pdf = report_case.render_monthly(session_config, session_store, fixed_now, Month.parse(month))[0]
        out[month] = _text(pdf)
    brief = report_case.render_ipo_brief(session_config, session_store, fixed_now, "920580")[0]  # no prediction
    out["920580"] = _text(brief)
    return out


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("doc", [*MONTHS, "920580"])
def test_no_command_names_config_keys_or_english(pdf_texts: dict[str, str], doc: str) -> None:
    text = pdf_texts[doc]
    flat = text.replace("\n", " ")
    assert "reportbot " not in flat and "reportbot" not in text
    assert not SECTION.findall(flat)
    assert not [k for k in _config_keys() if re.search(rf"\b{k}\b", flat)]
    assert english_sentences(flat) == []


@pytest.mark.parametrize("month", MONTHS)
def test_a_unit_only_follows_a_number(pdf_texts: dict[str, str], month: str) -> None:
    flat = pdf_texts[month].replace("\n", " ")
    assert not re.search(r"暂缺\s*(?:亿元|万元|元|天|只|倍|%|个百分点)", flat)
    assert "暂缺（暂缺）" not in flat


def test_the_checks_can_fail() -> None:
    assert english_sentences("IPO 920580: fewer than 30 outcomes known before 2022-04-25")
    assert english_sentences("模型（OLS+Logit） 125 0.316 88.46 36.79 74.3%") == []
    assert SECTION.findall("([model].min_train_size)") and "min_train_size" in _config_keys()
