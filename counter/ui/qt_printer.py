"""The system printer target: Qt's printer list, pages painted from the PDF.

Each page is rendered with pdfium at the printer's own resolution and painted with
QPainter, so what prints is exactly the PDF (never a screenshot of a widget). Qt may
paint to a QPrinter off the GUI thread, which is where the spool calls this.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from counter.model.print_job import PrintPayload
from counter.model.print_target import PrintTarget, TargetKind
from counter.services.printers import PrinterError, register_target


def system_printers() -> list[str]:
    return list(QPrinterInfo.availablePrinterNames())


def _page_size(width_pt: float, height_pt: float) -> QPageSize:
    return QPageSize(
        QSizeF(width_pt, height_pt),
        QPageSize.Unit.Point,
        "",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )


def paint_pdf(printer: QPrinter, pdf: bytes) -> int:
    """Paint every page of ``pdf`` on ``printer``; returns the number of pages."""
    import pypdfium2 as pdfium  # at the first print, not at start-up

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
