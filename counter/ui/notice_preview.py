"""The on-screen preview of a notice: the very words the PDF prints, set out like the paper.

The words come from :func:`counter.model.notice_text.notice_paragraphs`, as the PDF's do
(``counter/printing/notices.py``), so what the clerk reads before handing the paper over
is what the applicant signs. This module only chooses how each block looks on screen.
"""

from __future__ import annotations

from html import escape
from typing import assert_never

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from counter.model.notice import Notice
from counter.model.notice_text import (
    Block,
    Field,
    Grid,
    GridKind,
    Masking,
    NoticeText,
    Rating,
    Role,
    Signatures,
    Spaced,
    Text,
    notice_paragraphs,
)

GREY = "#555555"
RULE = "#8c8c8c"
#: The gap the paper leaves between parts of one line (six spaces that do not collapse).
GAP = "&nbsp;" * 6

#: How each role of text looks on screen, after the paper's sizes (see STYLES in printing).
CSS = {
    Role.BODY: "text-indent: 22px; margin-bottom: 4px;",
    Role.HEADING: "margin-top: 8px; margin-bottom: 3px;",
    Role.DEADLINE: "font-size: 12pt; margin-top: 6px; margin-bottom: 2px;",
    Role.NOTE: f"font-size: 9pt; color: {GREY};",
    Role.TITLE: "font-size: 15pt; margin-top: 10px; margin-bottom: 4px;",
    Role.SIGN_HERE: "margin-top: 8px; margin-bottom: 8px;",
}

#: Column widths in per cent, as the paper shares out its columns.
WIDTHS = {
    GridKind.RECEIVED: (8, 46, 13, 11, 22),
    GridKind.MISSING: (8, 57, 35),
    GridKind.PROMISES: (8, 62, 30),
}

#: Columns of numbers and short forms, centred as on paper.
CENTRED = {
    GridKind.RECEIVED: (0, 2, 3),
    GridKind.MISSING: (0,),
    GridKind.PROMISES: (0, 2),
}

RATING_QR = QUrl("notice:rating-qr")


class NoticePreview(QTextBrowser):
    """Read-only view of one notice; it also shows plain messages (``setPlainText``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)

    def show_notice(self, notice: Notice, *, hide_id: bool = True, hide_phone: bool = True) -> None:
        """Show ``notice`` masked as the screen settings say (``mask_id``, ``mask_phone``)."""
        self.show_words(
            notice_paragraphs(notice, Masking.on_screen(hide_id=hide_id, hide_phone=hide_phone))
        )

    def show_words(self, words: NoticeText) -> None:
        """Lay out ``words``; the 好差评 QR goes in after ``setHtml``, which drops resources."""
        self.setHtml(notice_html(words))
        rating = next((b for b in words.blocks if isinstance(b, Rating)), None)
        if rating is not None:
            self.document().addResource(
                QTextDocument.ResourceType.ImageResource, RATING_QR, qr_image(rating.url)
            )


def notice_html(words: NoticeText) -> str:
    """The notice as Qt rich text: one paragraph or table cell per line of the paper."""
    # As on paper (GB/T 9704): the number small at the top left, under the barcode;
    # the hall and the title centred on the full width below it.
    head = (
        f"<p style='font-size: 9pt; color: #666;'>{escape(words.number_line)}</p>"
        f"<p align='center' style='font-size: 12pt;'>{escape(words.hall)}</p>"
        f"<p align='center' style='font-size: 20pt; font-weight: bold;'>{escape(words.title)}</p>"
        "<hr>"
    )
    return head + "".join(_block_html(block) for block in words.blocks)


def _block_html(block: Block) -> str:
    if isinstance(block, Field):
        return (
            f"<p style='margin-bottom: 3px;'><span style='color: {GREY};'>"
            f"{escape(block.label)}：</span>{escape(block.value)}</p>"
        )
    if isinstance(block, Text):
        align = " align='center'" if block.role is Role.TITLE else ""
        return f"<p{align} style='{CSS[block.role]}'>{escape(block.text)}</p>"
    if isinstance(block, Spaced):
        style = CSS[block.role] if block.role is Role.SIGN_HERE else "margin-top: 10px;"
        return f"<p style='{style}'>{GAP.join(escape(x) for x in block.parts)}</p>"
    if isinstance(block, Grid):
        return _grid_html(block)
    if isinstance(block, Rating):
        return (
            f"<table width='100%' border='1' cellspacing='0' cellpadding='6' "
            f"style='border-collapse: collapse; border-color: {RULE}; margin-top: 6px;'><tr>"
            f"<td valign='middle'><p>{escape(block.title)}</p>"
            f"<p style='{CSS[Role.NOTE]}'>{escape(block.note)}</p></td>"
            f"<td width='96' align='center'><img src='{RATING_QR.toString()}' width='80' "
            "height='80'></td></tr></table>"
        )
    if isinstance(block, Signatures):
        return _signatures_html(block)
    assert_never(block)


def _grid_html(grid: Grid) -> str:
    widths = WIDTHS[grid.kind]
    header = "".join(
        f"<th width='{w}%' bgcolor='#ebebeb'>{escape(h)}</th>"
        for w, h in zip(widths, grid.header, strict=True)
    )
    centred = CENTRED[grid.kind]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td align='{'center' if n in centred else 'left'}'>{escape(cell)}</td>"
            for n, cell in enumerate(row)
        )
        + "</tr>"
        for row in grid.rows
    )
    return (
        f"<table width='100%' border='1' cellspacing='0' cellpadding='4' "
        f"style='border-collapse: collapse; border-color: {RULE}; margin-bottom: 6px;'>"
        f"<tr>{header}</tr>{rows}</table>"
    )


def _signatures_html(block: Signatures) -> str:
    signer = "".join(f"<p style='margin-top: 10px;'>{escape(x)}</p>" for x in block.signer)
    seal = "".join(f"<p align='center'>{escape(x) or '&nbsp;'}</p>" for x in block.seal)
    return (
        "<table width='100%' cellspacing='0' cellpadding='8' style='margin-top: 10px;'><tr>"
        f"<td width='55%' valign='bottom'>{signer}</td>"
        f"<td width='45%' valign='middle' style='border: 1px solid {RULE};'>{seal}</td>"
        "</tr></table>"
    )


def qr_image(value: str, module: int = 4) -> QImage:
    """The QR code the paper prints beside the same words (error correction M, quiet zone)."""
    import qrcode  # with Pillow, 0.03 s: when a notice is first previewed

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(value)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    image = QImage(len(matrix), len(matrix), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    black = QColor("black").rgb()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.setPixel(x, y, black)
    side = len(matrix) * module
    return image.scaled(side, side, mode=Qt.TransformationMode.FastTransformation)
