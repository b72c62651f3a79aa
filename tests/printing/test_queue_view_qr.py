"""扫码看排队 on the slip (issue 31, point 4): a ticket issued through the central
prints its queue-view link as a QR, under a line saying what it is for, on the PDF
and the thermal slip alike, and on both roll widths; a ticket without one prints none."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import qrcode
from pdf_helpers import codes, pages_text, text

from counter.model.queue import Lane, Ticket
from counter.model.queue_view import view_link
from counter.model.slips import QUEUE_VIEW_CAPTION
from counter.printing.escpos import PROFILES, ticket_escpos
from counter.printing.tickets import ticket_pdf
from counter.services.queue_service import IssuedTicket

#: A hall's central behind a long name and a port, and a token as the central makes it.
CENTRAL = "https://zwfw-central.shifan-shi.gov.cn:8443"
TOKEN = "Xq3v-9LkQ0_pZt7YhWc2mA"
QR_STORE = re.compile(rb"\x1d\(k(.)(.)1P0", re.DOTALL)


def thermal_qr_codes(data: bytes) -> list[str]:
    """The data of every native QR (``GS ( k`` … 49 80 48: store in the symbol area)."""
    found = []
    for match in QR_STORE.finditer(data):
        length = match.group(1)[0] + 256 * match.group(2)[0] - 3
        found.append(data[match.end() : match.end() + length].decode())
    return found


def issued(now: datetime, link: str) -> IssuedTicket:
    return IssuedTicket(Ticket.issued("A", 17, Lane.NORMAL, now), "企业开办", 5, link)


@pytest.mark.parametrize("paper", [80, 58])
def test_the_pdf_slips_qr_scans_back_to_the_tickets_queue_view(now: datetime, paper: int) -> None:
    link = view_link(CENTRAL, TOKEN)
    ticket = issued(now, link)
    pdf = ticket_pdf(ticket.slip("示范市政务服务中心"), paper)
    found = codes(pdf)
    assert found["QRCode"] == {link}
    assert found["Code128"] == {ticket.ticket.id}  # the bar code still scans beside it
    assert QUEUE_VIEW_CAPTION in text(pdf)
    assert len(pages_text(pdf)) == 1  # one slip, as tall as its content


@pytest.mark.parametrize("paper", [80, 58])
def test_the_thermal_slip_prints_the_caption_and_the_link_in_a_qr_that_fits(
    now: datetime, paper: int
) -> None:
    link = view_link(CENTRAL, TOKEN)
    data = ticket_escpos(issued(now, link).slip("示范市政务服务中心"), paper)
    assert thermal_qr_codes(data) == [link]
    assert QUEUE_VIEW_CAPTION.encode("gb18030") in data
    # The symbol at the profile's module size, with its quiet zone, fits the roll.
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=4)
    symbol.add_data(link)
    symbol.make(fit=True)
    modules = 17 + 4 * int(symbol.version) + 8
    assert modules * PROFILES[paper].qr_module <= PROFILES[paper].dots


def test_a_ticket_issued_without_the_central_prints_no_qr_nor_its_caption(
    now: datetime,
) -> None:
    slip = issued(now, "").slip("示范市政务服务中心")
    assert "QRCode" not in codes(ticket_pdf(slip, 58))
    assert QUEUE_VIEW_CAPTION not in text(ticket_pdf(slip, 80))
    data = ticket_escpos(slip, 58)
    assert thermal_qr_codes(data) == [] and QUEUE_VIEW_CAPTION.encode("gb18030") not in data
