"""The ticket called at a window travels onto the cases opened while serving it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.intake import ApplicantKind
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
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
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


def test_a_booked_visitor_s_name_and_id_go_onto_the_form(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    queue = LocalQueue(db)
    queue.check_in("YY0001", clock())  # 王小明 booked for category A
    page = make_page(qtbot, db, clock)
    panel = QueuePanel(queue, page.session, clock)
    qtbot.addWidget(panel)
    link_serving_ticket(panel, page, page.session, clock)
    page.kind.setCurrentIndex(list(ApplicantKind).index(ApplicantKind.PERSON))
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    qtbot.keyClick(panel, Qt.Key.Key_F1)

    assert page.serving.text().startswith("正在服务 A")
    assert page.fields["name"].text() == "王小明"
    assert page.fields["id_number"].text() == "110101199003071234"
    assert "预约" in page.returning.text()
    # For an enterprise the visitor is its agent: the booked person moves there.
    choose_startup_bundle(qtbot, page)
    assert page.applicant_kind() is ApplicantKind.ENTERPRISE
    assert page.fields["id_number"].text() == "" and page.fields["name"].text() == ""
    assert page.fields["agent_name"].text() == "王小明"
    assert page.fields["agent_id"].text() == "110101199003071234"


def test_a_walk_in_ticket_leaves_the_form_empty(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page, _panel, _queue = serve_and_take_in(qtbot, db, clock)
    assert all(not edit.text() for edit in page.fields.values())


def test_finishing_a_booked_ticket_leaves_what_the_clerk_has_on_the_form(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    queue = LocalQueue(db)
    queue.check_in("YY0001", clock())
    page = make_page(qtbot, db, clock)
    page.kind.setCurrentIndex(list(ApplicantKind).index(ApplicantKind.PERSON))
    panel = QueuePanel(queue, page.session, clock)
    qtbot.addWidget(panel)
    link_serving_ticket(panel, page, page.session, clock)
    panel.on_call_next()
    assert page.fields["name"].text() == "王小明"
    panel.queue.finish(page.session, panel.current.id, ["企业开办"], clock())  # type: ignore[union-attr]
    panel.refresh()
    assert page.ticket_id is None and page.fields["name"].text() == "王小明"
