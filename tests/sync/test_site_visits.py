"""A specialist's laptop works offline for a visit; after sync the hall takes the draft in.

Two stores (the laptop and a hall counter) exchange through a real central process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database
from sync_support import Central, client_for, seeded_counter

from counter.model.cases import CaseState
from counter.model.devices import DeviceKind
from counter.model.intake import MaterialStatus, initial_states, set_status
from counter.model.settings import Settings
from counter.model.visits import AuthorisationForm, DraftState, VisitForm
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeService
from counter.services.session import sign_in
from counter.services.visits_service import DraftApplicant, VisitsService
from counter.ui.drafts_dialog import DraftsDialog
from counter.ui.intake_page import IntakePage

USCC = "91350100M000100Y43"
AGENT = "11010519491231002X"
BUNDLE = "YJS-QYKB"


def visit_form(day: int, name: str = "示范科技有限公司") -> VisitForm:
    return VisitForm(
        USCC, name, "示范市高新区创业路 8 号", "张三", "13812345678", date(2026, 11, day),
        "企业会议室", "企业开办预审", (BUNDLE,),
    )  # fmt: skip


def work_offline(laptop: Database, now: datetime) -> str:
    """Three visits, a pre-review with everything ready, an authorisation and a draft."""
    visits = VisitsService(laptop, CatalogService(laptop), Settings())
    specialist = sign_in(laptop, "wangqiang", DEMO_PASSWORD, "1", now)
    made = [visits.save_visit(specialist, visit_form(day), now) for day in (24, 25, 26)]
    checklist = visits.checklist(BUNDLE)
    states = tuple(
        state if line.exempt else set_status(line, state, MaterialStatus.ORIGINAL)
        for line, state in zip(checklist, initial_states(checklist), strict=True)
    )
    review = visits.prereview(specialist, made[-1].id, BUNDLE, states, now)
    auth = visits.authorise(
        specialist, made[-1].id, AuthorisationForm("李四", AGENT, (BUNDLE,), date(2026, 12, 31)),
        now,
    )  # fmt: skip
    applicant = DraftApplicant(USCC, "示范科技有限公司", "张三", "13812345678")
    return visits.make_draft(specialist, review.id, applicant, now, auth.id).id


def hall_page(qtbot: QtBot, hall: Database, clock: Callable[[], datetime]) -> IntakePage:
    settings = Settings()
    catalog = CatalogService(hall)
    intake = IntakeService(hall, catalog, CalendarService(hall, settings.working_hours), settings)
    visits = VisitsService(hall, catalog, settings)
    clerk = sign_in(hall, "lina", DEMO_PASSWORD, "3", clock())
    page = IntakePage(intake, clerk, settings, clock, drafts=visits.open_drafts)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    return page


def press_enter_in_drafts() -> None:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, DraftsDialog)
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)


def test_a_draft_made_offline_is_taken_in_at_the_hall_after_sync(
    qtbot: QtBot,
    central: Central,
    tmp_path: Path,
    seeded_template: Path,
    now: datetime,
) -> None:
    laptop = seeded_counter(
        seeded_template, tmp_path / "laptop.db", central, kind=DeviceKind.LAPTOP
    )
    hall = seeded_counter(seeded_template, tmp_path / "hall.db", central, window="3")
    central.stop()

    draft_id = work_offline(laptop, now)
    offline = client_for(laptop, central).step()
    assert not offline.online
    assert VisitsService(hall, CatalogService(hall), Settings()).open_drafts() == []

    central.start()
    assert client_for(laptop, central).step().online
    client_for(hall, central).step()
    assert hall.execute("SELECT count(*) FROM visits").fetchone()[0] == 3

    later = now + timedelta(hours=2)
    page = hall_page(qtbot, hall, lambda: later)
    QTimer.singleShot(100, press_enter_in_drafts)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    assert page.draft_id == draft_id
    assert page.fields["agent_name"].text() == "李四"
    page.activateWindow()  # the main window takes the focus back from the closed dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    qtbot.keyClick(page, Qt.Key.Key_F5)
    result = page.last_result
    assert result is not None, page.errors.general.text()
    assert result.case.state is CaseState.ACCEPTED and result.case.agent_name == "李四"

    client_for(hall, central).step()
    client_for(laptop, central).step()
    for store in (hall, laptop):
        taken = VisitsService(store, CatalogService(store), Settings()).draft(draft_id)
        assert taken.state is DraftState.TAKEN and taken.case_number == result.case.number
    settings = Settings()
    calendar = CalendarService(laptop, settings.working_hours)
    intake = IntakeService(laptop, CatalogService(laptop), calendar, settings)
    on_laptop = CasesService(laptop, intake, calendar, settings).by_number(result.case.number)
    assert on_laptop is not None and on_laptop.state is CaseState.ACCEPTED
