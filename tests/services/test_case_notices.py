"""Issue 27: what a case in hand gives the applicant on paper, driven as a clerk would.

A pause (行政许可法 Art. 45), an extension (Art. 42) and a termination each print a
notice with the reason, the time limit where there is one and the remedies; a refusal
lists the materials handed back, never as taken in. The paper is read back as text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.cases import Action, CaseState
from counter.model.intake import Decision, MaterialStatus, initial_states, set_status
from counter.model.notice import Notice, NoticeKind
from counter.model.settings import Settings
from counter.printing.notices import notice_pdf
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import REMEDIES, IntakeRequest, IntakeService
from counter.services.session import Session, sign_in
from tests.printing.pdf_helpers import text
from tests.services.test_cases_service import form, received, take


@pytest.fixture
def services(db: Database) -> tuple[IntakeService, CasesService]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)


@pytest.fixture
def clerk(db: Database, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, "3", now)


@pytest.fixture
def supervisor(db: Database, now: datetime) -> Session:
    return sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)


def paper(notice: Notice | None) -> str:
    """The printed notice's text, line breaks taken out (a paragraph may wrap anywhere)."""
    assert notice is not None
    return text(notice_pdf(notice)).replace("\n", "")


def due(at: datetime | None) -> str:
    assert at is not None
    return f"{at:%Y-%m-%d %H:%M}"


def test_pausing_prints_the_reason_the_stopped_clock_and_the_remedies(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    now: datetime,
) -> None:
    cases = services[1]
    case = take(services, clerk, now).case
    notice = cases.act(clerk, case.id, Action.PAUSE, now, reason="组织专家评审")
    assert notice is not None and notice.kind is NoticeKind.PAUSED
    content = paper(notice)
    assert "中止（暂停计时）告知书" in content
    assert "中止（暂停计时）的原因：组织专家评审" in content
    assert "自2026年11月27日起暂停计时" in content and "不计算在办理期限内" in content
    assert f"暂停计时前的法定办结期限：{due(case.legal_due)}" in content
    assert REMEDIES in content


def test_extending_prints_the_reason_the_approver_and_the_new_legal_deadline(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    supervisor: Session,
    now: datetime,
) -> None:
    cases = services[1]
    case = take(services, clerk, now).case
    notice = cases.act(supervisor, case.id, Action.EXTEND, now, reason="需现场核查经营场所")
    assert notice is not None and notice.kind is NoticeKind.EXTENDED
    extended = cases.get(case.id)
    assert extended.legal_due is not None and case.legal_due is not None
    assert extended.legal_due > case.legal_due
    content = paper(notice)
    assert "延期办理告知书" in content
    assert "延长期限的理由：需现场核查经营场所" in content
    assert "经本行政机关负责人批准，办理期限延长 10 个工作日" in content
    assert "批准人：张伟" in content  # the 值班长 who extended it
    assert f"延长后的法定办结期限：{due(extended.legal_due)}" in content
    assert due(case.legal_due) not in content
    assert REMEDIES in content


def test_extending_a_bundle_gives_each_sub_case_its_new_legal_deadline(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    supervisor: Session,
    now: datetime,
) -> None:
    cases = services[1]
    parent = take(services, clerk, now, code="YJS-QYKB").case
    notice = cases.act(supervisor, parent.id, Action.EXTEND, now, reason="部门联合审查")
    assert notice is not None and notice.kind is NoticeKind.EXTENDED
    subs = cases.detail(parent.id, now).sub_cases
    assert subs
    content = "".join(paper(notice).split())  # a wrapped line may lose its spaces
    for row in subs:
        line = f"{row.case.number}{row.case.title}：法定办结期限延至{due(row.case.legal_due)}"
        assert "".join(line.split()) in content
    assert content.index("法定办结期限延至") < content.index("".join(REMEDIES.split()))


def test_ending_a_case_for_a_lapsed_promise_prints_a_termination_notice(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    now: datetime,
) -> None:
    intake, cases = services
    checklist = intake.checklist("RS-0001")
    states = []
    for line, state in zip(checklist, initial_states(checklist), strict=True):
        if line.rongque:
            state = set_status(line, state, MaterialStatus.PROMISED, promised_due=now.date())
        elif not line.exempt:
            state = set_status(line, state, MaterialStatus.ORIGINAL)
        states.append(state)
    case = take(services, clerk, now, code="RS-0001", decision=Decision.RONGQUE,
                states=tuple(states)).case  # fmt: skip
    promised = next(m for m in cases.detail(case.id, now).materials if m.rongque)
    later = now + timedelta(days=5)
    notice = cases.act(clerk, case.id, Action.TERMINATE, later, reason="容缺材料逾期未补齐")
    assert notice is not None and notice.kind is NoticeKind.TERMINATED
    content = paper(notice)
    assert "终止办理告知书" in content and "决定终止办理" in content
    assert "终止办理的理由：容缺材料逾期未补齐" in content
    assert f"尚未补齐的容缺材料：{promised.name}（承诺2026年11月27日前补齐）" in content
    assert REMEDIES in content
    assert "已收取" not in content


def test_print_again_gives_a_paused_case_its_pause_notice_as_the_clock_stopped(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    now: datetime,
) -> None:
    cases = services[1]
    case = take(services, clerk, now).case
    cases.act(clerk, case.id, Action.PAUSE, now, reason="产品检验")
    later = now + timedelta(days=4)  # the clock has stood two working days since
    cases.recompute_open_deadlines(later)
    notice = cases.notice(clerk, case.id, later)
    assert notice.kind is NoticeKind.PAUSED
    content = paper(notice)
    assert "中止（暂停计时）的原因：产品检验" in content
    assert "自2026年11月27日起暂停计时" in content
    assert f"暂停计时前的法定办结期限：{due(case.legal_due)}" in content


def test_print_again_gives_a_terminated_case_its_termination_notice(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    now: datetime,
) -> None:
    cases = services[1]
    case = take(services, clerk, now).case
    cases.act(clerk, case.id, Action.TERMINATE, now, reason="申请人撤回申请")
    assert cases.get(case.id).state is CaseState.TERMINATED
    notice = cases.notice(clerk, case.id, now)
    assert notice.kind is NoticeKind.TERMINATED
    content = paper(notice)
    assert "终止办理的理由：申请人撤回申请" in content and REMEDIES in content


def test_a_refusal_at_intake_lists_the_materials_returned_never_as_taken_in(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    now: datetime,
) -> None:
    intake, _ = services
    states = received(intake, "SCJG-0002")
    handed = [s for s in states if s.status.received]
    request = IntakeRequest("SCJG-0002", form(), states, Decision.NOT_OUR_OFFICE,
                            reason="属省级权限", other_office="省市场监督管理局")  # fmt: skip
    content = paper(intake.decide(clerk, request, now).notice)
    assert f"退还申请材料（共 {len(handed)} 项）" in content
    assert "公司登记（备案）申请书" in content
    assert "已收取" not in content and "免提交" not in content
    assert REMEDIES in content


def test_a_no_licence_notice_lists_the_materials_returned_and_the_remedies(
    services: tuple[IntakeService, CasesService],
    clerk: Session,
    now: datetime,
) -> None:
    intake, _ = services
    states = received(intake, "SCJG-0002")
    request = IntakeRequest("SCJG-0002", form(), states, Decision.NO_LICENCE,
                            reason="该经营活动依法无需取得许可")  # fmt: skip
    content = paper(intake.decide(clerk, request, now).notice)
    assert "不需许可告知书" in content and "依据和说明：该经营活动依法无需取得许可" in content
    assert "退还申请材料" in content and "已收取" not in content
    assert REMEDIES in content
