from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from PySide6.QtPrintSupport import QPrinter

from counter.model.clock import HALL_TZ
from counter.model.print_job import PrintPayload
from counter.model.print_target import parse_target
from counter.model.slips import TicketSlip
from counter.printing.tickets import ticket_pdf
from counter.services.printers import PrinterError
from counter.ui.qt_printer import MAX_DPI, QtSystemPrinter, paint_pdf


def test_pdf_pages_are_painted_on_the_printer_at_its_page_size(tmp_path: Path) -> None:
    slip = TicketSlip("示范市政务服务中心", "A017-1127", "A017", "企业开办",
                      datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ), 5)  # fmt: skip
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "out.pdf"
    printer.setOutputFileName(str(out))
    assert paint_pdf(printer, ticket_pdf(slip, 80)) == 1
    page = pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    assert 75 < width_mm < 78  # 72 mm printable + margins, not an A4 sheet


def test_missing_system_printer_is_a_clear_error() -> None:
    printer = QtSystemPrinter(parse_target("qt:不存在的打印机"))
    with pytest.raises(PrinterError, match="找不到系统打印机“不存在的打印机”"):
        printer.send(PrintPayload("t", b"%PDF", None), "t")


def test_pages_are_rendered_at_no_more_than_300_dpi(tmp_path: Path) -> None:
    """The Windows path never builds a 1200 dpi bitmap (2.1 GB a notice, issue 29)."""
    from benchmarks.bench_printing import notice
    from counter.printing.notices import notice_pdf

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(1200)
    out = tmp_path / "out.pdf"
    printer.setOutputFileName(str(out))
    paint_pdf(printer, notice_pdf(notice(1)))
    assert printer.resolution() == MAX_DPI == 300
    page = pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages[0]
    (image,) = page.images
    width_in = float(page.mediabox.width) / 72
    assert image.image is not None
    assert image.image.width / width_in <= MAX_DPI + 1
