"""Registering the bundled CJK font with Qt: without it Chinese text draws as boxes."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from counter.assets import FONT_FAMILY, font_path


class FontError(RuntimeError):
    pass


def install_font(app: QApplication, point_size: int = 11) -> QFont:
    font_id = QFontDatabase.addApplicationFont(str(font_path()))
    if font_id < 0:
        raise FontError(f"无法加载字体文件 {font_path()}")
    families = QFontDatabase.applicationFontFamilies(font_id)
    family = FONT_FAMILY if FONT_FAMILY in families else families[0]
    font = QFont(family, point_size)
    app.setFont(font)
    return font
