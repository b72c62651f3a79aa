"""容缺受理 keeps its promise (issue 27): no approval while a promised material is out
unless the duty supervisor records an exception, a lapse stays visible after closing and
counts in the statistics, and no 容缺 for a party on the hall's 失信 list."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from counter.model.cases import Action, CaseState, Delivery
from counter.model.clock import HALL_TZ
from counter.model.deadlines import Light
from counter.model.errors import NotAllowedError, RoleRefusedError, ValidationError
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
)
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.cases_service import CasesService
from counter.services.credit_service import CreditListService
from counter.services.intake_service import IntakeRequest, IntakeResult, IntakeService
from counter.services.ratings_service import RatingsService
from counter.services.session import Session
from counter.services.statistics_service import StatisticsService
from counter.store import cases_store
from tests.materials import rongque_states

USCC = "91350100M000100Y43"
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=HALL_TZ)
PROMISED_BY = date(2026, 11, 2)  # RS-0001 is 即办: the promise runs to the same day


@pytest.fixture
def now() -> datetime:
    """The morning this file's staff sign in at (the shared ``clerk`` and ``supervisor``)."""
    return MONDAY


def take_rongque(intake: IntakeService, who: Session, id_number: str = USCC) -> IntakeResult:
    states = rongque_states(intake.checklist("RS-0001"), PROMISED_BY)
    form = ApplicantForm(ApplicantKind.ENTERPRISE, id_number, "示范科技有限公司", "13812345678",
                         legal_rep="张三")  # fmt: skip
    request = IntakeRequest("RS-0001", form, states, Decision.RONGQUE)
    return intake.decide(who, request, MONDAY)


def promised_line(cases: CasesService, case_id: str) -> str:
    return next(m for m in cases.detail(case_id, MONDAY).materials if m.rongque).material_id


def test_a_clerk_cannot_approve_while_a_promised_material_is_out(services, clerk) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    case = take_rongque(intake, clerk).case
    with pytest.raises(NotAllowedError, match="尚未补齐"):
        cases.act(clerk, case.id, Action.APPROVE, MONDAY + timedelta(hours=1))
    assert cases.get(case.id).state is CaseState.ACCEPTED


def test_approval_after_the_promise_is_kept_needs_no_exception(services, clerk) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    case = take_rongque(intake, clerk).case
    cases.promise_met(clerk, case.id, promised_line(cases, case.id), MONDAY)
    cases.act(clerk, case.id, Action.APPROVE, MONDAY + timedelta(hours=1))
    stored = cases.get(case.id)
    assert stored.state is CaseState.APPROVED and stored.promise_lapsed_on is None
    assert "承诺逾期" not in cases.row(stored, MONDAY + timedelta(days=30)).flags


def test_the_supervisor_approves_on_a_recorded_exception_with_a_reason(  # type: ignore[no-untyped-def]
    services, clerk, supervisor, db
) -> None:
    intake, cases = services
    case = take_rongque(intake, clerk).case
    with pytest.raises(ValidationError) as caught:
        cases.act(supervisor, case.id, Action.APPROVE, MONDAY)
    assert caught.value.field == "reason"
    cases.act(supervisor, case.id, Action.APPROVE, MONDAY, reason="原件已在档案室核验，复印件后补")
    approval = [e for e in cases_store.events(db, case.id) if e.action is Action.APPROVE][-1]
    assert json.loads(approval.data)["promise_exception"] and approval.staff_name == "张伟"


def test_a_lapse_stays_on_the_list_after_the_case_is_handed_over(  # type: ignore[no-untyped-def]
    services, clerk, supervisor
) -> None:
    intake, cases = services
    case = take_rongque(intake, clerk).case
    cases.act(supervisor, case.id, Action.APPROVE, MONDAY, reason="领导批准先行办结")
    cases.act(clerk, case.id, Action.DELIVER, MONDAY, delivery=Delivery.PICKUP,
              recipient_name="张三", recipient_id="110101199003071233")  # fmt: skip
    later = datetime(2026, 11, 10, 10, 0, tzinfo=HALL_TZ)
    row = cases.row(cases.get(case.id), later)
    assert "承诺逾期" in row.flags
    assert row.light is None  # closed: no clock, but the flag stays


def test_a_promise_kept_late_is_remembered_as_lapsed(services, clerk) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    case = take_rongque(intake, clerk).case
    late = datetime(2026, 11, 4, 10, 0, tzinfo=HALL_TZ)
    assert cases.row(cases.get(case.id), late).light is Light.RED
    cases.promise_met(clerk, case.id, promised_line(cases, case.id), late)
    cases.act(clerk, case.id, Action.APPROVE, late)
    stored = cases.get(case.id)
    assert stored.promise_lapsed_on == date(2026, 11, 3)
    assert "承诺逾期" in cases.row(stored, late + timedelta(days=30)).flags


def test_a_lapsed_promise_counts_in_the_statistics(services, clerk, supervisor, db) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    kept = take_rongque(intake, clerk).case
    cases.promise_met(clerk, kept.id, promised_line(cases, kept.id), MONDAY)
    take_rongque(intake, clerk)  # nobody acts: it lapses on 11-03 by itself
    calendar = intake.calendar
    stats = StatisticsService(db, calendar, RatingsService(db, calendar, Settings()))
    now = datetime(2026, 11, 20, 10, 0, tzinfo=HALL_TZ)
    report = stats.compute(Period.month(MONDAY.date()), Dimension.HALL, now)
    assert report.total.promises_lapsed == 1
    early = stats.compute(Period.month(MONDAY.date()), Dimension.HALL, MONDAY)
    assert early.total.promises_lapsed == 0


def test_rongque_is_refused_for_a_party_on_the_credit_list(services, clerk, supervisor, db) -> None:  # type: ignore[no-untyped-def]
    intake, _ = services
    credit = CreditListService(db)
    credit.add(supervisor, USCC, "示范科技有限公司", "失信被执行人", MONDAY)
    with pytest.raises(NotAllowedError, match=r"失信名单.*失信被执行人"):
        take_rongque(intake, clerk)
    # The same code typed with spaces and full-width characters is the same party.
    with pytest.raises(NotAllowedError, match="失信名单"):
        take_rongque(intake, clerk, id_number="９１３５ 0100M000100Y43")
    credit.remove(supervisor, USCC, MONDAY)
    assert take_rongque(intake, clerk).case.rongque


def test_the_supervisor_imports_the_credit_list_and_a_clerk_cannot(clerk, supervisor, db) -> None:  # type: ignore[no-untyped-def]
    credit = CreditListService(db)
    text = "# 证件号,名称,原因\n91350100M000100Y43,示范科技有限公司,严重失信主体\n"
    assert credit.import_file(supervisor, text, MONDAY) == 1
    assert [e.name for e in credit.entries(supervisor)] == ["示范科技有限公司"]
    with pytest.raises(RoleRefusedError):
        credit.import_file(clerk, text, MONDAY)
    with pytest.raises(ValidationError, match="第 1 行"):
        credit.import_file(supervisor, "123,某人\n", MONDAY)
