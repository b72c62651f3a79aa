from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication

from counter.assets import FONT_FAMILY, font_path
from counter.ui.fonts import install_font


def render(text: str, font: QFont) -> QImage:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def test_the_bundled_font_ships_with_its_licence() -> None:
    assert font_path().is_file()
    assert (font_path().parent / "LICENSE-wqy-microhei.txt").is_file()


def test_chinese_characters_render_as_distinct_glyphs_not_boxes(qapp: QApplication) -> None:
    font = install_font(qapp, 28)
    assert font.family() == FONT_FAMILY
    first, second = render("受", font), render("理", font)
    assert first != second
    blank = render(" ", font)
    assert first != blank and second != blank


def test_reportlab_and_pillow_can_use_the_same_font() -> None:
    from PIL import ImageFont
    from reportlab.pdfbase.ttfonts import TTFont

    assert TTFont("WQY", str(font_path()), subfontIndex=0).face.name
    assert ImageFont.truetype(str(font_path()), 20, index=0).getname()[0] == FONT_FAMILY
