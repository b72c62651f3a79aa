from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from counter.model.notice import Notice, NoticeKind
from counter.model.print_job import PrintPayload
from counter.model.print_target import parse_target
from counter.model.slips import TicketSlip
from counter.printing.escpos import CHINESE_ON, receipt_escpos, ticket_escpos, wrap
from counter.services.printers import open_printer
from tests.services.fake_printer import fake_printer

GS_K_CODE128 = b"\x1dkI"
QR_STORE = b"\x1d(k"
RASTER_IMAGE = b"\x1dv0"


def send(target: str, data: bytes, tmp_path: Path) -> None:
    open_printer(target, tmp_path).send(PrintPayload("小票", b"%PDF", data), "t")


def test_ticket_bytes_reach_the_printer_with_chinese_mode_text_and_codes(
    slip: TicketSlip, tmp_path: Path
) -> None:
    with fake_printer() as printer:
        send(printer.target, ticket_escpos(slip, 80), tmp_path)
    assert len(printer.jobs) == 1
    job = printer.jobs[0]
    assert job.startswith(b"\x10\x04\x04")  # paper status asked first
    assert CHINESE_ON in job
    assert "示范市政务服务中心".encode("gb18030") in job
    assert "您前面还有 5 人等候".encode("gb18030") in job
    assert GS_K_CODE128 + bytes([len("{BA017-1127")]) + b"{BA017-1127" in job
    assert QR_STORE in job
    assert slip.qr_url.encode() in job
    assert job.rstrip().endswith(b"\x1dVA\x00") or b"\x1dV" in job[-8:]  # cut


def test_58mm_ticket_uses_narrower_modules_and_wraps_to_32_columns(slip: TicketSlip) -> None:
    data = ticket_escpos(slip, 58)
    assert b"\x1dw\x02" in data
    long = replace(slip, footer="请" * 40)
    body = ticket_escpos(long, 58)
    assert ("请" * 16).encode("gb18030") + b"\n" in body


def test_characters_outside_the_printer_font_go_as_an_image_line(slip: TicketSlip) -> None:
    data = ticket_escpos(replace(slip, category="企业开办（𠮷野家）"), 80)
    assert RASTER_IMAGE in data
    assert "企业开办".encode("gb18030") not in data  # the whole line is the image
    assert "示范市政务服务中心".encode("gb18030") in data


def test_wrapping_never_drops_a_character() -> None:
    text = "营业执照副本ABC123" * 7
    lines = wrap(text, 32)
    assert "".join(lines) == text
    assert all(sum(2 if ord(c) > 0x2E80 else 1 for c in line) <= 32 for line in lines)


def test_receipt_on_58mm_prints_the_case_number_as_qr_only(
    notice_of: Callable[..., Notice],
) -> None:
    notice = notice_of(NoticeKind.HANDED_OVER)
    narrow = receipt_escpos(notice, 58)
    wide = receipt_escpos(notice, 80)
    assert GS_K_CODE128 not in narrow  # 17 characters do not fit 48 mm at a scannable width
    assert QR_STORE in narrow and notice.case_number.encode() in narrow
    assert GS_K_CODE128 in wide
    assert "110101********1234".encode("gb18030") in wide
    assert b"110101199003071234" not in wide


def test_targets_parse_into_printers(tmp_path: Path) -> None:
    assert open_printer("escpos-net:127.0.0.1:9100", tmp_path).target == parse_target(
        "escpos-net:127.0.0.1:9100"
    )
