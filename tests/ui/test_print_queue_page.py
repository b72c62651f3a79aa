from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.print_job import DocumentKind, JobStatus, PrintPayload
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.print_service import PrintService
from counter.services.print_spool import pdf_folder
from counter.services.session import Session, sign_in
from counter.services.settings_service import SettingsService
from counter.ui.main_window import MainWindow
from counter.ui.print_queue_page import PrintQueuePage
from counter.ui.print_spool import PrintSpool

NOTICE = PrintPayload("受理通知书 20261127-1A7-0042", b"%PDF-1.4 notice", None)


@pytest.fixture
def session(db: Database, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, "3", now)


@pytest.fixture
def service(db: Database) -> PrintService:
    return PrintService(db, Settings())


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    yield pool
    pool.waitForDone()


@pytest.fixture
def page(
    qtbot: QtBot,
    service: PrintService,
    session: Session,
    store_path: Path,
    clock: Callable[[], datetime],
    pool: QThreadPool,
) -> PrintQueuePage:
    spool = PrintSpool(store_path, lambda: service.settings, clock, pool=pool)
    page = PrintQueuePage(service, session, spool, clock)
    spool.setParent(page)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    return page


def failed_job(service: PrintService, now: datetime) -> str:
    job = service.submit("窗口3", DocumentKind.NOTICE, NOTICE, "20261127-1A7-0042", now)
    claimed = service.claim_next(now)
    assert claimed is not None
    service.not_printed(claimed[0], "小票打印机缺纸：请装纸", now, permanent=False)
    return job.id


def row_texts(page: PrintQueuePage, row: int = 0) -> list[str]:
    model = page.model
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_page_lists_jobs_with_status_attempts_and_error(
    page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    failed_job(service, now)
    page.refresh()
    texts = row_texts(page)
    assert "受理通知书 20261127-1A7-0042" in texts
    assert "等待重试（第 1 次失败）" in texts
    assert "1" in texts
    assert "小票打印机缺纸：请装纸" in texts


def test_spool_prints_in_the_background_and_the_page_follows(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, store_path: Path, now: datetime
) -> None:
    service.submit("窗口3", DocumentKind.NOTICE, NOTICE, "20261127-1A7-0042", now)
    with qtbot.waitSignal(page.spool.state_changed) as blocker:
        page.spool.kick()
    assert blocker.args == ["打印机正常", True]
    assert "已打印" in row_texts(page)
    assert len(list(pdf_folder(store_path).glob("*.pdf"))) == 1


def test_ctrl_r_retries_the_selected_job_now(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    job_id = failed_job(service, now)
    page.refresh()
    page.table.setFocus()
    with qtbot.waitSignal(page.spool.printed):
        qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert service.job(job_id).status is JobStatus.DONE


def test_delete_cancels_the_selected_job(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    job_id = failed_job(service, now)
    page.refresh()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert service.job(job_id).status is JobStatus.CANCELLED
    assert "已取消" in row_texts(page, 0) + row_texts(page, page.model.rowCount() - 1)
    page.spool.pool.waitForDone()


def test_ctrl_p_reprints_from_history(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    job_id = failed_job(service, now)
    page.refresh()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert any(j.reprint_of == job_id for j in service.jobs())
    page.spool.pool.waitForDone()


def test_cancelling_a_printed_job_is_refused_on_the_page(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    job = service.submit("窗口3", DocumentKind.NOTICE, NOTICE, "c", now)
    claimed = service.claim_next(now)
    assert claimed is not None
    service.printed(claimed[0], now)
    page.refresh()
    page.on_cancel_requested()
    assert "已打印，不能取消" in page.message.text()
    assert service.job(job.id).status is JobStatus.DONE


def test_status_bar_shows_printer_trouble_until_it_clears(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    window = MainWindow(
        session,
        [],
        settings=SettingsService(tmp_path / "s.toml"),
        store_path="x",
        hall_name="示范市政务服务中心",
    )
    qtbot.addWidget(window)
    window.show()
    window.show_printer_state("打印异常（1 项待处理）：小票打印机缺纸", False)
    assert window.printer.isVisible()
    assert "缺纸" in window.printer.text()
    window.show_printer_state("打印机正常", True)
    assert not window.printer.isVisible()


def test_a_closed_page_leaves_its_store_alone_when_the_spool_reports(
    page: PrintQueuePage, service: PrintService, db: Database, now: datetime
) -> None:
    """The spool outlives a closed window for a moment; by then the store may be closed."""
    page.close()
    db.close()
    page.spool.printed.emit([])  # no "Cannot operate on a closed database"


def test_a_hidden_page_reads_the_list_when_shown_again(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    page.hide()
    failed_job(service, now)
    page.spool.printed.emit([])
    assert page.model.rowCount() == 0
    page.show()
    qtbot.waitExposed(page)
    assert page.model.rowCount() == 1


def test_a_kiosk_ticket_not_printed_is_called_out_above_the_list(
    qtbot: QtBot, page: PrintQueuePage, service: PrintService, now: datetime
) -> None:
    """Issue 28: the kiosk sent its visitor to the guide desk; the desk sees the number."""
    slip = PrintPayload("排队小票 A017", b"%PDF-1.4 ticket", b"\x1b@")
    service.submit("取号机", DocumentKind.TICKET, slip, "20261127-A017", now)
    claimed = service.claim_next(now)
    assert claimed is not None
    service.not_printed(claimed[0], "小票打印机缺纸：请装纸", now, permanent=False)
    page.refresh()
    assert page.alert.isVisible()
    assert page.alert.text() == (
        "取号机 A017 号小票未打印，访客已被请到导办台取号（小票打印机缺纸：请装纸）"
    )
    with qtbot.waitSignal(page.spool.state_changed) as blocker:
        page.spool.kick()
    assert blocker.args[0].startswith("取号机 A017 号小票未打印") and blocker.args[1] is False
