from __future__ import annotations

from pathlib import Path

import pytest
from fake_printer import fake_printer, free_port

from counter.model.print_job import PrintPayload
from counter.model.print_target import parse_target
from counter.services.printers import (
    EscposNetworkPrinter,
    PrinterError,
    open_printer,
)

SLIP = PrintPayload("排队小票 A017", b"%PDF-1.4 ticket", b"\x1b@\x1c&ticket")
NOTICE = PrintPayload("受理通知书", b"%PDF-1.4 notice", None)


def test_pdf_folder_writes_the_document_whole(tmp_path: Path) -> None:
    open_printer("pdf:", tmp_path / "prints").send(NOTICE, "20261127-notice-42")
    written = tmp_path / "prints" / "20261127-notice-42.pdf"
    assert written.read_bytes() == NOTICE.pdf
    assert not list((tmp_path / "prints").glob("*.part"))


def test_pdf_folder_that_cannot_be_written_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PrinterError, match="无法写入 PDF 文件夹") as caught:
        open_printer(f"pdf:{blocker}/sub", tmp_path).send(NOTICE, "n")
    assert not caught.value.permanent


def test_refused_connection_is_a_retryable_chinese_error(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(PrinterError, match="拒绝连接") as caught:
        open_printer(f"escpos-net:127.0.0.1:{port}", tmp_path).send(SLIP, "t")
    assert not caught.value.permanent


def test_printer_out_of_paper_is_reported_and_nothing_is_sent() -> None:
    with fake_printer(paper_out=True) as printer, pytest.raises(PrinterError, match="缺纸"):
        EscposNetworkPrinter(parse_target(printer.target)).send(SLIP, "t")
    assert printer.jobs == [b"\x10\x04\x04"]


def test_printer_that_stops_reading_times_out() -> None:
    big = PrintPayload("排队小票", b"%PDF", b"x" * 20_000_000)
    with fake_printer(deaf=True) as printer, pytest.raises(PrinterError, match="超时"):
        EscposNetworkPrinter(parse_target(printer.target), timeout=0.5).send(big, "t")


def test_a4_document_to_a_slip_printer_fails_for_good(tmp_path: Path) -> None:
    with pytest.raises(PrinterError, match="只能打印小票和回执") as caught:
        open_printer("escpos-net:127.0.0.1:9100", tmp_path).send(NOTICE, "n")
    assert caught.value.permanent


@pytest.mark.parametrize("target", ["escpos-usb:04b8:0202", "escpos-serial:/dev/ttyCOUNTER9"])
def test_usb_and_serial_printers_fail_with_a_clear_message_when_absent(
    target: str, tmp_path: Path
) -> None:
    with pytest.raises(PrinterError) as caught:
        open_printer(target, tmp_path).send(SLIP, "t")
    assert caught.value.message
    assert not caught.value.permanent


def test_system_printer_needs_the_desktop(tmp_path: Path) -> None:
    from counter.services import printers

    saved = dict(printers._registered)
    printers._registered.clear()
    try:
        with pytest.raises(PrinterError, match="系统打印机"):
            open_printer("qt:Office", tmp_path)
    finally:
        printers._registered.update(saved)
