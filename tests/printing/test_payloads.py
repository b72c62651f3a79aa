from __future__ import annotations

from collections.abc import Callable

from pdf_helpers import text

from counter.model.giftpack import Handover
from counter.model.notice import Notice, NoticeKind
from counter.model.print_job import DocumentKind
from counter.model.slips import TicketSlip
from counter.printing import payloads


def test_ticket_payload_has_pdf_and_escpos(slip: TicketSlip) -> None:
    payload = payloads.ticket(slip, 58)
    assert payload.title == "排队小票 A017"
    assert payload.pdf.startswith(b"%PDF")
    assert payload.escpos is not None and b"\x1c&" in payload.escpos


def test_receipts_also_print_on_the_roll_but_notices_do_not(
    notice_of: Callable[..., Notice],
) -> None:
    receipt = notice_of(NoticeKind.HANDED_OVER)
    accepted = notice_of(NoticeKind.ACCEPTED)
    assert payloads.notice_kind(receipt) is DocumentKind.RECEIPT
    assert payloads.notice_kind(accepted) is DocumentKind.NOTICE
    assert payloads.notice(receipt).escpos is not None
    assert payloads.notice(accepted).escpos is None
    assert payloads.notice(accepted).title == "受理通知书 20261127-1A7-0042"


def test_handover_payload_is_the_form(handover: Handover) -> None:
    payload = payloads.handover(handover)
    assert "领取确认单" in payload.title
    assert "企业开办大礼包领取确认单" in text(payload.pdf)
