"""The written notices of a case (受理、一次性告知、不予受理、容缺、不需许可、办结、出件,
and 中止、延期、终止 while it is handled), as PDF.

The words come from :func:`counter.model.notice_text.notice_paragraphs`, the same text
the clerk previews on screen; this module only lays them out. Each notice carries the
case number as Code128 and QR, masks the ID numbers and the phone as its
:class:`~counter.model.notice_text.Masking` says (each by its own setting), and leaves
the place for the seal and the applicant's signature.
"""

from __future__ import annotations

from typing import assert_never

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from counter.model.notice import Notice, NoticeKind
from counter.model.notice_text import (
    Block,
    Field,
    Grid,
    GridKind,
    Masking,
    Rating,
    Role,
    Signatures,
    Spaced,
    Text,
    notice_paragraphs,
)
from counter.printing.fonts import FONT, HEI
from counter.printing.layout import (
    BODY,
    HEADING,
    PARA,
    RULE,
    SMALL,
    RunningHead,
    build,
    field,
    header_block,
    p,
    qr,
    sign_block,
    spaced,
    style,
    table,
)

#: Short receipts fit on A5; the rest are A4 (a table of materials needs the room).
RECEIPTS = (NoticeKind.COMPLETED, NoticeKind.HANDED_OVER)

#: How each role of text is set on paper.
STYLES = {
    Role.BODY: PARA,
    Role.HEADING: HEADING,
    Role.DEADLINE: style(11.5, space_before=4, space_after=2, font=HEI),
    Role.NOTE: SMALL,
    Role.TITLE: style(15, align=1, space_before=8, space_after=4, font=HEI),
    Role.SIGN_HERE: style(11, leading=26),
}

#: Room left below a table before the text goes on.
AFTER_GRID = {GridKind.MISSING: 3 * mm, GridKind.PROMISES: 2 * mm}


def _grid(grid: Grid, width: float) -> Table:
    """Column widths per table: materials' names get the room, numbers stay narrow."""
    if grid.kind is GridKind.RECEIVED:
        rest = width - 12 * mm
        widths = [12 * mm, rest * 0.5, rest * 0.14, rest * 0.12, rest * 0.24]
        return table(grid.header, grid.rows, widths, centred=(0, 2, 3))
    if grid.kind is GridKind.MISSING:
        widths = [12 * mm, (width - 12 * mm) * 0.62, (width - 12 * mm) * 0.38]
        return table(grid.header, grid.rows, widths, centred=(0,))
    return table(grid.header, grid.rows, [12 * mm, width - 57 * mm, 45 * mm], centred=(0, 2))


def _flowables(block: Block, width: float) -> list[Flowable]:
    if isinstance(block, Field):
        return [field(block.label, block.value)]
    if isinstance(block, Text):
        return [p(block.text, STYLES[block.role])]
    if isinstance(block, Grid):
        after = AFTER_GRID.get(block.kind)
        return [_grid(block, width)] + ([Spacer(1, after)] if after else [])
    if isinstance(block, Spaced):
        if block.role is Role.BODY:  # the window, clerk and phone line, set apart
            return [Spacer(1, 3 * mm), spaced(*block.parts, st=BODY)]
        return [spaced(*block.parts, st=STYLES[block.role])]
    if isinstance(block, Rating):
        return [rating_block(block, width)]
    if isinstance(block, Signatures):
        height = 30 * mm if width < 130 * mm else 44 * mm
        return [Spacer(1, 3 * mm), sign_block(list(block.signer), list(block.seal), width, height)]
    assert_never(block)


def notice_story(notice: Notice, width: float, masking: Masking | None = None) -> list[Flowable]:
    """The notice's words, each block laid out in turn below the header."""
    words = notice_paragraphs(notice, masking or Masking.on_paper())
    story: list[Flowable] = [
        header_block(words.hall, words.title, words.number, width),
        Spacer(1, 3 * mm),
    ]
    fields_done = False
    last: list[Flowable] = []  # the flowables of the block before this one
    for block in words.blocks:
        if not fields_done and not isinstance(block, Field):
            story.append(Spacer(1, 2 * mm))  # the parties and the items, then the decision
            fields_done = True
        made = _flowables(block, width)
        if isinstance(block, Signatures) and last and story[-len(last) :] == last:
            # The signature and seal never stand alone on a page (issue 29: a 受理通知书
            # of 19 materials put them by themselves on page 2): they go over together
            # with the window and clerk line they close.
            del story[-len(last) :]
            made = [KeepTogether(last + made)]
        story += made
        last = made
    return story


def rating_block(rating: Rating, width: float) -> Table:
    """好差评: the applicant scans to rate this case (一事一评) once it is handed over."""
    text = [p(rating.title, style(10.5)), p(rating.note, SMALL)]
    t = Table([[text, qr(rating.url, 20 * mm)]], colWidths=[width - 24 * mm, 24 * mm])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            ]
        )
    )
    return t


def notice_pdf(notice: Notice, masking: Masking | None = None) -> bytes:
    """The notice as PDF bytes, masked as ``masking`` says (by default all personal
    identifiers); a caller that prints any in full logs it."""
    pagesize = A5 if notice.kind in RECEIPTS else A4
    margin = 14 * mm if notice.kind in RECEIPTS else 18 * mm
    width = pagesize[0] - 2 * margin - 12
    head = RunningHead(notice.hall_name, notice.title, notice.case_number)
    return build(
        notice_story(notice, width, masking),
        pagesize,
        title=f"{notice.title} {notice.case_number}",
        author=notice.hall_name,
        margins=margin,
        top=margin + (4 * mm),
        on_first=head.first,
        on_later=head.later,
    )
