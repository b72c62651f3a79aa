"""Domain data → what the spool stores: the PDF, plus ESC/POS for slips.

The kiosk, intake and handover call these and hand the result to
:meth:`PrintService.submit`; which printer gets it is the station's setting.

The documents' modules are imported by the call that prints, not with this module:
reportlab and Pillow (0.2 s) are paid for at the first print, not at every start-up.

Each payload carries its recipe (:mod:`counter.printing.recipes`): the spool drops the
bytes once the job is printed and kept long enough, and :func:`regenerate` lays the
same record out again for a reprint.
"""

from __future__ import annotations

from counter.model.giftpack import Handover, MailingSlip, SealVoucher
from counter.model.notice import Notice
from counter.model.notice_text import Masking
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.slips import TicketSlip
from counter.printing import recipes


def ticket(slip: TicketSlip, paper_mm: int = 80) -> PrintPayload:
    from counter.printing.escpos import ticket_escpos
    from counter.printing.tickets import ticket_pdf

    return PrintPayload(
        f"排队小票 {slip.number}",
        ticket_pdf(slip, paper_mm),
        ticket_escpos(slip, paper_mm),
        recipes.write("ticket", slip, paper_mm=paper_mm),
    )


def notice_kind(notice: Notice) -> DocumentKind:
    """办结通知书 and 出件回执 are receipts (the ticket printer can take them); others notices."""
    from counter.printing.notices import RECEIPTS

    return DocumentKind.RECEIPT if notice.kind in RECEIPTS else DocumentKind.NOTICE


def notice(notice: Notice, paper_mm: int = 80, *, masking: Masking | None = None) -> PrintPayload:
    """The PDF (and for a receipt the slip), each identifier masked as ``masking`` says."""
    from counter.printing.escpos import receipt_escpos
    from counter.printing.notices import RECEIPTS, notice_pdf

    slip = receipt_escpos(notice, paper_mm, masking=masking) if notice.kind in RECEIPTS else None
    return PrintPayload(
        f"{notice.title} {notice.case_number}",
        notice_pdf(notice, masking),
        slip,
        recipes.write("notice", notice, paper_mm=paper_mm, masking=masking),
    )


def handover(form: Handover, *, unmask: bool = False) -> PrintPayload:
    from counter.printing.giftpack_papers import handover_pdf

    return PrintPayload(
        f"领取确认单 {form.case_number}",
        handover_pdf(form, unmask=unmask),
        source=recipes.write("handover", form, unmask=unmask),
    )


def seal_voucher(voucher: SealVoucher) -> PrintPayload:
    from counter.printing.giftpack_papers import seal_voucher_pdf

    return PrintPayload(
        f"免费刻章凭证 {voucher.voucher_number}",
        seal_voucher_pdf(voucher),
        source=recipes.write("seal_voucher", voucher),
    )


def mailing_slip(slip: MailingSlip, *, unmask: bool = False) -> PrintPayload:
    from counter.printing.giftpack_papers import mailing_slip_pdf

    return PrintPayload(
        f"邮寄单 {slip.case_number}",
        mailing_slip_pdf(slip, unmask=unmask),
        source=recipes.write("mailing_slip", slip, unmask=unmask),
    )


def regenerate(source: str) -> PrintPayload:
    """The payload its recipe describes, laid out again (a reprint after the bytes were
    dropped); :class:`counter.printing.recipes.RecipeError` when it cannot be read."""
    document, body = recipes.read(source)
    try:
        if document == "ticket":
            return ticket(recipes.decode(TicketSlip, body["record"]), int(body["paper_mm"]))
        if document == "notice":
            masking = body.get("masking")
            return notice(
                recipes.decode(Notice, body["record"]),
                int(body["paper_mm"]),
                masking=None if masking is None else recipes.decode(Masking, masking),
            )
        if document == "handover":
            form = recipes.decode(Handover, body["record"])
            return handover(form, unmask=bool(body.get("unmask")))
        if document == "seal_voucher":
            return seal_voucher(recipes.decode(SealVoucher, body["record"]))
        if document == "mailing_slip":
            slip = recipes.decode(MailingSlip, body["record"])
            return mailing_slip(slip, unmask=bool(body.get("unmask")))
    except (KeyError, TypeError, ValueError) as exc:
        raise recipes.RecipeError(f"打印记录不完整，无法重新生成（{exc}）") from None
    raise recipes.RecipeError(f"不认识的文书种类“{document}”，无法重新生成")
