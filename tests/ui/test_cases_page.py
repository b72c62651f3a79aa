from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.cases import Action, CaseState
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    MaterialStatus,
    initial_states,
    set_status,
)
from counter.model.print_job import DocumentKind
from counter.model.settings import Settings
from counter.printing import payloads
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeResult, IntakeService
from counter.services.print_service import PrintService
from counter.services.session import sign_in
from counter.ui.cases_page import CasesPage

USCC = "91350100M000100Y43"


@pytest.fixture
def taken(db: Database, now: datetime) -> tuple[CasesService, IntakeResult]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    checklist = intake.checklist("YJS-QYKB")
    states = tuple(
        s if line.exempt else set_status(line, s, MaterialStatus.ORIGINAL)
        for line, s in zip(checklist, initial_states(checklist), strict=True)
    )
    form = ApplicantForm(ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678",
                         legal_rep="张三")  # fmt: skip
    session = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    result = intake.decide(session, IntakeRequest("YJS-QYKB", form, states, Decision.ACCEPT), now)
    return CasesService(db, intake, calendar, settings), result


@pytest.fixture
def page(
    qtbot: QtBot,
    db: Database,
    clock: Callable[[], datetime],
    taken: tuple[CasesService, IntakeResult],
) -> CasesPage:
    cases, _ = taken
    session = sign_in(db, "lina", DEMO_PASSWORD, "3", clock())
    widget = CasesPage(cases, session, cases.settings, clock)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


def test_a_scanned_case_number_opens_the_case(
    qtbot: QtBot, page: CasesPage, taken: tuple[CasesService, IntakeResult]
) -> None:
    _, result = taken
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.keyClicks(page.search, result.sub_cases[1].number)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.detail is not None
    assert page.detail.row.case.id == result.sub_cases[1].id
    assert result.sub_cases[1].number in page.heading.text()


def test_a_name_fragment_finds_the_bundle_with_its_sub_cases(qtbot: QtBot, page: CasesPage) -> None:
    page.search.setText("示范科")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.results_model.rowCount() == 1
    assert page.subs_model.rowCount() == 6
    assert page.events_model.rowCount() == 1
    assert page.materials_model.rowCount() == len(page.detail.materials)  # type: ignore[union-attr]


def test_identifiers_are_masked_until_ctrl_u_and_the_view_is_logged(
    qtbot: QtBot, page: CasesPage, db: Database
) -> None:
    assert "913501********0Y43" in page.info.text()
    assert USCC not in page.info.text()
    qtbot.keyClick(page.search, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert USCC in page.message.text()
    assert db.execute("SELECT count(*) FROM unmask_log").fetchone()[0] == 1


def test_only_the_actions_the_state_allows_are_offered(page: CasesPage) -> None:
    visible = {a for a, b in page.action_buttons.items() if not b.isHidden()}
    assert Action.START in visible and Action.PAUSE in visible
    assert Action.DELIVER not in visible and Action.SUPPLEMENT_ARRIVED not in visible


def test_starting_work_by_keyboard_moves_the_bundle_on(qtbot: QtBot, page: CasesPage) -> None:
    button = page.action_buttons[Action.START]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert page.detail is not None
    assert page.detail.row.case.state is CaseState.PROCESSING
    assert {r.case.state for r in page.detail.sub_cases} == {CaseState.PROCESSING}
    assert "已开始办理" in page.message.text()


def test_print_again_previews_the_acceptance_notice(qtbot: QtBot, page: CasesPage) -> None:
    button = page.action_buttons[Action.REPRINT]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert "受理通知书" in page.preview.toPlainText()
    assert page.events_model.rowCount() == 2


def test_the_state_filter_hides_cases_in_other_states(qtbot: QtBot, page: CasesPage) -> None:
    page.state_filter.setCurrentIndex(page.state_filter.findData(CaseState.DELIVERED))
    page.on_search()
    assert page.results_model.rowCount() == 0
    assert "没有找到" in page.heading.text()


def test_case_rows_pass_qt_model_checks(qtmodeltester, page: CasesPage) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(page.results_model)


def test_the_hall_figures_compare_asked_materials_with_the_naive_sum(page: CasesPage) -> None:
    assert "每件需提交材料 16.0 项" in page.figures.text()
    assert "简单相加 35.0 项" in page.figures.text()


def test_supplement_arrival_is_marked_in_the_dialog_by_keyboard(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], now: datetime
) -> None:
    from PySide6.QtCore import QTimer

    from counter.ui.case_action_dialog import CaseActionDialog

    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    session = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    form = ApplicantForm(ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678",
                         legal_rep="张三")  # fmt: skip
    states = initial_states(intake.checklist("SCJG-0002"))
    case = intake.decide(
        session, IntakeRequest("SCJG-0002", form, states, Decision.SUPPLEMENT), now
    ).case
    page = CasesPage(CasesService(db, intake, calendar, settings), session, settings, clock)
    qtbot.addWidget(page)
    page.show()
    assert page.detail is not None and page.detail.row.case.id == case.id
    button = page.action_buttons[Action.SUPPLEMENT_ARRIVED]
    assert not button.isHidden()

    def work_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CaseActionDialog)
        qtbot.keyClick(dialog.checklist.table, Qt.Key.Key_A)
        qtbot.keyClick(dialog.checklist.table, Qt.Key.Key_Return)

    QTimer.singleShot(0, work_the_dialog)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert page.detail.row.case.state is CaseState.ACCEPTED
    assert "受理通知书" in page.preview.toPlainText()


def test_delivery_at_the_window_asks_who_collects_and_shows_it(
    qtbot: QtBot, page: CasesPage, now: datetime, taken: tuple[CasesService, IntakeResult]
) -> None:
    from PySide6.QtCore import QTimer

    from counter.ui.case_action_dialog import CaseActionDialog

    cases, result = taken
    cases.act(page.session, result.case.id, Action.APPROVE, now)
    page.open_case(result.case.id)
    seen: list[str] = []

    def name_nobody() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CaseActionDialog)
        QTimer.singleShot(0, name_the_collector)
        dialog.accept()

    def name_the_collector() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CaseActionDialog)
        seen.append(dialog.errors.text("recipient_name"))
        dialog.recipient_name.setText("李四")
        qtbot.keyClicks(dialog.recipient_id, "11010519491231002x")
        dialog.accept()

    QTimer.singleShot(0, name_nobody)
    button = page.action_buttons[Action.DELIVER]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert seen == ["请填写领取人姓名"]
    assert page.detail is not None and page.detail.row.case.state is CaseState.DELIVERED
    assert "领取人 李四（身份证号 110105********002X）" in page.deadline_info.text()
    last = page.events_model.rowCount() - 1
    assert page.events_model.index(last, 4).data() == "领取人 李四（110105********002X）"
    assert "领取人：李四（身份证号 110105********002X）" in page.preview.toPlainText()


def test_the_case_shows_what_was_printed_for_it(
    qtbot: QtBot,
    page: CasesPage,
    db: Database,
    now: datetime,
    taken: tuple[CasesService, IntakeResult],
) -> None:
    _, result = taken
    service = PrintService(db, Settings())
    assert result.notice is not None
    service.submit(page.session, DocumentKind.NOTICE, payloads.notice(result.notice),
                   result.case.number, now)  # fmt: skip
    page.print_jobs = service.jobs_for
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.keyClicks(page.search, result.case.number)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.prints_model.rowCount() == 1
    assert "受理通知书" in page.prints_model.record(0).title
