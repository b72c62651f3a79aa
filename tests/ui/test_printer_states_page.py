"""A thermal printer's state on the print queue page (issue 29, point 6).

The page's state line is the status bar's text (``PrintSpool.state_changed``); the
job's row carries the reason it did not print.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.settings import Settings
from counter.services import print_spool
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.print_service import PrintService
from counter.services.session import sign_in
from counter.ui.print_queue_page import PrintQueuePage
from counter.ui.print_spool import PrintSpool
from tests.services.fake_printer import FakePrinter

SLIP = PrintPayload("排队小票 A017", b"%PDF-1.4 ticket", b"\x1b@\x1c&A017-ticket")


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    yield pool
    pool.waitForDone()


def _page(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime, pool: QThreadPool, target: str
) -> PrintQueuePage:
    service = PrintService(db, Settings({"ticket_printer": target}))
    clock: Callable[[], datetime] = lambda: now  # noqa: E731
    spool = PrintSpool(store_path, lambda: service.settings, clock, pool=pool)
    page = PrintQueuePage(service, sign_in(db, "lina", DEMO_PASSWORD, "3", now), spool, clock)
    spool.setParent(page)
    qtbot.addWidget(page)
    service.submit("取号机1", DocumentKind.TICKET, SLIP, "A017-1127", now)
    return page


def _row(page: PrintQueuePage) -> list[str]:
    return [page.model.data(page.model.index(0, c)) for c in range(page.model.columnCount())]


@pytest.mark.parametrize(
    ("state", "said", "status"),
    [
        ({"cover_open": True}, "纸仓盖打开", "等待重试（第 1 次失败）"),
        ({"paper_out": True}, "缺纸", "等待重试（第 1 次失败）"),
        ({"near_end": True}, "纸将用尽", "已打印"),
    ],
)
def test_each_printer_state_is_on_the_page_and_the_status_line(
    qtbot: QtBot,
    db: Database,
    store_path: Path,
    now: datetime,
    pool: QThreadPool,
    state: dict[str, bool],
    said: str,
    status: str,
) -> None:
    print_spool._notes.clear()
    printer = FakePrinter(**state)
    try:
        page = _page(qtbot, db, store_path, now, pool, printer.target)
        with qtbot.waitSignal(page.spool.state_changed) as blocker:
            page.spool.kick()
        page.refresh()
    finally:
        printer.close()
        print_spool._notes.clear()
    text, ok = blocker.args
    assert said in text and not ok  # what the status bar shows
    assert said in page.state.text()  # and the page's own state line
    assert status in _row(page)
