from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pypdf
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.catalog_service import CatalogService
from counter.services.session import Session, sign_in
from counter.services.visits_service import VisitsService
from counter.ui.visits_page import VisitsPage

USCC = "91350100M000100Y43"


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


class Printed:
    def __init__(self) -> None:
        self.jobs: list[tuple[DocumentKind, PrintPayload]] = []

    def __call__(
        self, session: Session, kind: DocumentKind, payload: PrintPayload, reference: str
    ) -> str:
        self.jobs.append((kind, payload))
        return "已送打印"


@pytest.fixture
def printed() -> Printed:
    return Printed()


@pytest.fixture
def page(qtbot: QtBot, db: Database, clock: Callable[[], datetime], printed: Printed) -> VisitsPage:
    service = VisitsService(db, CatalogService(db), Settings())
    session = sign_in(db, "wangqiang", DEMO_PASSWORD, "1", clock())
    page = VisitsPage(service, session, clock, print_document=printed)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    return page


def fill_visit(qtbot: QtBot, page: VisitsPage, phone: str = "13812345678") -> None:
    qtbot.keyClicks(page.fields["uscc"], USCC)
    # Chinese comes through the input method: set as the IME would commit it.
    page.fields["enterprise_name"].setText("示范科技有限公司")
    page.fields["address"].setText("示范市高新区创业路 8 号")
    page.fields["contact"].setText("张三")
    qtbot.keyClicks(page.fields["contact_phone"], phone)
    page.fields["place"].setText("企业会议室")
    page.fields["purpose"].setText("企业开办预审")
    qtbot.keyClicks(page.fields["items"], "YJS-QYKB")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_a_visit_is_logged_by_keyboard(qtbot: QtBot, page: VisitsPage) -> None:
    fill_visit(qtbot, page)
    assert "走访已保存" in page.outcome.text()
    assert page.list_model.rowCount() == 1
    assert page.visit is not None and page.visit.items == ("YJS-QYKB",)


def test_a_teammates_visit_shows_only_when_asked_for(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], page: VisitsPage
) -> None:
    fill_visit(qtbot, page)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", clock())
    form = page.form()
    page.service.save_visit(supervisor, replace(form, enterprise_name="另一家有限公司"), clock())
    page.refresh()
    assert page.mine_only.isChecked() and page.list_model.rowCount() == 1
    box = page.mine_only
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert page.list_model.rowCount() == 2


def test_a_bad_phone_is_shown_at_its_field_and_nothing_saved(
    qtbot: QtBot, page: VisitsPage
) -> None:
    fill_visit(qtbot, page, phone="12345")
    assert "手机号码应为11位" in page.errors.text("contact_phone")
    assert page.list_model.rowCount() == 0


def test_prereview_prints_the_list_and_makes_a_draft(
    qtbot: QtBot, page: VisitsPage, printed: Printed
) -> None:
    fill_visit(qtbot, page)
    page.tabs.setCurrentIndex(1)
    page.target.setFocus()
    qtbot.keyClick(page.target, Qt.Key.Key_Return)  # the visit's item is filled in
    table = page.checklist.table
    qtbot.keyClick(table, Qt.Key.Key_A)
    row = next(
        n
        for n in range(page.checklist.model.rowCount())
        if not page.checklist.model.record(n).line.exempt
    )
    table.selectRow(row)
    qtbot.keyClick(table, Qt.Key.Key_0)
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert "尚需准备 1 项" in page.outcome.text()
    kind, payload = printed.jobs[-1]
    missing = page.checklist.model.record(row).line.material.name
    assert kind is DocumentKind.NOTICE and missing in text(payload.pdf)

    page.tabs.setCurrentIndex(2)
    page.legal_rep.setText("张三")
    qtbot.keyClick(page, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert "办件草稿已生成" in page.outcome.text(), page.errors.general.text()
    assert len(page.service.open_drafts()) == 1


def test_a_follow_up_task_is_added_and_finished(qtbot: QtBot, page: VisitsPage) -> None:
    fill_visit(qtbot, page)
    page.task_text.setText("协助预约银行开户")
    page.task_due.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.tasks_model.rowCount() == 1
    page.tasks.selectRow(0)
    qtbot.keyClick(page, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert page.tasks_model.record(0).done_at is not None


# --- as the 受理 page finds it, with dates that make sense (issue 28) ----------------------


def test_the_prereview_item_is_found_by_pinyin_initials_as_at_the_window(
    qtbot: QtBot, page: VisitsPage
) -> None:
    fill_visit(qtbot, page)
    page.tabs.setCurrentIndex(1)
    page.target.clear()
    qtbot.keyClicks(page.target, "qykb")
    qtbot.keyClick(page.target, Qt.Key.Key_Return)
    assert page.target_code == "YJS-QYKB", page.checklist.error.text()
    assert "企业开办" in page.target_label.text()
    assert page.checklist.model.rowCount() > 0 and page.checklist.table.hasFocus()


def test_nothing_found_is_said_at_the_item_box(qtbot: QtBot, page: VisitsPage) -> None:
    fill_visit(qtbot, page)
    page.tabs.setCurrentIndex(1)
    page.target.clear()
    qtbot.keyClicks(page.target, "zzzzzz")
    qtbot.keyClick(page.target, Qt.Key.Key_Return)
    assert page.target_code == ""
    assert "目录中没有与“zzzzzz”相符" in page.checklist.error.text()


def test_a_task_is_due_the_next_working_day_and_an_authorisation_runs_a_month(
    qtbot: QtBot, page: VisitsPage
) -> None:
    # 2026-11-27 is a Friday: the next working day is Monday the 30th.
    assert page.task_due.date().toString("yyyy-MM-dd") == "2026-11-30"
    assert page.valid_until.date().toString("yyyy-MM-dd") == "2026-12-27"
    fill_visit(qtbot, page)
    page.task_text.setText("协助预约银行开户")
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.tasks_model.record(0).due.isoformat() == "2026-11-30"
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.task_due.date().toString("yyyy-MM-dd") == "2026-11-30"
