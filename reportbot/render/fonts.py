"""The one CJK font that matplotlib and the PDF share, prepared once for fast PDF rendering.

Stock WeasyPrint spends seconds subsetting the system Noto Sans CJK (CFF outlines, 65,535 glyphs in a
TTC) for every document. :func:`prepare_font` does that work once: it takes Noto Sans CJK SC out of
the collection, keeps only the characters our reports can contain (GB2312, ASCII, common punctuation,
a few extra characters found in company names), converts the cubic CFF outlines to quadratic TrueType
outlines (cu2qu) and caches the result in ``[fonts].cache_dir`` under a name derived from the source
font's path, size and modification time, so a changed source font is prepared again. Characters
outside the subset still print: the stylesheet and matplotlib fall back to the system font for them
(slower, but correct).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportbot.errors import RenderError

log = logging.getLogger(__name__)

CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)
INSTALL_HINT = "install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk) or set [fonts].cjk_font"

PREPARED_FAMILY = "Reportbot Sans SC"
FALLBACK_FAMILY = "Noto Sans CJK SC"  # characters outside the prepared subset
PREP_VERSION = "1"  # bump when the subset or the conversion changes
# Characters outside GB2312 that our texts use (typographic marks) or that occur in BSE company names.
EXTRA_CHARS = "–—−‰≤≥×÷±→←↑↓·…“”‘’•●○■□▲△▼▽★☆※°℃①②③④⑤⑥⑦⑧⑨⑩峆昇橦"
_RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1 punctuation and signs
    (0x2000, 0x206F),  # general punctuation
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)


@dataclass(frozen=True)
class CjkFont:
    """A font file and the family name it provides."""

    path: Path
    family: str


def find_cjk_font(configured: Path | None, family: str) -> CjkFont:
    """Return the configured font, or the first Noto Sans CJK found on the system.

    Raises:
        RenderError: no CJK font is available (says how to install one).
    """
    if configured is not None:
        if not configured.is_file():
            raise RenderError(f"[fonts].cjk_font: file not found: {configured}")
        return CjkFont(configured, family)
    for path in CANDIDATES:
        if path.is_file():
            return CjkFont(path, family)
    raise RenderError(f"no CJK font found (looked in {', '.join(map(str, CANDIDATES))}): {INSTALL_HINT}")


def subset_characters() -> str:
    """Every character the prepared font covers: GB2312, ASCII, punctuation and :data:`EXTRA_CHARS`."""
    chars = {chr(c) for lo, hi in _RANGES for c in range(lo, hi + 1)}
    for hi_byte in range(0xA1, 0xF8):
        for lo_byte in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi_byte, lo_byte)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars.update(EXTRA_CHARS)
    return "".join(sorted(chars))


def prepared_path(source: CjkFont, cache_dir: Path) -> Path:
    """Where the prepared font for ``source`` lives: named after the source file and our version.

    The source is identified by its resolved path, size and modification time (a stat, not a hash of its
    20 MB: that took 40 ms in every cold process); another file or a changed one gets another name.
    """
    stat = source.path.stat()
    identity = f"{source.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{source.family}|{PREP_VERSION}"
    return cache_dir / f"reportbot-sans-sc-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.ttf"


def prepare_font(source: CjkFont, cache_dir: Path) -> CjkFont:
    """Return the prepared TrueType subset of ``source``, building and caching it on first use.

    Raises:
        RenderError: the source has no face named ``source.family`` or cannot be converted.
    """
    target = prepared_path(source, cache_dir)
    if target.is_file():
        return CjkFont(target, PREPARED_FAMILY)
    log.info("preparing %s from %s (once; cached in %s)", source.family, source.path, cache_dir)
    try:
        font = _load_face(source)
        _subset(font, subset_characters())
        _cff_to_truetype(font)
        _rename(font, PREPARED_FAMILY)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
        font.save(str(tmp))
        tmp.replace(target)
    except RenderError:
        raise
    except Exception as exc:  # fontTools raises many types; report them as one
        raise RenderError(f"preparing font {source.path} ({source.family}) failed: {exc}") from exc
    log.info("prepared font %s (%d bytes)", target, target.stat().st_size)
    return CjkFont(target, PREPARED_FAMILY)


def _load_face(source: CjkFont) -> Any:
    from fontTools.ttLib import TTCollection, TTFont

    if source.path.suffix.lower() not in (".ttc", ".otc"):
        return TTFont(str(source.path))
    for face in TTCollection(str(source.path)).fonts:
        if face["name"].getDebugName(1) == source.family:
            return face
    raise RenderError(f"font collection {source.path} has no face named {source.family!r} ([fonts].family)")


def _subset(font: Any, chars: str) -> None:
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["kern"]  # "locl"/"vert" would pull in thousands of JP/KR/vertical forms
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    quiet = logging.getLogger("fontTools.subset")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # fontTools lists every glyph at INFO
    try:
        subsetter.subset(font)
    finally:
        quiet.setLevel(level)


def _cff_to_truetype(font: Any) -> None:
    """Replace the CFF table by glyf/loca with quadratic outlines (max error 1 unit at 1000 upem)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    tt = font
    if "CFF " not in tt:
        return
    glyph_set = tt.getGlyphSet()
    order = tt.getGlyphOrder()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    tt["glyf"] = glyf
    tt["loca"] = newTable("loca")
    del tt["CFF "]
    if "VORG" in tt:
        del tt["VORG"]
    _truetype_maxp(tt["maxp"])
    tt["head"].glyphDataFormat = 0
    tt["post"].formatType = 2.0
    tt["post"].extraNames = []
    tt["post"].mapping = {}
    tt.sfntVersion = "\x00\x01\x00\x00"


def _truetype_maxp(maxp: Any) -> None:
    """Set maxp to version 1.0 (TrueType) with no hinting resources."""
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1


def _rename(font: Any, family: str) -> None:
    """Give the prepared font its own family so it never shadows the system font."""
    names = font["name"]
    postscript = family.replace(" ", "") + "-Regular"
    for record in names.names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID == 4:
            record.string = f"{family} Regular"
        elif record.nameID == 6:
            record.string = postscript
        elif record.nameID == 3:
            record.string = f"{postscript};{PREP_VERSION}"
