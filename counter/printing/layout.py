"""What every printed document shares: styles, barcodes, the header and the signature block.

Documents are built with platypus so Chinese text wraps (``wordWrap='CJK'``) and long
tables continue on the next page with their header row repeated, never cut off.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.rl_config import _FUZZ

from counter.model.identity import mask_id, mask_phone
from counter.printing import fonts
from counter.printing.fonts import FONT, HEI, SERIF, register

INK = colors.black
GREY = colors.Color(0.35, 0.35, 0.35)
RULE = colors.Color(0.55, 0.55, 0.55)


#: Characters no line may start with (GB/T 15834 punctuation; the "避头" rule of Chinese
#: line breaking): closing brackets and quotes, the pause, stops and marks, the ellipsis
#: and dash halves, and the iteration and small kana marks reportlab already knew.
NO_LINE_START = (
    "，。、；：？！）》〉」』】〕〗〙〛］｝’”…—～·・％‰℃°′″"
    ",.;:?!)]}%" + rl_paragraph.ALL_CANNOT_START
)
#: Characters no line may end with ("避尾"): opening brackets and quotes.
NO_LINE_END = "（《〈「『【〔〖〘〚［｛‘“([{" + "￥＄$£#§"


def _unit_width(u: object, max_width: float) -> float:
    w = u.width  # type: ignore[attr-defined]
    if hasattr(w, "normalizedValue"):
        w._normalizer = max_width
        w = w.normalizedValue(max_width)
    return float(w)


def _line_ends(
    chars: Sequence[str],
    width_of: Callable[[int, float], float],
    max_widths: Sequence[float],
    forced: Callable[[int], bool] = lambda _i: False,
) -> list[int]:
    """Where each line ends (exclusive index), filling lines greedily, then carrying
    characters over to the next line ("推出") until it neither starts with a closing
    mark (:data:`NO_LINE_START`) nor leaves an opening one (:data:`NO_LINE_END`) behind.
    In Latin text or digits the break goes back to a space when there is one near."""
    ends: list[int] = []
    i = start = 0
    used = 0.0
    max_width = max_widths[0]
    while i < len(chars):
        used += width_of(i, max_width)
        i += 1
        if forced(i - 1):
            end = i
        elif used > max_width + _FUZZ and used > 0:
            end = i - 1  # the next line starts with chars[end]
            if chars[end] and ord(chars[end][0]) < 0x3000:
                for j in range(i - 1, (start + i) >> 1, -1):
                    if chars[j] and (chars[j].isspace() or ord(chars[j][0]) >= 0x3000):
                        end = j + 1
                        break
            kept = end
            while start + 1 < kept < len(chars) and (
                chars[kept] in NO_LINE_START or chars[kept - 1] in NO_LINE_END
            ):
                kept -= 1
            end = kept if kept > start + 1 or end <= start + 1 else end
            end = max(end, start + 1)  # a unit wider than the line goes alone
        else:
            continue
        ends.append(end)
        max_width = max_widths[min(len(ends), len(max_widths) - 1)]
        i = start = end
        used = 0.0
    if start < len(chars):
        ends.append(len(chars))
    return ends


def _kinsoku_split(
    frags: list[object], max_widths: list[float], calc_bounds: bool, encoding: str = "utf8"
) -> object:
    """reportlab's ``cjkFragSplit`` (a paragraph of several runs) with :func:`_line_ends`.

    reportlab's list of characters that cannot start a line lacks the full-width comma,
    colon, semicolon, ！？ and 》, so 8 of 18 documents had lines starting with ，or 》
    (issue 29); and where it knows a character it hangs just that one in the margin, so
    ``）。`` still put 。 first on the next line, and a hung mark could leave a table cell.
    """
    units: list[Any] = []  # reportlab's cjkU: a character with its frag and width
    for f in frags:
        text = f.text  # type: ignore[attr-defined]
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            units.extend(rl_paragraph.cjkU(t, f, encoding) for t in text)
        else:
            units.append(rl_paragraph.cjkU(text, f, encoding))
    widths: list[float] = []
    ends = _line_ends(
        [str(u) for u in units],
        lambda i, max_width: _unit_width(units[i], max_width),
        max_widths,
        lambda i: hasattr(units[i].frag, "lineBreak"),
    )
    lines = []
    start = 0
    for n, end in enumerate(ends):
        max_width = max_widths[min(n, len(max_widths) - 1)]
        widths = [_unit_width(u, max_width) for u in units[start:end]]
        line_break = hasattr(units[end - 1].frag, "lineBreak")
        last = n == len(ends) - 1 and not line_break
        lines.append(
            rl_paragraph.makeCJKParaLine(
                units[start:end],
                max_width,
                sum(widths),
                max_width - sum(widths),
                line_break and not last,
                calc_bounds,
            )
        )
        start = end
    return rl_paragraph.ParaLines(kind=1, lines=lines)


def _kinsoku_word_split(
    word: str,
    max_widths: float | Sequence[float],
    font_name: str,
    font_size: float,
    encoding: str = "utf8",
) -> list[list[object]]:
    """reportlab's ``wordSplit`` (a paragraph of one run) with :func:`_line_ends`."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if isinstance(word, bytes):
        word = word.decode(encoding)
    widths_of = [float(max_widths)] if isinstance(max_widths, (int, float)) else list(max_widths)
    widths = [stringWidth(c, font_name, font_size) for c in word]
    ends = _line_ends(list(word), lambda i, _m: widths[i], widths_of)
    lines: list[list[object]] = []
    start = 0
    for n, end in enumerate(ends):
        max_width = widths_of[min(n, len(widths_of) - 1)]
        text = word[start:end]
        lines.append(
            [max_width - sum(widths[start:end]), text if end == len(word) else text.strip()]
        )
        start = end
    return lines


rl_paragraph.wordSplit = _kinsoku_word_split
rl_paragraph.cjkFragSplit = _kinsoku_split


def style(
    size: float = 10.5,
    *,
    align: int = TA_LEFT,
    leading: float | None = None,
    space_before: float = 0,
    space_after: float = 0,
    color: colors.Color = INK,
    indent: float = 0,
    font: str = SERIF,
) -> ParagraphStyle:
    """A paragraph style; the body is Song (:data:`SERIF`), headings pass ``font=HEI``."""
    return ParagraphStyle(
        f"s{size}-{align}-{indent}-{font}",
        fontName=font,
        fontSize=size,
        leading=leading if leading is not None else size * 1.45,
        alignment=align,
        spaceBefore=space_before,
        spaceAfter=space_after,
        textColor=color,
        firstLineIndent=indent,
        wordWrap="CJK",
    )


BODY = style(11, space_after=3)
PARA = style(11, space_after=4, indent=22)
SMALL = style(9, color=GREY)
CELL = style(9.5, leading=13)
CELL_C = style(9.5, leading=13, align=TA_CENTER)
HEAD_C = style(9.5, leading=13, align=TA_CENTER, font=HEI)
TITLE = style(20, align=TA_CENTER, leading=28, space_after=2, font=HEI)
HALL = style(12, align=TA_CENTER, leading=16, font=HEI)
HEADING = style(11, space_before=4, space_after=3, font=HEI)
RIGHT = style(10.5, align=TA_RIGHT)
CENTER = style(10.5, align=TA_CENTER)


def _paragraph(text: str, st: ParagraphStyle) -> Paragraph:
    """Every paragraph is made here: reportlab needs the font registered to parse one,
    and reading the font file (0.13 s) waits until a document is being made. Here too
    each run of rare characters the style's font lacks gets its fallback font, so a name
    such as 王䶮 reaches the page and the text layer whole."""
    register(st.fontName)
    return Paragraph(fonts.markup(text, st.fontName), st)


def p(text: str, st: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped); use :func:`markup` for intentional tags."""
    return _paragraph(escape(text), st)


def markup(text: str, st: ParagraphStyle = BODY) -> Paragraph:
    return _paragraph(text, st)


def spaced(*parts: str, st: ParagraphStyle = BODY) -> Paragraph:
    """Fields on one line with a visible gap (Paragraph collapses ordinary spaces)."""
    gap = "&nbsp;" * 6
    return _paragraph(gap.join(escape(x) for x in parts if x), st)


def field(label: str, value: str, st: ParagraphStyle = BODY) -> Paragraph:
    return _paragraph(f"<font color='#555555'>{escape(label)}：</font>{escape(value)}", st)


def shown_id(number: str, unmask: bool) -> str:
    return number if unmask else mask_id(number)


def shown_phone(number: str, unmask: bool) -> str:
    return number if unmask or not number else mask_phone(number)


def stamp(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def barcode(value: str, *, bar_width: float = 0.33 * mm, height: float = 11 * mm) -> Flowable:
    """Code128 (subset B, with quiet zones) of a case or ticket number."""
    return code128.Code128(
        value, barWidth=bar_width, barHeight=height, humanReadable=False, quiet=1, fontName=FONT
    )


class TickBox(Flowable):  # type: ignore[misc]  # reportlab ships no types
    """An empty square to tick by hand (the font's □ is too small to mark)."""

    def __init__(self, size: float) -> None:
        super().__init__()
        self.width = self.height = size
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


def tick_box(size: float = 4 * mm) -> TickBox:
    return TickBox(size)


class QrCode(Flowable):  # type: ignore[misc]  # reportlab ships no types
    """A QR code drawn as filled runs of modules, with a 4-module quiet zone.

    The matrix comes from ``qrcode`` (error correction M); drawing it directly is many
    times faster than reportlab's QR widget, which re-encodes on every measure and draw.
    """

    def __init__(self, value: str, size: float) -> None:
        super().__init__()
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(value)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        n = len(self.matrix)
        module = self.width / n
        canvas.setFillColor(INK)
        for row_index, row in enumerate(self.matrix):
            y = self.height - (row_index + 1) * module
            col = 0
            while col < n:
                if not row[col]:
                    col += 1
                    continue
                start = col
                while col < n and row[col]:
                    col += 1
                canvas.rect(start * module, y, (col - start) * module, module, stroke=0, fill=1)


def qr(value: str, size: float = 24 * mm) -> QrCode:
    return QrCode(value, size)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    *,
    centred: Sequence[int] = (),
) -> Table:
    """A ruled table whose header row repeats on every page it spills onto."""
    data: list[list[Flowable]] = [[p(h, HEAD_C) for h in header]]
    for row in rows:
        data.append(
            [
                cell if not isinstance(cell, str) else p(cell, CELL_C if n in centred else CELL)
                for n, cell in enumerate(row)
            ]
        )
    t = Table(data, colWidths=list(widths), repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                *[("ALIGN", (n, 0), (n, -1), "CENTER") for n in centred],
            ]
        )
    )
    return t


def fitted_barcode(value: str, width: float, *, height: float = 11 * mm) -> Flowable:
    """Code128 with the widest module (≤ 0.33 mm) that still fits ``width``."""
    modules = code128.Code128(value, barWidth=1, humanReadable=False, quiet=1).width
    return barcode(value, bar_width=min(0.33 * mm, width / modules), height=height)


def header_block(hall: str, title: str, number: str, width: float) -> Table:
    """The number's codes in a band of their own, then hall and title centred (GB/T 9704).

    The title used to sit left of the Code128 and QR, off the page's axis; now the codes
    take the top corners (where an official document has its 份号) and the title is
    centred on the full width below them, in 黑体, with a rule under it.
    """
    wide = width > 130 * mm
    qr_size = 20 * mm if wide else 16 * mm
    code_w = min(62 * mm, width - qr_size - 6 * mm)
    title_size = (22 if len(title) <= 8 else 18) if wide else 17
    code_cell = [
        fitted_barcode(number, code_w, height=9 * mm),
        p(f"编号：{number}", style(8.5, color=GREY, leading=11)),
    ]
    heading = [
        p(hall, style(13 if wide else 11, align=TA_CENTER, leading=18, font=HEI)),
        p(title, style(title_size, align=TA_CENTER, leading=title_size * 1.4, font=HEI)),
    ]
    t = Table(
        [[code_cell, qr(number, qr_size)], [heading, ""]],
        colWidths=[width - qr_size, qr_size],
    )
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("SPAN", (0, 1), (1, 1)),
                ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, 1), 1.2, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, 0), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 2),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
            ]
        )
    )
    return t


def sign_block(
    left: Sequence[str], right: Sequence[str], width: float, height: float = 44 * mm
) -> Table:
    """Two columns: who signs on the left, the seal place on the right (boxed, empty);
    a paper nobody seals (出件回执) gives an empty label and gets no box."""
    t = Table(
        [[[p(x, style(11, leading=24)) for x in left], [p(x, CENTER) for x in right]]],
        colWidths=[width * 0.55, width * 0.45],
        rowHeights=[height],
    )
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                *([("BOX", (1, 0), (1, 0), 0.5, RULE)] if right and right[0] else []),
            ]
        )
    )
    return t


@dataclass(frozen=True)
class RunningHead:
    """Small line on every page after the first: hall, document, number; page numbers below."""

    hall: str
    title: str
    number: str

    def first(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        self._footer(canvas, doc)

    def later(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        top = doc.pagesize[1] - doc.topMargin + 8 * mm
        fonts.draw_string(canvas, doc.leftMargin, top, f"{self.hall}  {self.title}（续）", 9)
        right = doc.pagesize[0] - doc.rightMargin
        fonts.draw_string(canvas, right, top, f"编号：{self.number}", 9, anchor="end")
        canvas.setStrokeColor(RULE)
        canvas.line(doc.leftMargin, top - 2 * mm, doc.pagesize[0] - doc.rightMargin, top - 2 * mm)
        canvas.restoreState()
        self._footer(canvas, doc)

    def _footer(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        fonts.draw_string(
            canvas, doc.pagesize[0] / 2, 9 * mm, f"第 {doc.page} 页", 9, anchor="middle"
        )
        canvas.restoreState()


def build(
    story: list[Flowable],
    pagesize: tuple[float, float],
    *,
    title: str,
    author: str,
    margins: float = 18 * mm,
    top: float | None = None,
    on_first: Callable[[Canvas, SimpleDocTemplate], None] | None = None,
    on_later: Callable[[Canvas, SimpleDocTemplate], None] | None = None,
) -> bytes:
    """Lay out a story; ``invariant`` makes the same data give the same bytes."""
    register()  # a story may hold no paragraph (see _paragraph)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margins,
        rightMargin=margins,
        topMargin=top if top is not None else margins,
        bottomMargin=margins,
        title=title,
        author=author,
        creator="Counter",
        invariant=1,
        initialFontName=FONT,
    )
    noop: Callable[[Canvas, SimpleDocTemplate], None] = lambda _c, _d: None  # noqa: E731
    doc.build(story, onFirstPage=on_first or noop, onLaterPages=on_later or noop)
    return buffer.getvalue()
