"""Domain data → what the spool stores: the PDF, plus ESC/POS for slips.

The kiosk, intake and handover call these and hand the result to
:meth:`PrintService.submit`; which printer gets it is the station's setting.

The documents' modules are imported by the call that prints, not with this module:
reportlab and Pillow (0.2 s) are paid for at the first print, not at every start-up.
"""

from __future__ import annotations

from counter.model.giftpack import Handover, MailingSlip, SealVoucher
from counter.model.notice import Notice
from counter.model.notice_text import Masking
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.slips import TicketSlip


def ticket(slip: TicketSlip, paper_mm: int = 80) -> PrintPayload:
    from counter.printing.escpos import ticket_escpos
    from counter.printing.tickets import ticket_pdf

    return PrintPayload(
        f"排队小票 {slip.number}", ticket_pdf(slip, paper_mm), ticket_escpos(slip, paper_mm)
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
    return PrintPayload(f"{notice.title} {notice.case_number}", notice_pdf(notice, masking), slip)


def handover(form: Handover, *, unmask: bool = False) -> PrintPayload:
    from counter.printing.giftpack_papers import handover_pdf

    return PrintPayload(f"领取确认单 {form.case_number}", handover_pdf(form, unmask=unmask))


def seal_voucher(voucher: SealVoucher) -> PrintPayload:
    from counter.printing.giftpack_papers import seal_voucher_pdf

    return PrintPayload(f"免费刻章凭证 {voucher.voucher_number}", seal_voucher_pdf(voucher))


def mailing_slip(slip: MailingSlip, *, unmask: bool = False) -> PrintPayload:
    from counter.printing.giftpack_papers import mailing_slip_pdf

    return PrintPayload(f"邮寄单 {slip.case_number}", mailing_slip_pdf(slip, unmask=unmask))
