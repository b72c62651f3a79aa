from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.cases import Action
from counter.model.giftpack import DEFAULT_CONTENTS
from counter.model.giftpack_handover import LineReadiness
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    MaterialStatus,
    initial_states,
    set_status,
)
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.giftpack_service import GiftPackService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.session import Session, sign_in
from counter.ui.giftpack_page import GiftPackPage

USCC = "91350100M000100Y43"
PERSON = "11010519491231002X"


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


def startup_case(db: Database, now: datetime) -> str:
    """A 企业开办 case taken in and 办结（准予）: its pack may be handed over."""
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    checklist = intake.checklist("YJS-QYKB")
    states = tuple(
        state if line.exempt else set_status(line, state, MaterialStatus.ORIGINAL)
        for line, state in zip(checklist, initial_states(checklist), strict=True)
    )
    form = ApplicantForm(
        ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678", legal_rep="张三"
    )
    request = IntakeRequest("YJS-QYKB", form, states, Decision.ACCEPT)
    case = intake.decide(clerk, request, now).case
    CasesService(db, intake, calendar, settings).act(clerk, case.id, Action.APPROVE, now)
    return case.number


def make_page(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], printed: Printed, login: str,
    window: str,
) -> GiftPackPage:  # fmt: skip
    service = GiftPackService(db, Settings(), DEFAULT_CONTENTS)
    session = sign_in(db, login, DEMO_PASSWORD, window, clock())
    page = GiftPackPage(service, session, clock, print_document=printed)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    return page


@pytest.fixture
def printed() -> Printed:
    return Printed()


def open_case(qtbot: QtBot, page: GiftPackPage, number: str) -> None:
    page.focus_number()
    qtbot.keyClicks(page.number, number)
    qtbot.keyClick(page.number, Qt.Key.Key_Return)


def arrive_and_tick(qtbot: QtBot, page: GiftPackPage, rows: list[int]) -> None:
    for row in rows:
        page.table.selectRow(row)
        qtbot.keyClick(page, Qt.Key.Key_F6)
        qtbot.keyClick(page.table, Qt.Key.Key_Space)


def test_partial_handover_then_the_rest_at_another_window(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], now: datetime, printed: Printed
) -> None:
    number = startup_case(db, now)
    page = make_page(qtbot, db, clock, printed, "lina", "3")
    open_case(qtbot, page, number)
    assert page.model.rowCount() == len(DEFAULT_CONTENTS)
    arrive_and_tick(qtbot, page, [0, 1])
    page.recipient_name.setText("张三")
    qtbot.keyClicks(page.recipient_id, PERSON)
    qtbot.keyClick(page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "已交付 2 项" in page.outcome.text(), page.errors.general.text()
    kind, payload = printed.jobs[-1]
    first = text(payload.pdf)
    assert kind is DocumentKind.HANDOVER
    assert "营业执照正本" in first and "营业执照副本" in first and "公章" not in first
    assert "110105********002X" in first and PERSON not in first

    later = lambda: now + timedelta(days=1)  # noqa: E731
    other = make_page(qtbot, db, later, printed, "zhangwei", "5")
    open_case(qtbot, other, number)
    rest = [n for n in range(other.model.rowCount())
            if other.model.record(n).readiness is LineReadiness.PENDING]  # fmt: skip
    assert len(rest) == len(DEFAULT_CONTENTS) - 2
    arrive_and_tick(qtbot, other, rest)
    other.recipient_name.setText("张三")
    qtbot.keyClicks(other.recipient_id, PERSON)
    qtbot.keyClick(other, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    second = text(printed.jobs[-1][1].pdf)
    assert "营业执照正本" not in second and "公章" in second and "办事指南" in second
    assert other.pack is not None and other.pack.complete
    assert "5 号窗口" in other.history.text() and "3 号窗口" in other.history.text()


def test_ticking_an_item_not_at_the_window_is_refused(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], now: datetime, printed: Printed
) -> None:
    page = make_page(qtbot, db, clock, printed, "lina", "3")
    open_case(qtbot, page, startup_case(db, now))
    page.table.selectRow(2)
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    page.recipient_name.setText("张三")
    qtbot.keyClicks(page.recipient_id, PERSON)
    qtbot.keyClick(page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "“公章”尚未到窗口" in page.errors.general.text()
    assert printed.jobs == []


def test_an_unknown_number_is_reported(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], printed: Printed
) -> None:
    page = make_page(qtbot, db, clock, printed, "lina", "3")
    open_case(qtbot, page, "20261127-003X-0099")
    assert "没有找到办件编号" in page.errors.general.text()


def test_posted_items_print_the_handover_form_and_the_mailing_slip(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], now: datetime, printed: Printed
) -> None:
    page = make_page(qtbot, db, clock, printed, "lina", "3")
    open_case(qtbot, page, startup_case(db, now))
    arrive_and_tick(qtbot, page, [8, 9])
    page.method.setCurrentIndex(1)
    page.address.setText("示范市高新区创业路 8 号 3 楼")
    qtbot.keyClicks(page.waybill, "SF1234567890")
    qtbot.keyClick(page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [kind for kind, _ in printed.jobs] == [
        DocumentKind.HANDOVER,
        DocumentKind.MAILING_SLIP,
    ]
    slip = text(printed.jobs[-1][1].pdf)
    assert "SF1234567890" in slip and "政策汇编" in slip and "138****5678" in slip
    assert "邮寄 示范市高新区创业路 8 号 3 楼 SF1234567890" in page.info.text()
