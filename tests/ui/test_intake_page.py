from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    check_applicant,
)
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.session import sign_in
from counter.ui.intake_page import IntakePage
from tests.materials import originals

USCC = "91350100M000100Y43"
USCC_BAD_CHECK = "91350100M000100Y44"


def make_page(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], login: str = "lina"
) -> IntakePage:
    settings = Settings()
    intake = IntakeService(
        db, CatalogService(db), CalendarService(db, settings.working_hours), settings
    )
    session = sign_in(db, login, DEMO_PASSWORD, "3", clock())
    page = IntakePage(intake, session, settings, clock)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    # Page shortcuts (F5 …) fire only in the active window, as on the clerk's screen.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    return page


@pytest.fixture
def page(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> IntakePage:
    return make_page(qtbot, db, clock)


def choose_startup_bundle(qtbot: QtBot, page: IntakePage) -> None:
    page.focus_search()
    qtbot.keyClicks(page.search, "qykb")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)


def type_company(qtbot: QtBot, page: IntakePage, uscc: str = USCC) -> None:
    qtbot.keyClicks(page.fields["id_number"], uscc)
    # Chinese names come through the input method: set as the IME would commit them.
    page.fields["name"].setText("示范科技有限公司")
    page.fields["legal_rep"].setText("张三")
    qtbot.keyClicks(page.fields["phone"], "13812345678")


def count(db: Database, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def test_a_startup_bundle_goes_from_walk_in_to_acceptance_by_keyboard(
    qtbot: QtBot, page: IntakePage, db: Database
) -> None:
    choose_startup_bundle(qtbot, page)
    assert page.target is not None and page.target.code == "YJS-QYKB"
    assert page.fields["id_number"].hasFocus()
    type_company(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert page.checklist.table.hasFocus()
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)

    assert page.last_result is not None, page.errors.general.text()
    assert count(db, "SELECT count(*) FROM cases WHERE parent_id IS NULL") == 1
    assert count(db, "SELECT count(*) FROM cases WHERE parent_id IS NOT NULL") == 6
    assert count(db, "SELECT count(*) FROM cases WHERE state = '已受理'") == 7
    assert count(db, "SELECT count(*) FROM case_events WHERE action = '受理'") == 7
    assert count(db, "SELECT count(*) FROM outbox WHERE table_name = 'case_events'") == 7
    assert count(db, "SELECT count(*) FROM outbox WHERE table_name = 'cases'") == 14
    assert count(db, "SELECT count(*) FROM outbox WHERE table_name = 'applicants'") == 1
    assert count(db, "SELECT count(*) FROM cases WHERE ticket_id IS NOT NULL") == 0
    text = page.preview.toPlainText()
    assert "受理通知书" in text and page.last_result.case.number in text
    assert "913501********0Y43" in text  # masked on screen by default


def test_a_bad_code_is_reported_under_its_field_as_typed(qtbot: QtBot, page: IntakePage) -> None:
    choose_startup_bundle(qtbot, page)
    qtbot.keyClicks(page.fields["id_number"], "9135")
    label = page.errors.labels["id_number"]
    assert label.isVisible() and "应为18位，现在是4位" in label.text()
    qtbot.keyClicks(page.fields["id_number"], "0100M000100Y43")
    assert not label.isVisible()


def test_a_bad_phone_is_reported_under_its_field(qtbot: QtBot, page: IntakePage) -> None:
    qtbot.keyClicks(page.fields["phone"], "1281234567")
    assert "应为11位" in page.errors.labels["phone"].text()


def test_accepting_with_materials_missing_is_refused_at_the_checklist(
    qtbot: QtBot, page: IntakePage, db: Database
) -> None:
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page)
    qtbot.keyClick(page.fields["phone"], Qt.Key.Key_F5)
    assert "材料不齐，不能受理" in page.checklist.error.text()
    assert count(db, "SELECT count(*) FROM cases") == 0


def test_the_one_time_notice_key_lists_every_missing_material(
    qtbot: QtBot, page: IntakePage
) -> None:
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page)
    qtbot.keyClick(page.fields["phone"], Qt.Key.Key_F6)
    text = page.preview.toPlainText()
    assert "一次性告知书" in text and "公司章程\n原件；1 份" in text


def test_rongque_on_a_line_that_does_not_allow_it_is_refused(
    qtbot: QtBot, page: IntakePage
) -> None:
    choose_startup_bundle(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_4)
    assert "不在本事项的容缺受理清单内" in page.checklist.error.text()


def test_number_keys_set_status_and_copies(qtbot: QtBot, page: IntakePage) -> None:
    choose_startup_bundle(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    table = page.checklist.table
    qtbot.keyClick(table, Qt.Key.Key_1)
    qtbot.keyClick(table, Qt.Key.Key_Plus)
    state = page.checklist.states()[0]
    assert state.status.value == "原件已收" and state.copies == 2
    qtbot.keyClick(table, Qt.Key.Key_0)
    assert page.checklist.states()[0].status.value == "未提交"


def test_a_checksum_warning_needs_a_supervisor_before_saving(
    qtbot: QtBot, page: IntakePage, db: Database
) -> None:
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page, USCC_BAD_CHECK)
    assert page.warnings["id_number"].isVisible()
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    assert "须值班长确认" in page.errors.labels["id_number"].text()
    assert count(db, "SELECT count(*) FROM cases") == 0


def test_a_signed_in_supervisor_confirms_a_warning_with_f4(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock, login="zhangwei")
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page, USCC_BAD_CHECK)
    qtbot.keyClick(page.fields["phone"], Qt.Key.Key_F4)
    assert "张伟" in page.override_label.text()
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    assert page.last_result is not None
    assert "override_by" in db.execute("SELECT data FROM case_events LIMIT 1").fetchone()[0]


def test_a_returning_applicant_fills_the_empty_fields(qtbot: QtBot, page: IntakePage) -> None:
    ready_to_accept(qtbot, page)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.fields["id_number"].text() == "" and page.search.hasFocus()
    choose_startup_bundle(qtbot, page)
    qtbot.keyClicks(page.fields["id_number"], USCC)
    assert page.fields["name"].text() == "示范科技有限公司"
    assert page.fields["legal_rep"].text() == "张三"
    assert "老申请人" in page.returning.text()


def test_a_decision_before_choosing_an_item_asks_for_one(qtbot: QtBot, page: IntakePage) -> None:
    qtbot.keyClick(page.search, Qt.Key.Key_F5)
    assert "请先选择" in page.errors.general.text()


# --- a person a supervisor confirmed once (issue 27) ------------------------------------

HENGYANG_ID = "430405198001011239"  # 衡阳市珠晖区, set up in 2001; born 1980


def confirm_once(db: Database, clock: Callable[[], datetime]) -> None:
    """The person's first visit, weeks ago at window 2: 张伟 confirmed the area code."""
    settings = Settings()
    intake = IntakeService(
        db, CatalogService(db), CalendarService(db, settings.working_hours), settings
    )
    first = datetime(2026, 11, 2, 9, 30, tzinfo=clock().tzinfo)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "2", first)
    form = ApplicantForm(ApplicantKind.PERSON, HENGYANG_ID, "刘衡阳", "13812345678")
    _, _, warnings = check_applicant(form, first.date())
    override = intake.confirm_override(clerk, warnings, "zhangwei", DEMO_PASSWORD)
    states = originals(intake.checklist("SCJG-0002"))
    request = IntakeRequest("SCJG-0002", form, states, Decision.ACCEPT, override=override)
    intake.decide(clerk, request, first)


def type_person_id(qtbot: QtBot, page: IntakePage, typed: str) -> None:
    """At the startup bundle, a person applying types in their ID number."""
    choose_startup_bundle(qtbot, page)
    page.kind.setCurrentIndex(list(ApplicantKind).index(ApplicantKind.PERSON))
    qtbot.keyClicks(page.fields["id_number"], typed)


def test_a_person_confirmed_at_an_earlier_visit_shows_verified_and_needs_no_override(
    qtbot: QtBot, page: IntakePage, db: Database, clock: Callable[[], datetime]
) -> None:
    confirm_once(db, clock)
    type_person_id(qtbot, page, "4304 0519 8001 0112 39")
    assert page.fields["name"].text() == "刘衡阳"  # a returning applicant: filled in
    label = page.warnings["id_number"]
    assert label.isVisible() and label.text() == "已核验（值班长 张伟 2026-11-02）"
    qtbot.keyClick(page.fields["phone"], Qt.Key.Key_F4)
    assert page.override_label.text() == "没有需要确认的提示"
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    assert page.last_result is not None, page.errors.general.text()
    assert page.last_result.case.applicant_id_number == HENGYANG_ID


def test_a_person_never_confirmed_still_needs_the_supervisor(
    qtbot: QtBot, page: IntakePage, db: Database, clock: Callable[[], datetime]
) -> None:
    confirm_once(db, clock)
    type_person_id(qtbot, page, "430406198001011235")
    assert "地区码“430406”" in page.warnings["id_number"].text()
    assert "F4 请值班长确认" in page.warnings["id_number"].text()


# --- a clerk's day without surprises (issue 28) -----------------------------------------


def ready_to_accept(qtbot: QtBot, page: IntakePage) -> None:
    choose_startup_bundle(qtbot, page)
    type_company(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)


def parents(db: Database) -> int:
    return count(db, "SELECT count(*) FROM cases WHERE parent_id IS NULL")


def test_a_second_press_of_the_decision_key_makes_no_second_case(
    qtbot: QtBot, page: IntakePage, db: Database
) -> None:
    printed: list[str] = []
    page.print_notice = lambda _session, notice: printed.append(notice.case_number) or "已打印"
    ready_to_accept(qtbot, page)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_F5)
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_F6)

    assert parents(db) == 1 and len(printed) == 1
    assert page.saved is not None and page.saved.case.number in page.errors.general.text()
    assert "Ctrl+N" in page.errors.general.text()
    assert not any(b.isEnabled() for b in page.decision_buttons.values())
    # Ctrl+N starts the next form: its own decision is taken.
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    assert all(b.isEnabled() for b in page.decision_buttons.values())
    choose_startup_bundle(qtbot, page)
    qtbot.keyClicks(page.fields["id_number"], USCC)  # a returning applicant: filled in
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    assert parents(db) == 2 and len(printed) == 2


def test_a_key_pressed_again_during_a_slow_save_makes_no_second_case(
    qtbot: QtBot, page: IntakePage, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready_to_accept(qtbot, page)
    decide = page.intake.decide
    pressed_meanwhile: list[bool] = []

    def slow_decide(*args: object, **kwargs: object) -> object:
        if not pressed_meanwhile:  # the clerk presses again while the disk is slow
            pressed_meanwhile.append(page.decision_buttons[Decision.ACCEPT].isEnabled())
            qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_F5)
            qtbot.wait(50)
        return decide(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(page.intake, "decide", slow_decide)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)

    assert parents(db) == 1
    assert pressed_meanwhile == [False]  # the buttons are off while it saves
    assert page.saved is not None and "已保存" in page.outcome.text()


def test_the_service_refuses_a_form_decided_before_whatever_the_page_does(
    qtbot: QtBot, page: IntakePage, db: Database
) -> None:
    ready_to_accept(qtbot, page)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    number = page.saved.case.number  # type: ignore[union-attr]
    page.saved = None  # as if the page had lost track of it
    page.enable_decisions(True)
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_F6)
    assert parents(db) == 1
    assert f"已保存为办件 {number}" in page.errors.general.text()


def test_every_field_s_message_shows_at_once_each_in_its_own_space(
    qtbot: QtBot, page: IntakePage, db: Database
) -> None:
    page.resize(1366, 768)
    choose_startup_bundle(qtbot, page)
    qtbot.keyClicks(page.fields["id_number"], USCC_BAD_CHECK)
    page.fields["name"].setText("示范科技有限公司")
    qtbot.keyClicks(page.fields["phone"], "1381234567")  # a digit short
    qtbot.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_A)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)

    errors = page.errors.labels
    fields = ("id_number", "legal_rep", "phone")
    shown = {f: errors[f].text() for f in fields if errors[f].isVisible()}
    assert set(shown) == {"id_number", "legal_rep", "phone"}, shown
    assert shown["id_number"] == "须值班长确认后才能保存：见下方提示，按 F4 请值班长确认"
    assert "请填写法定代表人" in shown["legal_rep"]
    assert "应为11位" in shown["phone"]
    warning = page.warnings["id_number"]
    assert warning.isVisible() and "F4 请值班长确认" in warning.text()
    assert page.fields["id_number"].hasFocus()  # the first field named
    assert count(db, "SELECT count(*) FROM cases") == 0
    qtbot.wait(10)  # laid out
    labels = [errors["id_number"], warning, errors["legal_rep"], errors["phone"]]
    for label in labels:  # whole: as high as its wrapped text needs
        assert label.height() >= label.heightForWidth(label.width()), label.objectName()
    boxes = [label.geometry().translated(label.parentWidget().pos()) for label in labels]
    field = page.fields["id_number"]
    edit = field.geometry().translated(field.parentWidget().pos())
    assert not boxes[0].intersects(boxes[1]) and not boxes[0].intersects(edit)
    assert boxes[0].bottom() < boxes[1].top()  # the red line, then the amber one


def test_a_bundle_for_persons_keeps_the_applicant_a_person(qtbot: QtBot, page: IntakePage) -> None:
    person = list(ApplicantKind).index(ApplicantKind.PERSON)
    page.kind.setCurrentIndex(person)
    page.focus_search()
    qtbot.keyClicks(page.search, "xsecs")  # 新生儿出生一件事
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.target is not None and page.target.code == "YJS-XSECS"
    assert page.applicant_kind() is ApplicantKind.PERSON
    assert page.labels["id_number"].text() == "居民身份证号"
    choose_startup_bundle(qtbot, page)  # 企业开办 is for enterprises
    assert page.applicant_kind() is ApplicantKind.ENTERPRISE
