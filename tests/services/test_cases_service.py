from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from counter.model.cases import Action, CaseState, Delivery
from counter.model.clock import HALL_TZ
from counter.model.deadlines import Light
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    LineState,
    initial_states,
)
from counter.model.notice import NoticeKind
from counter.model.notice_text import notice_paragraphs
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.ratings_service import RatingsService
from counter.services.statistics_service import StatisticsService
from counter.store import cases_store
from counter.store.cases_store import CaseFilter
from tests.materials import originals, rongque_states

USCC = "91350100M000100Y43"
PERSON = "11010519491231002X"


def form() -> ApplicantForm:
    return ApplicantForm(ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678",
                         legal_rep="张三")  # fmt: skip


def received(intake: IntakeService, code: str) -> tuple[LineState, ...]:
    return originals(intake.checklist(code))


def take(services, clerk, now, code="SCJG-0002", decision=Decision.ACCEPT, states=None):  # type: ignore[no-untyped-def]
    intake, _ = services
    states = states if states is not None else received(intake, code)
    return intake.decide(clerk, IntakeRequest(code, form(), states, decision), now)


def take_rongque(services, clerk, now):  # type: ignore[no-untyped-def]
    """RS-0001 taken in under 容缺, its promised material due the same day."""
    intake, _ = services
    states = rongque_states(intake.checklist("RS-0001"), now.date())
    return take(services, clerk, now, code="RS-0001", decision=Decision.RONGQUE, states=states)


def test_a_case_moves_from_acceptance_to_posted_delivery(services, clerk, now, db) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    cases.act(clerk, case.id, Action.START, now)
    cases.act(clerk, case.id, Action.APPROVE, now)
    notice = cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.POST,
                       address="示范市人民路 100 号", waybill="SF1234567890")  # fmt: skip
    stored = cases.get(case.id)
    assert stored.state is CaseState.DELIVERED
    assert stored.waybill == "SF1234567890"
    assert notice is not None and notice.kind is NoticeKind.HANDED_OVER
    events = cases_store.events(db, case.id)
    assert [e.to_state for e in events][-3:] == [
        CaseState.PROCESSING, CaseState.APPROVED, CaseState.DELIVERED,
    ]  # fmt: skip
    assert all(e.window == "3" and e.staff_name == "李娜" for e in events)


def test_an_action_the_state_does_not_allow_is_refused_with_the_reason(
    services,
    clerk,
    now,  # type: ignore[no-untyped-def]
) -> None:
    _, cases = services
    case = take(services, clerk, now).case
    with pytest.raises(NotAllowedError, match="“已受理”，不能“出件”"):
        cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.PICKUP)


def test_posting_without_a_waybill_is_refused_at_the_field(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    cases.act(clerk, case.id, Action.APPROVE, now)
    with pytest.raises(ValidationError) as caught:
        cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.POST,
                  address="示范市人民路 100 号")  # fmt: skip
    assert caught.value.field == "waybill"
    assert cases.get(case.id).state is CaseState.APPROVED


def test_handover_records_recipient_name_and_id(services, clerk, now, db) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    cases.act(clerk, case.id, Action.APPROVE, now)
    with pytest.raises(ValidationError) as caught:  # nobody named: refused, nothing changes
        cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.PICKUP)
    assert caught.value.field == "recipient_name"
    with pytest.raises(ValidationError) as caught:  # a typo in the check digit
        cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.PICKUP,
                  recipient_name="李四", recipient_id="110105194912310021")  # fmt: skip
    assert caught.value.field == "recipient_id" and "校验码" in caught.value.message
    assert cases.get(case.id).state is CaseState.APPROVED

    typed = "１１０１０５ １９４９１２３１ ００２x"  # full width, spaced, lower-case x
    notice = cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.PICKUP,
                       recipient_name=" 李  四 ", recipient_id=typed)  # fmt: skip
    delivered = cases_store.events(db, case.id)[-1]
    assert delivered.action is Action.DELIVER and delivered.recipient == ("李 四", PERSON)
    assert cases.detail(case.id, now).handed_to == "李 四（身份证号 110105********002X）"
    assert notice is not None and notice.kind is NoticeKind.HANDED_OVER
    assert (notice.recipient_name, notice.recipient_id_number) == ("李 四", PERSON)
    lines = notice_paragraphs(notice).lines()
    assert "领取人：李 四（身份证号 110105********002X）" in lines and PERSON not in lines
    reprinted = cases.notice(clerk, case.id, now)
    assert reprinted.recipient_name == "李 四" and reprinted.recipient_id_number == PERSON


def test_an_action_on_the_parent_moves_every_sub_case(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    result = take(services, clerk, now, code="YJS-QYKB")
    cases.act(clerk, result.case.id, Action.APPROVE, now)
    cases.act(clerk, result.case.id, Action.DELIVER, now, delivery=Delivery.PICKUP,
              recipient_name="张三", recipient_id=PERSON)  # fmt: skip
    detail = cases.detail(result.case.id, now)
    assert {row.case.state for row in detail.sub_cases} == {CaseState.DELIVERED}


def test_stopping_the_clock_extends_the_deadline_by_the_paused_days(
    services,
    clerk,
    now,  # type: ignore[no-untyped-def]
) -> None:
    _, cases = services
    case = take(services, clerk, now, code="SCJG-0002").case  # accepted Friday 11-27
    before = cases.get(case.id).promised_due
    cases.act(clerk, case.id, Action.PAUSE, now, reason="现场核查")
    later = now + timedelta(days=4)  # Tuesday 12-01: Mon + Tue paused
    cases.act(clerk, case.id, Action.RESUME, later)
    after = cases.get(case.id)
    assert after.paused_days == 2
    assert after.promised_due is not None and before is not None
    assert after.promised_due.date() > before.date()


def test_pausing_needs_a_reason(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    with pytest.raises(ValidationError) as caught:
        cases.act(clerk, case.id, Action.PAUSE, now)
    assert caught.value.field == "reason"


def test_only_a_supervisor_extends_and_only_once(services, clerk, supervisor, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    with pytest.raises(NotAllowedError, match="值班长"):
        cases.act(clerk, case.id, Action.EXTEND, now, reason="专家评审")
    cases.act(supervisor, case.id, Action.EXTEND, now, reason="专家评审")
    extended = cases.get(case.id)
    assert extended.extension_days == 10
    assert extended.legal_due is not None and extended.legal_due > case.legal_due  # type: ignore[operator]
    with pytest.raises(NotAllowedError, match="不能再次延长"):
        cases.act(supervisor, case.id, Action.EXTEND, now, reason="再延")


def test_supplement_arrived_accepts_from_the_day_the_last_material_came(
    services,
    clerk,
    now,  # type: ignore[no-untyped-def]
) -> None:
    intake, cases = services
    checklist = intake.checklist("SCJG-0002")
    case = take(services, clerk, now, decision=Decision.SUPPLEMENT,
                states=initial_states(checklist)).case  # fmt: skip
    later = now + timedelta(days=3)
    with pytest.raises(ValidationError, match="材料不齐"):
        cases.supplement_arrived(clerk, case.id, initial_states(checklist), later)
    notice = cases.supplement_arrived(clerk, case.id, received(intake, "SCJG-0002"), later)
    stored = cases.get(case.id)
    assert stored.state is CaseState.ACCEPTED and stored.accepted_at == later
    assert notice.kind is NoticeKind.ACCEPTED


# 视为受理 (行政许可法 Art. 32): SCJG-0002 has a 3-day legal and a half-day promised
# limit. Received Mon 11-02 10:00, the one-time notice was due by Mon 11-09 17:30.
RECEIVED = datetime(2026, 11, 2, 10, 0, tzinfo=HALL_TZ)
LATE = datetime(2026, 11, 10, 10, 0, tzinfo=HALL_TZ)


def undecided(services, clerk, *, handed_over: bool, at: datetime = RECEIVED):  # type: ignore[no-untyped-def]
    """A SCJG-0002 draft taken in at ``at`` and not yet decided, with every material
    asked for handed over, or with none."""
    intake, _ = services
    checklist = intake.checklist("SCJG-0002")
    states = originals(checklist) if handed_over else initial_states(checklist)
    return take(services, clerk, at, decision=None, states=states).case


def received_then_accepted(services, clerk, at: datetime):  # type: ignore[no-untyped-def]
    """A draft received whole at ``RECEIVED`` and accepted only at ``at``, as stored."""
    _, cases = services
    draft = undecided(services, clerk, handed_over=True)
    cases.act(clerk, draft.id, Action.ACCEPT, at)
    return cases.get(draft.id)


def test_a_one_time_notice_after_five_working_days_is_refused(services, clerk) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    draft = undecided(services, clerk, handed_over=False)
    with pytest.raises(NotAllowedError, match="第三十二条"):
        cases.act(clerk, draft.id, Action.SUPPLEMENT, LATE)
    assert cases.get(draft.id).state is CaseState.DRAFT


def test_a_deemed_draft_shows_its_limits_counted_from_receipt(services, clerk) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    draft = undecided(services, clerk, handed_over=False)
    assert "视为受理" not in cases.row(draft, RECEIVED).flags
    assert cases.row(draft, RECEIVED).light is None
    row = cases.row(draft, LATE)
    assert "视为受理" in row.flags
    assert row.light is Light.RED  # the half-day promise ran out on 11-02 at 15:00
    deadlines = cases.deadlines(draft, LATE)
    assert deadlines is not None
    assert deadlines.legal.due == datetime(2026, 11, 5, 17, 30, tzinfo=HALL_TZ)


def test_accepting_a_deemed_case_late_gains_the_office_no_time(services, clerk) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    arrived = datetime(2026, 11, 16, 10, 0, tzinfo=HALL_TZ)
    stored = received_then_accepted(services, clerk, arrived)
    assert stored.deemed_accepted
    assert stored.accepted_at == RECEIVED
    assert stored.legal_due == datetime(2026, 11, 5, 17, 30, tzinfo=HALL_TZ)
    row = cases.row(stored, arrived)
    assert "视为受理" in row.flags and row.light is Light.RED


def test_a_case_accepted_within_five_working_days_counts_from_acceptance(services, clerk) -> None:  # type: ignore[no-untyped-def]
    in_time = datetime(2026, 11, 9, 10, 0, tzinfo=HALL_TZ)
    stored = received_then_accepted(services, clerk, in_time)
    assert not stored.deemed_accepted and stored.accepted_at == in_time
    assert stored.legal_due == datetime(2026, 11, 12, 17, 30, tzinfo=HALL_TZ)


def test_a_draft_with_materials_missing_cannot_be_accepted(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    draft = undecided(services, clerk, handed_over=False, at=now)
    with pytest.raises(ValidationError, match="材料不齐"):
        cases.act(clerk, draft.id, Action.ACCEPT, now)


def test_a_missed_promise_turns_the_light_red(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take_rongque(services, clerk, now).case
    assert cases.row(case, now).light is Light.GREEN
    row = cases.row(case, now + timedelta(days=1))
    assert row.light is Light.RED and "承诺逾期" in row.flags
    promised = next(m for m in cases.detail(case.id, now).materials if m.rongque)
    cases.promise_met(clerk, case.id, promised.material_id, now)
    assert "承诺逾期" not in cases.row(cases.get(case.id), now + timedelta(days=1)).flags


def test_search_finds_by_number_uscc_name_and_phone(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    result = take(services, clerk, now, code="YJS-QYKB")
    for query in (result.case.number, USCC, "示范科技", "示范", "13812345678"):
        found = cases.find(query, CaseFilter(), now)
        assert [r.case.id for r in found] == [result.case.id], query


def test_a_sub_case_number_finds_the_sub_case(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    result = take(services, clerk, now, code="YJS-QYKB")
    sub = result.sub_cases[2]
    found = cases.by_number(sub.number.lower())
    assert found is not None and found.id == sub.id


def test_filters_by_state_department_clerk_and_light(services, clerk, supervisor, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    late = now + timedelta(hours=5, minutes=30)  # the bundle's half day is over
    bundle = take(services, clerk, now, code="YJS-QYKB").case
    other = take(services, supervisor, late, code="RS-0001").case
    assert [r.case.id for r in cases.find("", CaseFilter(department="GA"), now)] == [bundle.id]
    assert [r.case.id for r in cases.find("", CaseFilter(clerk_id=supervisor.staff.id), now)] == [
        other.id
    ]
    assert cases.find("", CaseFilter(state=CaseState.DELIVERED), now) == []
    red = cases.find("", CaseFilter(), late, Light.RED)
    assert [r.case.id for r in red] == [bundle.id]


def test_identifiers_are_masked_and_an_unmasked_view_is_logged(services, clerk, now, db) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    row = cases.row(case, now)
    assert row.id_shown == "913501********0Y43" and row.phone_shown == "138****5678"
    full = cases.unmask(clerk, case.id, now)
    assert full.id_number == USCC
    entries = cases_store.unmask_entries(db, case.id)
    assert [(e["staff_name"], e["window"]) for e in entries] == [("李娜", "3")]
    assert (
        db.execute("SELECT count(*) FROM outbox WHERE table_name = 'unmask_log'").fetchone()[0] == 1
    )


def test_print_again_returns_the_current_notice_and_records_it(services, clerk, now, db) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    case = take(services, clerk, now).case
    notice = cases.notice(clerk, case.id, now)
    assert notice.kind is NoticeKind.ACCEPTED and notice.case_number == case.number
    assert cases_store.events(db, case.id)[-1].action is Action.REPRINT


def test_figures_compare_asked_with_the_naive_sum(services, clerk, now) -> None:  # type: ignore[no-untyped-def]
    _, cases = services
    take(services, clerk, now, code="YJS-QYKB")
    figures = cases.figures()
    assert figures.cases == 1
    assert figures.asked_per_case < figures.naive_per_case


def test_open_deadlines_are_recomputed_when_the_table_changes(services, clerk, db) -> None:  # type: ignore[no-untyped-def]
    from counter.model.clock import HALL_TZ

    _, cases = services
    december = datetime(2026, 12, 30, 10, 0, tzinfo=HALL_TZ)
    case = take(services, clerk, december).case
    assert case.due_provisional
    calendar = cases.calendar
    calendar.calendar = replace(
        calendar.calendar, known_years=calendar.calendar.known_years | {2027}
    )
    assert cases.recompute_open_deadlines(december) == 1
    assert not cases.get(case.id).due_provisional


def test_a_sub_case_cannot_register_the_bundles_supplement_alone(
    services,
    clerk,
    now,  # type: ignore[no-untyped-def]
) -> None:
    intake, cases = services
    result = take(services, clerk, now, code="YJS-QYKB", decision=Decision.SUPPLEMENT,
                  states=initial_states(intake.checklist("YJS-QYKB")))  # fmt: skip
    with pytest.raises(NotAllowedError, match="主件"):
        cases.supplement_arrived(clerk, result.sub_cases[0].id, [], now)


def test_the_page_refresh_recomputes_only_after_the_calendar_changed(
    services,
    clerk,  # type: ignore[no-untyped-def]
) -> None:
    from counter.model.clock import HALL_TZ

    _, cases = services
    december = datetime(2026, 12, 30, 10, 0, tzinfo=HALL_TZ)
    take(services, clerk, december)
    assert cases.refresh_if_calendar_changed(december) == 0
    calendar = cases.calendar
    calendar.calendar = replace(
        calendar.calendar, known_years=calendar.calendar.known_years | {2027}
    )
    assert cases.refresh_if_calendar_changed(december) == 1
    assert cases.refresh_if_calendar_changed(december) == 0


def test_a_deemed_case_decided_late_counts_as_overdue(services, clerk, db) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    arrived = datetime(2026, 11, 16, 10, 0, tzinfo=HALL_TZ)
    case = received_then_accepted(services, clerk, arrived)
    cases.act(clerk, case.id, Action.APPROVE, arrived + timedelta(hours=1))
    stats = StatisticsService(db, intake.calendar, RatingsService(db, intake.calendar, Settings()))
    report = stats.compute(Period.month(RECEIVED.date()), Dimension.HALL, arrived)
    assert (report.total.on_time, report.total.overdue) == (0, 1)
