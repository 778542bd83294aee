"""The prepared font: TrueType outlines, our subset, its own family, cached on the source's hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from reportbot.config import Config
from reportbot.errors import RenderError
from reportbot.pipeline import report as report_case
from reportbot.render import fonts


def test_prepared_font_is_a_truetype_subset(config: Config) -> None:
    prepared = report_case.report_font(config)
    assert prepared.family == fonts.PREPARED_FAMILY
    font = TTFont(str(prepared.path))
    assert "glyf" in font and "CFF " not in font
    cmap = font.getBestCmap()
    for char in "北交所新股月报首日涨幅暂缺环比分位数%−0123456789ABC（）、峆":
        assert ord(char) in cmap, char
    assert font["name"].getDebugName(1) == fonts.PREPARED_FAMILY
    assert prepared.path.stat().st_size < 3_000_000


def test_cache_is_reused_and_keyed_on_the_source(config: Config, tmp_path: Path) -> None:
    first = report_case.report_font(config)
    mtime = first.path.stat().st_mtime_ns
    assert report_case.report_font(config).path == first.path
    assert first.path.stat().st_mtime_ns == mtime  # not rebuilt
    source = fonts.find_cjk_font(None, config.fonts.family)
    copy = tmp_path / "copy.ttc"
    shutil.copy(source.path, copy)
    with copy.open("ab") as fh:
        fh.write(b"\0")  # a different source file gets a different cache entry
    assert fonts.prepared_path(fonts.CjkFont(copy, source.family), first.path.parent) != first.path
    before = fonts.prepared_path(fonts.CjkFont(copy, source.family), first.path.parent)
    with copy.open("ab") as fh:
        fh.write(b"\0")  # the same file changed in place gets a new entry too
    assert fonts.prepared_path(fonts.CjkFont(copy, source.family), first.path.parent) != before


def test_unknown_family_is_an_error(tmp_path: Path) -> None:
    source = fonts.find_cjk_font(None, "No Such Family")
    with pytest.raises(RenderError, match="no face named 'No Such Family'"):
        fonts.prepare_font(source, tmp_path)
