"""The hand-over receipt carries the 好差评 QR code for rating the case online."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest

from counter.model.notice import NoticeKind
from counter.model.ratings import rating_link
from counter.printing.escpos import receipt_escpos
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


QR_STORE = re.compile(rb"\x1d\(k(.)(.)1P0", re.DOTALL)


def thermal_qr_codes(data: bytes) -> list[str]:
    """The data of every native QR (``GS ( k`` … 49 80 48: store in the symbol area)."""
    found = []
    for match in QR_STORE.finditer(data):
        length = match.group(1)[0] + 256 * match.group(2)[0] - 3
        found.append(data[match.end() : match.end() + length].decode())
    return found


@pytest.mark.parametrize("paper", [80, 58])
def test_the_thermal_hand_over_receipt_carries_the_rating_qr(now: datetime, paper: int) -> None:
    """README: every hand-over receipt carries it, the roll as well as the A5 page."""
    url = rating_link(TEMPLATE, CASE)
    data = receipt_escpos(replace(make_notice(NoticeKind.HANDED_OVER, now), rating_url=url), paper)
    assert thermal_qr_codes(data) == [CASE, url]
    assert "请您对本次服务进行评价（好差评）".encode("gb18030") in data
    assert "扫描下方二维码".encode("gb18030") in data


def test_a_thermal_receipt_without_a_rating_address_has_only_the_case_qr(now: datetime) -> None:
    data = receipt_escpos(make_notice(NoticeKind.HANDED_OVER, now))
    assert thermal_qr_codes(data) == [CASE]
    assert "好差评".encode("gb18030") not in data
