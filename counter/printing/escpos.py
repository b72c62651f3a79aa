"""Tickets and short receipts as ESC/POS bytes for thermal printers (58 and 80 mm).

Chinese goes as GB18030 after ``FS &`` (Chinese character mode). python-escpos's own
text path picks Western code pages, so text is sent raw; its Dummy printer builds the
Code128, QR, image and cut commands. A line holding a character the printer's font
lacks (outside GBK: rare name characters such as 䶮 or 𠮷, emoji) is drawn with the
font chain of counter/printing/fonts.py (the bundled font, then the CJK Extension A–H
fallbacks) and sent as a raster image instead, so a name is never printed as ``?``
nor as a box.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from counter.model.notice import Notice
from counter.model.notice_text import RATING_NOTE, RATING_TITLE, Masking
from counter.model.slips import TicketSlip
from counter.printing import fonts

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
LF = b"\n"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}


@dataclass(frozen=True)
class Profile:
    """One roll width: columns of Font A (12×24 dots) and printable dots per line."""

    paper_mm: int
    dots: int
    columns: int
    barcode_module: int  # dots per Code128 module
    qr_module: int

    @property
    def name(self) -> str:
        return f"{self.paper_mm} mm"


PROFILES = {
    80: Profile(80, 576, 48, 3, 6),
    58: Profile(58, 384, 32, 2, 4),
}


def printable(text: str) -> bool:
    """True when every character is in GBK, the set a Chinese printer font covers."""
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def columns(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap(text: str, width: int) -> list[str]:
    """Break on display columns (a Chinese character takes two); never drops a character."""
    lines: list[str] = []
    current, used = "", 0
    for ch in text:
        w = columns(ch)
        if used + w > width and current:
            lines.append(current)
            current, used = "", 0
        current += ch
        used += w
    if current or not lines:
        lines.append(current)
    return lines


@lru_cache(maxsize=16)
def _font(path: str, index: int, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, pixels, index=index)


def text_image(text: str, dots: int, size: int, align: str) -> Image.Image:
    """One line, 1-bit, as wide as the printable area: each run in the first font of the
    chain that has its characters, on one baseline."""
    pixels = 22 * size
    height = 24 * size + 4
    image = Image.new("1", (dots, height), 1)
    draw = ImageDraw.Draw(image)
    pieces = [
        (_font(str(path), index, pixels), piece) for path, index, piece in fonts.pillow_runs(text)
    ]
    width = sum(draw.textlength(piece, font=font) for font, piece in pieces)
    x = max(0.0, {"left": 0.0, "center": (dots - width) / 2, "right": dots - width}[align])
    baseline = 2 + round(pixels * 0.95)  # the bundled font's ascent: the fallbacks' differ
    for font, piece in pieces:
        draw.text((x, baseline), piece, font=font, fill=0, anchor="ls")
        x += draw.textlength(piece, font=font)
    return image


class SlipWriter:
    """Builds one slip's bytes; every printer-specific decision is made here."""

    def __init__(self, profile: Profile) -> None:
        # python-escpos loads its printer capability database on import (0.15 s): at
        # the first slip, not while the window opens.
        from escpos.printer import Dummy

        self.profile = profile
        self.printer = Dummy()
        # The generic profile knows no paper width; give this instance its own copy
        # that does (the class-level data is shared by every printer object).
        data = dict(self.printer.profile.profile_data)
        data["media"] = {"dpi": 203, "width": {"mm": profile.paper_mm, "pixels": profile.dots}}
        self.printer.profile.profile_data = data
        self.printer._raw(INIT + CHINESE_ON)

    def raw(self, data: bytes) -> None:
        self.printer._raw(data)

    def text(self, text: str, *, size: int = 1, align: str = "left", bold: bool = False) -> None:
        """Wrapped to the roll; each line as GB18030 text, or as an image if the font lacks it."""
        self.raw(ALIGN[align] + GS + b"!" + bytes([(size - 1) << 4 | (size - 1)]))
        self.raw(ESC + b"E" + (b"\x01" if bold else b"\x00"))
        for line in wrap(text, self.profile.columns // size):
            if printable(line):
                self.raw(line.encode("gb18030") + LF)
            else:
                self.printer.image(text_image(line, self.profile.dots, size, align), center=False)
        self.raw(GS + b"!\x00" + ESC + b"E\x00" + ALIGN["left"])

    def rule(self) -> None:
        self.raw(b"-" * self.profile.columns + LF)

    def code128(self, value: str, module: int | None = None) -> None:
        """``GS k`` 73, subset B, human-readable line off (printed as text below)."""
        data = b"{B" + value.encode("ascii")
        self.raw(
            ALIGN["center"]
            + GS + b"h" + bytes([72])
            + GS + b"w" + bytes([module or self.profile.barcode_module])
            + GS + b"H\x00"
            + GS + b"kI" + bytes([len(data)]) + data
            + LF
        )  # fmt: skip

    def code128_module(self, value: str) -> int | None:
        """The widest module (3 or 2 dots) at which the code fits the roll, or None.

        Below 2 dots (0.25 mm) a handheld scanner no longer reads it reliably.
        """
        modules = (len(value) + 3) * 11 + 2 + 20  # start, check, stop, quiet zones
        for module in (self.profile.barcode_module, 2):
            if modules * module <= self.profile.dots:
                return module
        return None

    def qr(self, value: str) -> None:
        self.raw(ALIGN["center"])
        self.printer.qr(value, native=True, size=self.profile.qr_module)
        self.raw(ALIGN["left"])

    def finish(self) -> bytes:
        self.raw(LF * 3)
        self.printer.cut()
        return bytes(self.printer.output)


def ticket_escpos(slip: TicketSlip, paper_mm: int = 80) -> bytes:
    w = SlipWriter(PROFILES[paper_mm])
    w.text(slip.hall_name, align="center")
    w.text("排队号", align="center")
    w.text(slip.number, size=4 if paper_mm == 80 else 3, align="center", bold=True)
    w.text(slip.category, size=2, align="center")
    if slip.lane_line:
        w.text(slip.lane_line, align="center")
    w.text(f"您前面还有 {slip.waiting_ahead} 人等候", align="center")
    w.text(slip.issued_at.strftime("%Y-%m-%d %H:%M"), align="center")
    w.code128(slip.ticket_id)
    w.text(slip.ticket_id, align="center")
    if slip.qr_url:
        w.text(slip.qr_caption, align="center")
        w.qr(slip.qr_url)
    if slip.footer:
        w.text(slip.footer, align="center")
    return w.finish()


def receipt_escpos(notice: Notice, paper_mm: int = 80, *, masking: Masking | None = None) -> bytes:
    """A short receipt (办结 / 出件) on the roll: who, what, when, the case number as codes.

    A case number is longer than a ticket id; where its Code128 would not fit the roll
    at a scannable module width (58 mm), only the QR is printed.
    """
    w = SlipWriter(PROFILES[paper_mm])
    w.text(notice.hall_name, align="center")
    w.text(notice.title, size=2, align="center", bold=True)
    w.rule()
    w.text(f"编号：{notice.case_number}")
    a = notice.applicant
    number = (masking or Masking.on_paper()).identifier(a.id_kind, a.id_number)
    w.text(f"申请人：{a.name}")
    w.text(f"{a.id_kind}：{number}")
    for item in notice.items:
        w.text(f"事项：{item}")
    for m in notice.received:
        w.text(f"· {m.name}" + (f" {m.copies} 份" if m.copies else ""))
    w.text(f"窗口：{notice.window}  经办人：{notice.clerk}")
    w.text(f"时间：{notice.issued_at.strftime('%Y-%m-%d %H:%M')}")
    if notice.contact:
        w.text(f"咨询电话：{notice.contact}")
    w.rule()
    module = w.code128_module(notice.case_number)
    if module is not None:
        w.code128(notice.case_number, module)
    w.qr(notice.case_number)
    if notice.rating_url:
        # 好差评 (README): every hand-over receipt carries the QR to rate the case, on the
        # roll as on the A5 receipt; the note says "below", the roll has no right side.
        w.rule()
        w.text(RATING_TITLE, align="center", bold=True)
        w.text(RATING_NOTE.replace("右侧", "下方"))
        w.qr(notice.rating_url)
        w.rule()
    w.text("领取人签字：", align="left")
    w.raw(LF * 2)
    return w.finish()
