"""Issue 27 at the window: what goes onto paper, each identifier masked by its own setting.

The clerk takes a person's application in, with an agent, and the notice is printed as
the page prints it (:class:`NoticePrinter`); the PDF the spool would send is read back.
``mask_id`` governs the applicant's and the agent's ID numbers, ``mask_phone`` the phone,
and whatever shows in full is logged as Ctrl+U logs an unmasked view. The cases page
prints the 中止 notice when the clerk stops the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.cases import Action, CaseState
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
)
from counter.model.print_job import PrintJob
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import REMEDIES, IntakeRequest, IntakeResult, IntakeService
from counter.services.print_service import PrintService
from counter.services.session import Session, sign_in
from counter.store import audit_log, cases_store, print_store
from counter.ui.case_action_dialog import CaseActionDialog
from counter.ui.cases_page import CasesPage
from counter.ui.notice_printing import NoticePrinter
from tests.materials import originals
from tests.printing.pdf_helpers import text

PERSON_ID = "11010519491231002X"
AGENT_ID = "110101198501012346"
PHONE = "13812345678"
MASKED_PERSON = "110105********002X"
MASKED_AGENT = "110101********2346"
MASKED_PHONE = "138****5678"


class Spool:
    """Stands for the print spool: the job is queued in the store, the kick is counted."""

    def __init__(self) -> None:
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1


def services(db: Database, settings: Settings) -> tuple[IntakeService, CasesService]:
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)


def printer(db: Database, settings: Settings, clock: Callable[[], datetime]) -> NoticePrinter:
    _, cases = services(db, settings)
    return NoticePrinter(PrintService(db, settings), Spool(), lambda: settings, clock, cases)  # type: ignore[arg-type]


@pytest.fixture
def clerk(db: Database, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, "3", now)


def take_person(db: Database, clerk: Session, now: datetime) -> IntakeResult:
    """A person applies through an agent; every material is there: 受理."""
    intake, _ = services(db, Settings())
    states = originals(intake.checklist("SCJG-0002"))
    form = ApplicantForm(ApplicantKind.PERSON, PERSON_ID, "王小明", PHONE,
                         agent_name="李四", agent_id=AGENT_ID)  # fmt: skip
    return intake.decide(clerk, IntakeRequest("SCJG-0002", form, states, Decision.ACCEPT), now)


@pytest.fixture
def taken(db: Database, clerk: Session, now: datetime) -> IntakeResult:
    return take_person(db, clerk, now)


def printed(db: Database, number: str) -> tuple[PrintJob, str]:
    (job,) = print_store.by_reference(db, number)
    payload = print_store.payload(db, job.id)
    assert payload is not None
    return job, text(payload.pdf)


def unmask_log(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT what FROM unmask_log ORDER BY at, rowid")]


def unmask_audits(db: Database) -> int:
    return sum(1 for e in audit_log.entries(db) if e["action"] == "unmask")


def print_notice(
    db: Database,
    clerk: Session,
    taken: IntakeResult,
    settings: Settings,
    clock: Callable[[], datetime],
    *,
    unmask: bool = False,
) -> tuple[str, PrintJob, str]:
    """``taken``'s notice printed as the page prints it: what the page then says, the
    job queued and the text of its paper."""
    assert taken.notice is not None
    said = printer(db, settings, clock)(clerk, taken.notice, unmask=unmask)
    job, content = printed(db, taken.case.number)
    return said, job, content


@pytest.mark.parametrize(
    ("masking", "in_full", "masked", "hidden", "logged"),
    [
        pytest.param(
            {"mask_id": True, "mask_phone": False},
            [PHONE],
            [MASKED_PERSON, MASKED_AGENT],
            [PERSON_ID, AGENT_ID],
            "打印受理通知书：手机号",
            id="phone-masking-off",
        ),
        pytest.param(
            {"mask_id": False, "mask_phone": True},
            [PERSON_ID, AGENT_ID],
            [MASKED_PHONE],
            [PHONE],
            "打印受理通知书：证件号",
            id="id-masking-off",
        ),
    ],
)
def test_one_masking_off_prints_those_identifiers_in_full_logs_them_and_masks_the_rest(
    db: Database,
    clerk: Session,
    taken: IntakeResult,
    clock: Callable[[], datetime],
    masking: dict[str, bool],
    in_full: list[str],
    masked: list[str],
    hidden: list[str],
    logged: str,
) -> None:
    said, job, content = print_notice(db, clerk, taken, Settings(masking), clock)
    assert said == "受理通知书已送打印"
    assert all(shown in content for shown in in_full)
    assert all(mask in content for mask in masked)
    assert not any(full in content for full in hidden)
    assert unmask_log(db) == [logged]
    assert print_store.unmasked(db, job.id)


def test_masked_paper_logs_no_unmasking(
    db: Database, clerk: Session, taken: IntakeResult, clock: Callable[[], datetime]
) -> None:
    before = unmask_audits(db)
    _, job, content = print_notice(db, clerk, taken, Settings(), clock)
    assert MASKED_PERSON in content and MASKED_AGENT in content and MASKED_PHONE in content
    assert PERSON_ID not in content and AGENT_ID not in content and PHONE not in content
    assert unmask_log(db) == [] and unmask_audits(db) == before
    assert not print_store.unmasked(db, job.id)


def test_a_full_print_is_logged_as_ctrl_u_logs_an_unmasked_view(
    db: Database, clerk: Session, taken: IntakeResult, clock: Callable[[], datetime]
) -> None:
    before = unmask_audits(db)
    _, job, content = print_notice(db, clerk, taken, Settings(), clock, unmask=True)
    assert PERSON_ID in content and AGENT_ID in content and PHONE in content
    (entry,) = cases_store.unmask_entries(db, taken.case.id)
    assert entry["what"] == "打印受理通知书：证件号、手机号"
    assert (entry["staff_name"], entry["window"], entry["table_name"]) == ("李娜", "3", "cases")
    assert unmask_audits(db) == before + 1
    assert print_store.unmasked(db, job.id)


def test_pausing_on_the_cases_page_prints_the_pause_notice(
    qtbot: QtBot, db: Database, clerk: Session, now: datetime, clock: Callable[[], datetime]
) -> None:
    result = take_person(db, clerk, now)
    settings = Settings()
    _, cases = services(db, settings)
    page = CasesPage(cases, clerk, settings, clock, print_notice=printer(db, settings, clock))
    qtbot.addWidget(page)
    page.show()
    assert page.detail is not None and page.detail.row.case.id == result.case.id

    def give_the_reason() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CaseActionDialog)
        dialog.reason.insert("组织专家评审")  # typed through the input method
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    QTimer.singleShot(0, give_the_reason)
    button = page.action_buttons[Action.PAUSE]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert page.detail.row.case.state is CaseState.PAUSED
    assert "中止（暂停计时）告知书" in page.preview.toPlainText()
    assert "中止（暂停计时）告知书已送打印" in page.message.text()
    _, content = printed(db, result.case.number)
    content = content.replace("\n", "")
    assert "中止（暂停计时）的原因：组织专家评审" in content and REMEDIES in content
