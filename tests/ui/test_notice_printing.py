"""Pages print what they produce at once, through the spool: notices and kiosk tickets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.print_job import DocumentKind
from counter.model.settings import Settings
from counter.printing import payloads
from counter.services.cases_service import CasesService
from counter.services.print_service import PrintService
from counter.services.queue_service import LocalQueue
from counter.ui.kiosk import KioskWindow
from counter.ui.notice_printing import NoticePrinter, TicketPrinter
from counter.ui.print_spool import PrintSpool
from tests.ui.test_intake_page import choose_startup_bundle, make_page, type_company


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings({"document_printer": f"pdf:{tmp_path / 'out'}"})


@pytest.fixture
def spool(
    store_path: Path, settings: Settings, clock: Callable[[], datetime]
) -> Iterator[PrintSpool]:
    spool = PrintSpool(store_path, lambda: settings, clock)
    yield spool
    spool.stop()


def test_accepting_a_bundle_queues_and_prints_its_acceptance_notice(
    qtbot: QtBot,
    db: Database,
    clock: Callable[[], datetime],
    settings: Settings,
    spool: PrintSpool,
    tmp_path: Path,
) -> None:
    page = make_page(qtbot, db, clock)
    cases = CasesService(db, page.intake, page.intake.calendar, settings)
    page.print_notice = NoticePrinter(
        PrintService(db, settings), spool, lambda: settings, clock, cases
    )
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    with qtbot.wait_signal(spool.printed, timeout=20_000):
        qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)

    assert page.last_result is not None
    number = page.last_result.case.number
    assert "受理通知书已送打印" in page.outcome.text()
    (job,) = PrintService(db, settings).jobs_for(number)
    assert job.kind is payloads.notice_kind(page.last_result.notice)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: PrintService(db, settings).jobs_for(number)[0].status.value == "done")
    (pdf,) = (tmp_path / "out").glob("*.pdf")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "受理通知书" in text and number in text
    assert "13812345678" not in text  # the phone is masked on paper too


def test_a_kiosk_ticket_is_printed_with_its_number_and_barcode(
    qtbot: QtBot,
    db: Database,
    clock: Callable[[], datetime],
    spool: PrintSpool,
    tmp_path: Path,
) -> None:
    settings = Settings({"ticket_printer": f"pdf:{tmp_path / 'slips'}"})
    kiosk = KioskWindow(LocalQueue(db), clock, hall_name="示范市政务服务中心", priority_reasons=())
    qtbot.addWidget(kiosk)
    printer = TicketPrinter(PrintService(db, settings), spool, "取号机", lambda: settings, clock)
    kiosk.use_printer(printer)
    kiosk.show()
    with qtbot.wait_signal(spool.printed, timeout=20_000):
        qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)

    assert kiosk.last is not None and kiosk.error.text() == ""
    (job,) = PrintService(db, settings).jobs_for(kiosk.last.slip("").ticket_id)
    assert job.kind is DocumentKind.TICKET and job.staff_name == "取号机"
    qtbot.waitUntil(lambda: list((tmp_path / "slips").glob("*.pdf")) != [])
    (pdf,) = (tmp_path / "slips").glob("*.pdf")
    assert kiosk.last.ticket.number in "".join(p.extract_text() for p in PdfReader(pdf).pages)
