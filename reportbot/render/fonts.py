"""Locate the one CJK font that matplotlib and the PDF share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportbot.errors import RenderError

CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)
INSTALL_HINT = "install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk) or set [fonts].cjk_font"


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
