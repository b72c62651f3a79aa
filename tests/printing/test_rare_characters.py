"""Issue 29, point 1: names with characters outside GBK reach every document whole.

PDFs are read back through their text layer (pypdf): a character the bundled font lacks
used to vanish from both page and text. The thermal slips draw such lines as raster
images; those are read back out of the ESC/POS bytes and compared with the same line
drawn in the bundled font alone, which is what printed "王□□".
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from pdf_helpers import fonts as pdf_fonts
from pdf_helpers import pages_text, text
from PIL import Image, ImageChops, ImageDraw, ImageFont
from samples import RARE_NAMES, RARE_PLACE, make_notice
from sqlite_utils import Database

import counter.assets
from counter.model.giftpack import Handover, MailingSlip, Recipient, SealVoucher
from counter.model.notice import Notice, NoticeKind
from counter.model.slips import TicketSlip
from counter.model.statistics import Dimension, Period, Report
from counter.model.visits import PrepareLine, PrepareList
from counter.printing import fonts
from counter.printing.escpos import PROFILES, receipt_escpos, text_image, ticket_escpos
from counter.printing.giftpack_papers import handover_pdf, mailing_slip_pdf, seal_voucher_pdf
from counter.printing.monthly_report import monthly_report_pdf
from counter.printing.notices import notice_pdf
from counter.printing.prepare_list import prepare_list_pdf
from counter.printing.tickets import ticket_pdf

RASTER = re.compile(rb"\x1dv0(.)(.)(.)(.)(.)", re.DOTALL)


def name(n: int) -> str:
    return RARE_NAMES[n % len(RARE_NAMES)]


def rare_notice(kind: NoticeKind, now: datetime, n: int) -> Notice:
    notice = make_notice(kind, now)
    applicant = replace(notice.applicant, name=name(n), agent_name=name(n + 1))
    return replace(notice, applicant=applicant, hall_name=RARE_PLACE, clerk=name(n + 2))


def assert_names_in(content: str, *names: str) -> None:
    for wanted in names:
        assert wanted in content, f"{wanted!r} ({[hex(ord(c)) for c in wanted]}) not in text"


# --- the chain itself ------------------------------------------------------------------


def test_every_font_of_the_chain_is_installed() -> None:
    """scripts/bootstrap.sh installs them (Debian packages); nothing is left to chance."""
    assert fonts.missing() == [], f"run: sudo apt-get install -y {' '.join(fonts.PACKAGES)}"


#: Assigned code points per block (Unicode 15.0; Ext I is not yet in any font).
BLOCKS = {
    "A": (0x3400, 0x4DBF),
    "B": (0x20000, 0x2A6DF),
    "C": (0x2A700, 0x2B739),
    "D": (0x2B740, 0x2B81D),
    "E": (0x2B820, 0x2CEA1),
    "F": (0x2CEB0, 0x2EBE0),
    "G": (0x30000, 0x3134A),
    "H": (0x31350, 0x323AF),
}
#: What the chain covers, character for character (docs/fonts.md): all of A–F, and of
#: G and H what BabelStone Han 15.0.5 draws; a newer package may only add to it.
COVERED_AT_LEAST = {
    "A": 6592, "B": 42720, "C": 4154, "D": 222, "E": 5762, "F": 7473, "G": 3045, "H": 2271,
}  # fmt: skip


def test_every_extension_character_a_chain_font_maps_has_an_outline() -> None:
    """A cmap entry pointing at an empty glyph would print a blank where the name goes;
    and only TrueType outlines (glyf) embed in reportlab's PDFs."""
    from fontTools.ttLib import TTFont

    covered = dict.fromkeys(BLOCKS, 0)
    union: set[int] = set()
    for path in fonts.fallback_paths():
        with TTFont(str(path), lazy=True) as font:
            assert "glyf" in font and "CFF " not in font, path
            cmap = font.getBestCmap()
            loca = font["loca"]
            empty = []
            for lo, hi in BLOCKS.values():
                for code in range(lo, hi + 1):
                    glyph = cmap.get(code)
                    if glyph is None:
                        continue
                    index = font.getGlyphID(glyph)
                    if loca[index + 1] - loca[index] == 0:
                        empty.append(hex(code))
                    union.add(code)
            assert not empty, f"{path.name}: mapped to empty glyphs: {empty[:20]}"
    for block, (lo, hi) in BLOCKS.items():
        covered[block] = sum(1 for code in range(lo, hi + 1) if code in union)
    for block, least in COVERED_AT_LEAST.items():
        assert covered[block] >= least, (block, covered[block])
    assert fonts.coverage() >= union


def test_each_rare_character_is_given_a_font_that_has_it() -> None:
    base = set(fonts._base_cmap(fonts.FONT))
    for person in (*RARE_NAMES, RARE_PLACE):
        for ch in person:
            chosen = fonts.font_for(ch)
            if ord(ch) in base:
                assert chosen == fonts.FONT
            else:
                fallback = next(f for f in fonts.CHAIN if f.name == chosen)
                assert ord(ch) in fonts._fallback_cmap(fallback), ch


def test_runs_keep_ascii_and_variation_selectors_with_their_neighbours() -> None:
    assert fonts.runs("申请人：王䶮 A") == [
        (fonts.FONT, "申请人：王"),
        ("BabelStoneHan", "䶮"),
        (fonts.FONT, " A"),
    ]
    assert fonts.runs("䶮\U000e0100") == [("BabelStoneHan", "䶮\U000e0100")]  # an IVS


def test_markup_never_cuts_a_tag_or_an_entity() -> None:
    marked = fonts.markup("<font color='#555555'>申请人：</font>王䶮&amp;𠮷")
    assert marked == (
        "<font color='#555555'>申请人：</font>王"
        '<font name="BabelStoneHan">䶮</font>&amp;<font name="BabelStoneHan">𠮷</font>'
    )


# --- PDFs: the text layer --------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_notice_kind_keeps_rare_names_in_its_text_layer(
    kind: NoticeKind, now: datetime
) -> None:
    n = list(NoticeKind).index(kind)
    pdf = notice_pdf(rare_notice(kind, now, n))
    assert_names_in(text(pdf), name(n), name(n + 2), RARE_PLACE)
    embedded = {str(f["base"]).split("+")[-1] for f in pdf_fonts(pdf)}
    assert "BabelStoneHan" in embedded or "HanaMinA" in embedded or "HanaMinB" in embedded
    assert all(f["embedded"] and f["subtype"] == "/TrueType" for f in pdf_fonts(pdf))


@pytest.mark.parametrize("person", RARE_NAMES)
def test_the_acceptance_notice_prints_each_rare_name(person: str, now: datetime) -> None:
    notice = make_notice(NoticeKind.ACCEPTED, now)
    notice = replace(notice, applicant=replace(notice.applicant, name=person))
    content = text(notice_pdf(notice))
    assert f"申请人：{person}" in content
    assert f"{person}：你（单位）" in content.replace("\n", "")


def test_the_running_head_of_later_pages_keeps_the_rare_place(now: datetime) -> None:
    notice = replace(make_notice(NoticeKind.SUPPLEMENT, now, missing=60), hall_name=RARE_PLACE)
    pages = pages_text(notice_pdf(notice))
    assert len(pages) > 1
    assert f"{RARE_PLACE}  一次性告知书（续）" in pages[1]


@pytest.mark.parametrize("paper", [80, 58])
def test_the_ticket_pdf_keeps_rare_characters(slip: TicketSlip, paper: int) -> None:
    pdf = ticket_pdf(replace(slip, hall_name=RARE_PLACE, footer=f"请{name(0)}到 3 号窗口"), paper)
    assert_names_in(text(pdf), RARE_PLACE, name(0))


def test_gift_pack_papers_keep_rare_names(
    handover: Handover, voucher: SealVoucher, mailing: MailingSlip
) -> None:
    who = Recipient(name(2), handover.recipient.id_number, handover.recipient.phone)
    pdf = handover_pdf(replace(handover, recipient=who, enterprise_name=f"{RARE_PLACE}有限公司"))
    assert_names_in(text(pdf), name(2), RARE_PLACE)
    pdf = seal_voucher_pdf(replace(voucher, legal_rep=name(4), clerk=name(5)))
    assert_names_in(text(pdf), name(4), name(5))
    pdf = mailing_slip_pdf(replace(mailing, recipient=replace(who, name=name(7)), clerk=name(8)))
    assert_names_in(text(pdf), name(7), name(8))


def test_the_prepare_list_keeps_rare_names(now: datetime) -> None:
    sheet = PrepareList(
        hall_name=RARE_PLACE,
        enterprise_name=f"{name(3)}餐饮有限公司",
        uscc="91350100M000100Y43",
        target_name="企业开办",
        specialist=name(6),
        made_at=now,
        ready=(),
        to_prepare=(PrepareLine(f"{name(9)}的身份证明", "复印件", 1, ""),),
        exempt=(),
    )
    assert_names_in(text(prepare_list_pdf(sheet)), RARE_PLACE, name(3), name(6), name(9))


def test_the_monthly_report_keeps_rare_names(db: Database, now: datetime) -> None:
    from benchmarks.hall_data import generate, write
    from tests.printing.test_monthly_report import statistics

    write(db, generate(date(2026, 8, 25), 10, tickets_per_day=5, intakes_per_day=3))
    report: Report = statistics(db).compute(Period.month(date(2026, 9, 1)), Dimension.CLERK, now)
    assert report.groups
    groups = tuple(replace(g, label=name(n)) for n, g in enumerate(report.groups))
    pdf = monthly_report_pdf(replace(report, groups=groups, scope=RARE_PLACE), RARE_PLACE)
    assert_names_in(text(pdf), RARE_PLACE, *(g.label for g in groups[:10]))


# --- the thermal slips: raster lines ---------------------------------------------------


def rasters(data: bytes) -> list[Image.Image]:
    """Every ``GS v 0`` raster image in ESC/POS bytes, as 1-bit images (black = 0)."""
    out = []
    for match in RASTER.finditer(data):
        _mode, xl, xh, yl, yh = (b[0] for b in match.groups())
        width, height = xl + 256 * xh, yl + 256 * yh
        start = match.end()
        bits = data[start : start + width * height]
        image = Image.frombytes("1", (width * 8, height), bytes(~b & 0xFF for b in bits))
        out.append(image)
    return out


def tofu_image(line: str, dots: int, size: int = 1) -> Image.Image:
    """The line as it printed before: the bundled font alone, boxes for what it lacks."""
    font = ImageFont.truetype(str(counter.assets.font_path()), 22 * size, index=0)
    image = Image.new("1", (dots, 24 * size + 4), 1)
    ImageDraw.Draw(image).text((0, 2 + round(22 * size * 0.95)), line, font=font, anchor="ls")
    return image


def same(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None
    )


def notdef_free(ch: str) -> bool:
    """``ch`` drawn by its font of the chain is not that font's .notdef box."""
    name_ = fonts.font_for(ch)
    path, index = fonts.font_file(name_)
    font = ImageFont.truetype(str(path), 48, index=index)

    def draw(c: str) -> Image.Image:
        image = Image.new("L", (64, 64), 255)
        ImageDraw.Draw(image).text((8, 56), c, font=font, anchor="ls")
        return image

    glyph = draw(ch)
    return glyph.getbbox() is not None and not same(glyph, draw("\U0010fffd"))


@pytest.mark.parametrize("person", RARE_NAMES)
def test_each_rare_character_is_a_real_glyph_not_a_box(person: str) -> None:
    for ch in person:
        assert notdef_free(ch), f"{ch} U+{ord(ch):X}"


@pytest.mark.parametrize("paper", [80, 58])
def test_the_thermal_receipt_draws_rare_names_as_glyphs(paper: int, now: datetime) -> None:
    profile = PROFILES[paper]
    for n in range(len(RARE_NAMES)):
        notice = rare_notice(NoticeKind.HANDED_OVER, now, n)
        images = rasters(receipt_escpos(notice, paper))
        line = f"申请人：{name(n)}"
        expected = text_image(line, profile.dots, 1, "left")
        assert any(same(image, expected) for image in images), line
        assert not same(expected, tofu_image(line, profile.dots)), line
        assert "申请人：".encode("gb18030") + name(n)[0].encode("gb18030") not in bytes(
            receipt_escpos(notice, paper)
        )


def test_the_thermal_ticket_draws_a_rare_place_as_glyphs(slip: TicketSlip) -> None:
    data = ticket_escpos(replace(slip, hall_name=RARE_PLACE), 80)
    expected = text_image(RARE_PLACE, PROFILES[80].dots, 1, "center")
    assert any(same(image, expected) for image in rasters(data))
    assert not same(
        expected, text_image("示范市\U0010fffd\U0010fffd面馆", PROFILES[80].dots, 1, "center")
    )


# --- the screens -----------------------------------------------------------------------


def test_the_screens_fall_back_to_the_same_chain(qapp: object) -> None:
    """Qt draws a rare name with the chain too, not as the box it draws for no glyph."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from counter.ui.fonts import install_font

    assert isinstance(qapp, QApplication)
    font = install_font(qapp, 28)
    assert font.families() == ["WenQuanYi Micro Hei", "BabelStone Han", "HanaMinA", "HanaMinB"]

    def render(ch: str, face: QFont) -> QImage:
        image = QImage(64, 64, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setFont(face)
        painter.setPen(QColor("black"))
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, ch)
        painter.end()
        return image

    box = render("\U0010fffd", font)
    for person in RARE_NAMES:
        glyph = render(person[-1], font)
        assert glyph != box and glyph != render(" ", font), person


def test_a_missing_fallback_font_is_reported_in_chinese_with_the_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    absent = fonts.Fallback("Nowhere", "Nowhere", "Nowhere.ttf", "fonts-nowhere", "/nonexistent")
    with caplog.at_level("ERROR", logger="counter.printing"):
        assert fonts.locate(absent) is None
    assert "缺少生僻字字体 Nowhere.ttf" in caplog.text
    assert "sudo apt-get install -y fonts-babelstone-han fonts-hanazono" in caplog.text
