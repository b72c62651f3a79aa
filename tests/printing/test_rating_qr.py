"""The hand-over receipt carries the 好差评 QR code for rating the case online."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from counter.model.notice import NoticeKind
from counter.model.ratings import rating_link
from counter.printing.notices import notice_pdf
from tests.printing.pdf_helpers import codes, text
from tests.printing.samples import CASE, make_notice

TEMPLATE = "https://hcp.example.org/rate?no={number}"


def test_the_receipt_carries_a_qr_code_that_rates_its_case(now: datetime) -> None:
    url = rating_link(TEMPLATE, CASE)
    notice = replace(make_notice(NoticeKind.HANDED_OVER, now), rating_url=url)
    pdf = notice_pdf(notice)
    assert url in codes(pdf)["QRCode"]
    assert "好差评" in text(pdf)


def test_a_receipt_without_a_rating_address_has_no_rating_qr(now: datetime) -> None:
    pdf = notice_pdf(make_notice(NoticeKind.HANDED_OVER, now))
    assert "好差评" not in text(pdf)
    assert codes(pdf).get("QRCode") == {CASE}


def test_the_case_number_fills_the_rating_address() -> None:
    assert rating_link(TEMPLATE, "A-1") == "https://hcp.example.org/rate?no=A-1"
    assert rating_link("", "A-1") == ""
