from __future__ import annotations

from pathlib import Path

import pytest
from fake_printer import fake_printer, free_port

from counter.model.print_job import PrintPayload
from counter.model.print_target import parse_target
from counter.services.printers import (
    EscposDevicePrinter,
    EscposNetworkPrinter,
    PrinterError,
    open_printer,
    warning_of,
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


def test_system_printer_needs_the_desktop_where_there_is_no_cups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter.services import cups_printer, printers

    monkeypatch.setattr(cups_printer, "available", lambda: False)
    saved = dict(printers._registered)
    printers._registered.clear()
    try:
        with pytest.raises(PrinterError, match="系统打印机"):
            open_printer("qt:Office", tmp_path)
    finally:
        printers._registered.update(saved)


def test_system_printer_goes_to_cups_where_lp_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter.services import cups_printer

    monkeypatch.setattr(cups_printer, "available", lambda: True)
    printer = open_printer("qt:Office", tmp_path)
    assert isinstance(printer, cups_printer.CupsPrinter) and printer.queue == "Office"


def test_cover_open_is_refused_and_nothing_is_sent() -> None:
    with (
        fake_printer(cover_open=True) as printer,
        pytest.raises(PrinterError, match="纸仓盖打开") as caught,
    ):
        EscposNetworkPrinter(parse_target(printer.target)).send(SLIP, "t")
    assert not caught.value.permanent  # closing the cover is enough: retried
    assert printer.jobs == [b"\x10\x04\x04\x10\x04\x02"]


def test_printer_error_is_refused() -> None:
    with fake_printer(error=True) as printer, pytest.raises(PrinterError, match="故障"):
        EscposNetworkPrinter(parse_target(printer.target)).send(SLIP, "t")


def test_paper_near_end_prints_and_warns() -> None:
    with fake_printer(near_end=True) as printer:
        sender = EscposNetworkPrinter(parse_target(printer.target))
        sender.send(SLIP, "t")
    assert printer.jobs[0].endswith(SLIP.escpos or b"")
    assert "纸将用尽" in sender.warning
    assert warning_of(sender) == sender.warning


def test_a_printer_silent_to_status_queries_still_prints() -> None:
    with fake_printer(silent=True) as printer:
        sender = EscposNetworkPrinter(parse_target(printer.target))
        sender.send(SLIP, "t")
    assert printer.jobs[0] == b"\x10\x04\x04" + (SLIP.escpos or b"")
    assert sender.warning == ""


class FakeDevice:
    """A python-escpos device as far as the printer code uses one (USB or serial)."""

    def __init__(self, answers: dict[bytes, bytes], fail_open: Exception | None = None) -> None:
        self.answers = answers
        self.fail_open = fail_open
        self.written: list[bytes] = []
        self.last = b""
        self.device = self
        self.in_ep = 0x82
        self.timeout = 10.0
        self.in_waiting = 0  # looks like a pyserial port
        self.closed = False

    def open(self) -> None:
        if self.fail_open is not None:
            raise self.fail_open

    def _raw(self, data: bytes) -> None:
        self.written.append(data)
        self.last = data

    def read(self, size: int) -> bytes:
        return self.answers.get(self.last, b"")

    def close(self) -> None:
        self.closed = True


def _device_printer(device: FakeDevice, target: str = "escpos-serial:/dev/ttyUSB0:115200"):  # type: ignore[no-untyped-def]
    return EscposDevicePrinter(parse_target(target), lambda: device)


def test_serial_printer_asks_status_then_prints() -> None:
    device = FakeDevice({b"\x10\x04\x04": b"\x1e", b"\x10\x04\x02": b"\x12"})
    printer = _device_printer(device)
    printer.send(SLIP, "t")
    assert device.written == [b"\x10\x04\x04", b"\x10\x04\x02", SLIP.escpos]
    assert "纸将用尽" in printer.warning and device.closed
    assert device.timeout == 10.0  # the status wait did not stay on the port


def test_serial_printer_with_cover_open_gets_nothing() -> None:
    device = FakeDevice({b"\x10\x04\x04": b"\x12", b"\x10\x04\x02": b"\x16"})
    with pytest.raises(PrinterError, match="串口小票打印机 /dev/ttyUSB0:115200 纸仓盖打开"):
        _device_printer(device).send(SLIP, "t")
    assert SLIP.escpos not in device.written


@pytest.mark.parametrize(
    ("error", "said", "permanent"),
    [
        (OSError("[Errno 13] Access denied (insufficient permissions)"), "没有权限访问", True),
        (
            OSError("could not open port /dev/ttyUSB0: [Errno 13] Permission denied"),
            "没有权限",
            True,
        ),
        (OSError("Device (1208, 514) not found or cable not plugged in."), "找不到", False),
        (
            OSError("could not open port /dev/ttyUSB0: [Errno 2] No such file or directory"),
            "找不到",
            False,
        ),
        (OSError("No backend available"), "libusb", True),
    ],
)
def test_device_that_will_not_open_says_who_acts(
    error: Exception, said: str, permanent: bool
) -> None:
    device = FakeDevice({}, fail_open=error)
    with pytest.raises(PrinterError, match=said) as caught:
        _device_printer(device).send(SLIP, "t")
    assert caught.value.permanent is permanent


def test_usb_and_serial_libraries_are_installed() -> None:
    from escpos.printer import Serial, Usb

    assert Usb.is_usable() and Serial.is_usable()


def test_usb_target_opens_with_vendor_and_product(tmp_path: Path) -> None:
    printer = open_printer("escpos-usb:0416:5011", tmp_path)
    assert isinstance(printer, EscposDevicePrinter)
    device = printer.make()
    assert device.usb_args == {"idVendor": 0x0416, "idProduct": 0x5011}
