from __future__ import annotations

import pytest
from pdf_helpers import assert_font_embedded, codes, pages_text, text

from counter.model.slips import TicketSlip
from counter.printing.tickets import ticket_pdf


@pytest.mark.parametrize("paper", [80, 58])
def test_ticket_shows_hall_number_category_time_and_people_ahead(
    slip: TicketSlip, paper: int
) -> None:
    content = text(ticket_pdf(slip, paper))
    for expected in ("示范市政务服务中心", "A017", "企业开办", "2026-11-27 10:00", "5 人等候"):
        assert expected in content
    assert "绿色通道：老年人" in content


@pytest.mark.parametrize("paper", [80, 58])
def test_ticket_code128_and_qr_scan_back(slip: TicketSlip, paper: int) -> None:
    found = codes(ticket_pdf(slip, paper))
    assert found["Code128"] == {"A017-1127"}
    assert found["QRCode"] == {slip.qr_url}


def test_ticket_without_qr_url_prints_no_qr(slip: TicketSlip) -> None:
    from dataclasses import replace

    found = codes(ticket_pdf(replace(slip, qr_url=""), 58))
    assert "QRCode" not in found
    assert found["Code128"] == {"A017-1127"}


def test_ticket_is_one_page_as_tall_as_its_content(slip: TicketSlip) -> None:
    assert len(pages_text(ticket_pdf(slip, 58))) == 1
    assert len(pages_text(ticket_pdf(slip, 80))) == 1


def test_ticket_embeds_the_bundled_font(slip: TicketSlip) -> None:
    assert_font_embedded(ticket_pdf(slip))


def test_same_ticket_gives_the_same_bytes(slip: TicketSlip) -> None:
    assert ticket_pdf(slip) == ticket_pdf(slip)


def test_other_paper_widths_are_refused(slip: TicketSlip) -> None:
    with pytest.raises(ValueError):
        ticket_pdf(slip, 76)


@pytest.mark.parametrize("paper", [80, 58])
def test_a_booking_checked_in_says_appointment_not_priority(slip: TicketSlip, paper: int) -> None:
    """Issue 28: booking tickets printed 绿色通道：预约."""
    from dataclasses import replace

    from counter.printing.escpos import ticket_escpos

    booked = replace(slip, priority_reason="预约")
    content = text(ticket_pdf(booked, paper))
    assert "预约" in content and "绿色通道" not in content
    escpos = ticket_escpos(booked, paper)
    assert "预约".encode("gb18030") in escpos
    assert "绿色通道".encode("gb18030") not in escpos
    assert "绿色通道：老年人".encode("gb18030") in ticket_escpos(slip, paper)
