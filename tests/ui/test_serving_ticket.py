"""The ticket called at a window travels onto the cases opened while serving it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.services.queue_service import LocalQueue
from counter.ui.application import link_serving_ticket
from counter.ui.intake_page import IntakePage
from counter.ui.queue_panel import QueuePanel
from tests.ui.test_intake_page import choose_startup_bundle, make_page, type_company


def serve_and_take_in(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> tuple[IntakePage, QueuePanel, LocalQueue]:
    queue = LocalQueue(db)
    queue.issue("A", clock())
    page = make_page(qtbot, db, clock)
    panel = QueuePanel(queue, page.session, clock)
    qtbot.addWidget(panel)
    link_serving_ticket(panel, page, page.session, clock)
    panel.on_call_next()
    return page, panel, queue


def test_the_intake_page_names_the_ticket_being_served(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page, _panel, _queue = serve_and_take_in(qtbot, db, clock)
    assert page.serving.text() == "正在服务 A001 号"


def test_a_case_opened_while_serving_is_linked_both_ways(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page, panel, queue = serve_and_take_in(qtbot, db, clock)
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)

    assert page.last_result is not None, page.errors.general.text()
    case = page.last_result.case
    assert panel.current is not None and case.ticket_id == panel.current.id
    (ticket,) = [t for t in queue.at_window("3", clock()) if t.id == case.ticket_id]
    assert ticket.cases == (case.number,)


def test_finishing_the_ticket_stops_linking_new_cases(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page, panel, _queue = serve_and_take_in(qtbot, db, clock)
    panel.queue.finish(page.session, panel.current.id, ["企业开办"], clock())  # type: ignore[union-attr]
    panel.refresh()
    assert page.ticket_id is None and page.serving.text() == ""
