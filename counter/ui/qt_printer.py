"""The system printer where CUPS is not (Windows): Qt's printer list, pages painted from the PDF.

On Linux and macOS ``qt:`` targets go to CUPS as the vector PDF
(:mod:`counter.services.cups_printer`); this path is only taken where there is no
``lp``. Each page is rendered with pdfium and painted with QPainter, so what prints is
exactly the PDF (never a screenshot of a widget). It is rendered at no more than
:data:`MAX_DPI`: at a laser printer's 1200 dpi one A4 page is a 140-megapixel bitmap,
and one notice took 6.7–8.3 s and 2.1 GB (issue 29); at 300 dpi it is 1/16 of that,
as sharp as a printed form needs, and the driver scales it to the device. Qt may
paint to a QPrinter off the GUI thread, which is where the spool calls this.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from counter.model.print_job import PrintPayload
from counter.model.print_target import PrintTarget, TargetKind
from counter.services.printers import PrinterError, register_target

#: The highest resolution a page is rendered at; the printer driver scales it up.
MAX_DPI = 300


def system_printers() -> list[str]:
    return list(QPrinterInfo.availablePrinterNames())


def _page_size(width_pt: float, height_pt: float) -> QPageSize:
    return QPageSize(
        QSizeF(width_pt, height_pt),
        QPageSize.Unit.Point,
        "",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )


def paint_pdf(printer: QPrinter, pdf: bytes, max_dpi: int = MAX_DPI) -> int:
    """Paint every page of ``pdf`` on ``printer`` at ``max_dpi`` at most; returns the
    number of pages. The resolution is set before painting begins, so the painter's
    device is that coarse and the print engine (GDI on Windows) does the scaling."""
    import pypdfium2 as pdfium  # at the first print, not at start-up

    if printer.resolution() > max_dpi:
        printer.setResolution(max_dpi)

    document = pdfium.PdfDocument(pdf)
    pages = len(document)
    painter = QPainter()
    try:
        for n in range(pages):
            page = document[n]
            width_pt, height_pt = page.get_size()
            printer.setPageSize(_page_size(width_pt, height_pt))
            printer.setPageOrientation(
                QPageLayout.Orientation.Landscape
                if width_pt > height_pt
                else QPageLayout.Orientation.Portrait
            )
            if n == 0:
                if not painter.begin(printer):
                    raise PrinterError("系统打印机无法开始打印：请检查打印机状态或驱动")
            elif not printer.newPage():
                raise PrinterError("系统打印机无法换页：请检查打印机是否缺纸或卡纸")
            dpi = printer.resolution()
            bitmap = page.render(scale=dpi / 72, grayscale=False)
            image = bitmap.to_pil().convert("RGB")
            qimage = QImage(
                image.tobytes(), image.width, image.height, image.width * 3,
                QImage.Format.Format_RGB888,
            )  # fmt: skip
            area = painter.viewport()
            scale = min(area.width() / image.width, area.height() / image.height)
            target = QRectF(0, 0, image.width * scale, image.height * scale)
            painter.drawImage(target, qimage)
    finally:
        if painter.isActive():
            painter.end()
        document.close()
    return pages


class QtSystemPrinter:
    def __init__(self, target: PrintTarget) -> None:
        self.target = target

    def send(self, payload: PrintPayload, name: str) -> None:
        info = QPrinterInfo.printerInfo(self.target.address)
        if info.isNull():
            known = "、".join(system_printers()) or "本机没有安装任何打印机"
            raise PrinterError(
                f"找不到系统打印机“{self.target.address}”（可用：{known}），请在设置中重新选择"
            )
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        printer.setDocName(name)
        printer.setFullPage(True)
        paint_pdf(printer, payload.pdf)


def register() -> None:
    register_target(TargetKind.QT, QtSystemPrinter)
