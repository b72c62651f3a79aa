"""Registering the fonts with Qt: without the bundled CJK font Chinese text draws as
boxes, and without the fallback chain a rare name character (䶮, 𠮷: CJK Extensions
A–H, GB 18030-2022) does.

The chain is the one the printed documents use (counter/printing/fonts.py), so the
screen, the board and the paper agree on which characters a name can hold. The
fallbacks are added to the application's font database, so Qt's own per-character
fallback can find them, and named after the bundled family in the application font,
so they are tried first on any platform (Windows' fallback list knows none of them).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from counter.assets import FONT_FAMILY, font_path
from counter.printing import font_files as chain

log = logging.getLogger("counter.ui")


class FontError(RuntimeError):
    pass


_fallback_families: list[str] | None = None


def fallback_families() -> list[str]:
    """Add the chain's fonts to Qt once per process (each test's window asks again) and
    return their families in chain order; a missing font is logged by the chain."""
    global _fallback_families
    if _fallback_families is None:
        families: list[str] = []
        for path in chain.fallback_paths():
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.error("无法加载生僻字字体 %s：生僻字将显示为方框", path)
                continue
            families += QFontDatabase.applicationFontFamilies(font_id)
        _fallback_families = list(dict.fromkeys(families))
    return _fallback_families


def install_font(app: QApplication, point_size: int = 11) -> QFont:
    font_id = QFontDatabase.addApplicationFont(str(font_path()))
    if font_id < 0:
        raise FontError(f"无法加载字体文件 {font_path()}")
    families = QFontDatabase.applicationFontFamilies(font_id)
    family = FONT_FAMILY if FONT_FAMILY in families else families[0]
    font = QFont(family, point_size)
    font.setFamilies([family, *fallback_families()])
    app.setFont(font)
    return font
