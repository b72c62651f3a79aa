"""The queue ticket as a PDF on an 80 mm or 58 mm roll, as tall as its content.

The ticket id is the Code128: short enough (about ten characters) to stay scannable
at 0.25 mm modules inside the 48 mm a 58 mm printer can print.
"""

from __future__ import annotations

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from counter.model.slips import TicketSlip
from counter.printing.layout import barcode, build, p, qr, style

#: Printable width of each roll (the head is narrower than the paper).
PRINTABLE_MM = {80: 72.0, 58: 48.0}
SIDE_MM = 2.0
FRAME_PADDING = 6  # points: platypus frames pad their content on every side


def ticket_story(slip: TicketSlip, paper_mm: int) -> list[Flowable]:
    narrow = paper_mm == 58
    big = 34 if narrow else 46
    story: list[Flowable] = [
        p(slip.hall_name, style(10 if narrow else 12, align=TA_CENTER)),
        p("排 队 号", style(9, align=TA_CENTER, space_before=2)),
        p(slip.number, style(big, align=TA_CENTER, leading=big * 1.1)),
        p(slip.category, style(12 if narrow else 14, align=TA_CENTER, space_after=2)),
    ]
    if slip.lane_line:
        story.append(p(slip.lane_line, style(10, align=TA_CENTER)))
    story += [
        p(f"您前面还有 {slip.waiting_ahead} 人等候", style(11, align=TA_CENTER, space_before=2)),
        p(slip.issued_at.strftime("%Y-%m-%d %H:%M"), style(9, align=TA_CENTER)),
        Spacer(1, 2 * mm),
        barcode(slip.ticket_id, bar_width=(0.25 if narrow else 0.3) * mm, height=9 * mm),
        p(slip.ticket_id, style(8, align=TA_CENTER)),
    ]
    if slip.qr_url:
        story += [
            p(slip.qr_caption, style(9, align=TA_CENTER, space_before=3)),
            qr(slip.qr_url, (22 if narrow else 26) * mm),
        ]
    if slip.footer:
        story.append(p(slip.footer, style(8, align=TA_CENTER, space_before=2)))
    for flowable in story:
        flowable.hAlign = "CENTER"
    return story


def ticket_pdf(slip: TicketSlip, paper_mm: int = 80) -> bytes:
    """One page exactly as tall as the ticket, so the roll is not wasted."""
    if paper_mm not in PRINTABLE_MM:
        raise ValueError(f"paper width {paper_mm} mm: only 80 or 58")
    width = PRINTABLE_MM[paper_mm] * mm
    story = ticket_story(slip, paper_mm)
    height = sum(
        f.wrap(width - 2 * FRAME_PADDING, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter()
        for f in story
    )
    margin = SIDE_MM * mm
    page = (width + 2 * margin, height + 2 * margin + 2 * FRAME_PADDING + 6 * mm)
    return build(
        ticket_story(slip, paper_mm),
        page,
        title=f"排队小票 {slip.number}",
        author=slip.hall_name,
        margins=margin,
    )
