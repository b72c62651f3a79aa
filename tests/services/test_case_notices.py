"""Issue 27: what a case in hand gives the applicant on paper, driven as a clerk would.

A pause (行政许可法 Art. 45), an extension (Art. 42) and a termination each print a
notice with the reason, the time limit where there is one and the remedies; a refusal
lists the materials handed back, never as taken in. The paper is read back as text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from counter.model.cases import Action, Case, CaseState
from counter.model.intake import Decision
from counter.model.notice import Notice, NoticeKind
from counter.printing.notices import notice_pdf
from counter.services.cases_service import CasesService
from counter.services.intake_service import REMEDIES, IntakeRequest, IntakeService
from counter.services.session import Session
from tests.printing.pdf_helpers import text
from tests.services.test_cases_service import form, received, take, take_rongque


@pytest.fixture
def cases(services: tuple[IntakeService, CasesService]) -> CasesService:
    return services[1]


@pytest.fixture
def case(services: tuple[IntakeService, CasesService], clerk: Session, now: datetime) -> Case:
    """A company registration (SCJG-0002) taken in and accepted at window 3."""
    return take(services, clerk, now).case


def paper(notice: Notice | None) -> str:
    """The printed notice's text, line breaks taken out (a paragraph may wrap anywhere)."""
    assert notice is not None
    return text(notice_pdf(notice)).replace("\n", "")


def due(at: datetime | None) -> str:
    assert at is not None
    return f"{at:%Y-%m-%d %H:%M}"


def acted(
    cases: CasesService, who: Session, case: Case, action: Action, at: datetime, reason: str
) -> Notice:
    """The notice ``action`` with ``reason`` prints for ``case``: one of the kind it asks for."""
    notice = cases.act(who, case.id, action, at, reason=reason)
    kinds = {Action.PAUSE: NoticeKind.PAUSED, Action.EXTEND: NoticeKind.EXTENDED,
             Action.TERMINATE: NoticeKind.TERMINATED}  # fmt: skip
    assert notice is not None and notice.kind is kinds[action]
    return notice


def returned(
    intake: IntakeService, clerk: Session, now: datetime, decision: Decision, **why: str
) -> str:
    """The paper a SCJG-0002 application refused with ``decision`` is handed back with."""
    request = IntakeRequest("SCJG-0002", form(), received(intake, "SCJG-0002"), decision, **why)
    return paper(intake.decide(clerk, request, now).notice)


def test_pausing_prints_the_reason_the_stopped_clock_and_the_remedies(
    cases: CasesService, case: Case, clerk: Session, now: datetime
) -> None:
    content = paper(acted(cases, clerk, case, Action.PAUSE, now, "组织专家评审"))
    assert "中止（暂停计时）告知书" in content
    assert "中止（暂停计时）的原因：组织专家评审" in content
    assert "自2026年11月27日起暂停计时" in content and "不计算在办理期限内" in content
    assert f"暂停计时前的法定办结期限：{due(case.legal_due)}" in content
    assert REMEDIES in content


def test_extending_prints_the_reason_the_approver_and_the_new_legal_deadline(
    cases: CasesService, case: Case, supervisor: Session, now: datetime
) -> None:
    notice = acted(cases, supervisor, case, Action.EXTEND, now, "需现场核查经营场所")
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
    cases: CasesService,
    clerk: Session,
    supervisor: Session,
    now: datetime,
) -> None:
    parent = take(services, clerk, now, code="YJS-QYKB").case
    notice = acted(cases, supervisor, parent, Action.EXTEND, now, "部门联合审查")
    subs = cases.detail(parent.id, now).sub_cases
    assert subs
    content = "".join(paper(notice).split())  # a wrapped line may lose its spaces
    for row in subs:
        line = f"{row.case.number}{row.case.title}：法定办结期限延至{due(row.case.legal_due)}"
        assert "".join(line.split()) in content
    assert content.index("法定办结期限延至") < content.index("".join(REMEDIES.split()))


def test_ending_a_case_for_a_lapsed_promise_prints_a_termination_notice(
    services: tuple[IntakeService, CasesService],
    cases: CasesService,
    clerk: Session,
    now: datetime,
) -> None:
    case = take_rongque(services, clerk, now).case
    promised = next(m for m in cases.detail(case.id, now).materials if m.rongque)
    later = now + timedelta(days=5)
    content = paper(acted(cases, clerk, case, Action.TERMINATE, later, "容缺材料逾期未补齐"))
    assert "终止办理告知书" in content and "决定终止办理" in content
    assert "终止办理的理由：容缺材料逾期未补齐" in content
    assert f"尚未补齐的容缺材料：{promised.name}（承诺2026年11月27日前补齐）" in content
    assert REMEDIES in content
    assert "已收取" not in content


def test_print_again_gives_a_paused_case_its_pause_notice_as_the_clock_stopped(
    cases: CasesService, case: Case, clerk: Session, now: datetime
) -> None:
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
    cases: CasesService, case: Case, clerk: Session, now: datetime
) -> None:
    cases.act(clerk, case.id, Action.TERMINATE, now, reason="申请人撤回申请")
    assert cases.get(case.id).state is CaseState.TERMINATED
    notice = cases.notice(clerk, case.id, now)
    assert notice.kind is NoticeKind.TERMINATED
    content = paper(notice)
    assert "终止办理的理由：申请人撤回申请" in content and REMEDIES in content


def test_a_refusal_at_intake_lists_the_materials_returned_never_as_taken_in(
    services: tuple[IntakeService, CasesService], clerk: Session, now: datetime
) -> None:
    intake, _ = services
    handed = [s for s in received(intake, "SCJG-0002") if s.status.received]
    content = returned(intake, clerk, now, Decision.NOT_OUR_OFFICE,
                       reason="属省级权限", other_office="省市场监督管理局")  # fmt: skip
    assert f"退还申请材料（共 {len(handed)} 项）" in content
    assert "公司登记（备案）申请书" in content
    assert "已收取" not in content and "免提交" not in content
    assert REMEDIES in content


def test_a_no_licence_notice_lists_the_materials_returned_and_the_remedies(
    services: tuple[IntakeService, CasesService], clerk: Session, now: datetime
) -> None:
    content = returned(services[0], clerk, now, Decision.NO_LICENCE,
                       reason="该经营活动依法无需取得许可")  # fmt: skip
    assert "不需许可告知书" in content and "依据和说明：该经营活动依法无需取得许可" in content
    assert "退还申请材料" in content and "已收取" not in content
    assert REMEDIES in content


def test_an_acceptance_corrected_on_the_spot_prints_what_was_corrected(
    services: tuple[IntakeService, CasesService], clerk: Session, now: datetime
) -> None:
    """当场更正后受理: the correction the clerk typed is on the paper, not only in the
    case's history, and a reprint says the same (issue 29)."""
    intake, cases = services
    states = received(intake, "SCJG-0002")
    why = "申请书经营范围笔误，已当场改正"
    request = IntakeRequest("SCJG-0002", form(), states, Decision.CORRECTED, reason=why)
    result = intake.decide(clerk, request, now)
    assert result.notice is not None and result.notice.kind is NoticeKind.ACCEPTED
    printed = paper(result.notice)
    assert "已由申请人当场更正" in printed
    assert "更正内容：申请书经营范围笔误，已当场改正。" in printed
    assert printed.index("决定予以受理") < printed.index("更正内容")
    again = cases.notice(clerk, result.case.id, now + timedelta(hours=1))
    assert "更正内容：申请书经营范围笔误，已当场改正。" in paper(again)


def test_a_plain_acceptance_says_nothing_of_a_correction(
    services: tuple[IntakeService, CasesService], clerk: Session, now: datetime
) -> None:
    accepted = take(services, clerk, now)
    assert "当场更正" not in paper(accepted.notice)
