from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, RoleRefusedError, ValidationError
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    LineState,
)
from counter.model.settings import Settings
from counter.model.visits import AuthorisationForm, DraftState, VisitForm
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.session import Session, sign_in
from counter.services.visits_service import DraftApplicant, VisitsService
from counter.store import outbox
from tests.materials import originals

USCC = "91350100M000100Y43"
AGENT_ID = "11010519491231002X"
BUNDLE = "YJS-QYKB"


@pytest.fixture
def visits(db: Database) -> VisitsService:
    return VisitsService(db, CatalogService(db), Settings())


@pytest.fixture
def specialist(db: Database, now: datetime) -> Session:
    return sign_in(db, "wangqiang", DEMO_PASSWORD, "1", now)


def visit_form(**changes: object) -> VisitForm:
    values: dict[str, object] = {
        "uscc": USCC,
        "enterprise_name": "示范科技有限公司",
        "address": "示范市高新区创业路 8 号",
        "contact": "张三",
        "contact_phone": "13812345678",
        "visited_on": date(2026, 11, 26),
        "place": "企业会议室",
        "purpose": "企业开办预审",
        "items": (BUNDLE,),
        "notes": "材料基本齐全",
    }
    values.update(changes)
    return VisitForm(**values)  # type: ignore[arg-type]


def marked(visits: VisitsService, code: str, missing: int = 0) -> tuple[LineState, ...]:
    """Every asked line ready except the first ``missing`` ones."""
    return originals(visits.checklist(code), missing)


def applicant(**changes: str) -> DraftApplicant:
    values = {"uscc": USCC, "name": "示范科技有限公司", "legal_rep": "张三",
              "phone": "13812345678"}  # fmt: skip
    values.update(changes)
    return DraftApplicant(**values)


def test_a_visit_is_saved_with_its_outbox_op(
    db: Database, visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    assert visits.visits() == [visit]
    assert [op.table_name for op in outbox.pending(db)][-1] == "visits"


def test_editing_a_visit_keeps_its_id_and_author(
    visits: VisitsService, specialist: Session, now: datetime
) -> None:
    first = visits.save_visit(specialist, visit_form(), now)
    later = now + timedelta(hours=1)
    edited = visits.save_visit(specialist, visit_form(notes="补充：租赁合同待签"), later, first.id)
    assert edited.id == first.id and edited.created_at == first.created_at
    assert visits.visit(first.id).notes == "补充：租赁合同待签"


def test_a_specialist_can_list_only_their_own_visits(
    db: Database, visits: VisitsService, specialist: Session, now: datetime
) -> None:
    own = visits.save_visit(specialist, visit_form(), now)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    theirs = visits.save_visit(supervisor, visit_form(enterprise_name="另一家有限公司"), now)
    assert [v.id for v in visits.visits(specialist.staff.id)] == [own.id]
    assert {v.id for v in visits.visits()} == {own.id, theirs.id}


def test_a_visit_with_a_bad_phone_is_refused_at_that_field(
    db: Database, visits: VisitsService, specialist: Session, now: datetime
) -> None:
    before = outbox.pending_count(db)
    with pytest.raises(ValidationError) as caught:
        visits.save_visit(specialist, visit_form(contact_phone="12345"), now)
    assert caught.value.field == "contact_phone"
    assert outbox.pending_count(db) == before


def test_a_clerk_may_not_log_visits(db: Database, visits: VisitsService, now: datetime) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    with pytest.raises(RoleRefusedError):
        visits.save_visit(clerk, visit_form(), now)


def test_follow_up_tasks_have_due_dates_and_can_be_finished(
    visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    task = visits.add_task(specialist, visit.id, "协助预约银行开户", date(2026, 12, 3), now)
    assert visits.tasks(visit.id) == [task]
    done = visits.finish_task(specialist, task.id, now)
    assert done.done_at == now
    with pytest.raises(ValidationError, match="不能早于走访日期"):
        visits.add_task(specialist, visit.id, "回访", date(2026, 11, 1), now)


def test_the_prepare_list_names_every_missing_material_once(
    visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    review = visits.prereview(specialist, visit.id, BUNDLE, marked(visits, BUNDLE, 2), now)
    sheet = visits.prepare_list(review.id, now)
    assert len(sheet.to_prepare) == 2
    assert sheet.enterprise_name == "示范科技有限公司"
    assert len(sheet.ready) + len(sheet.to_prepare) == visits.checklist(BUNDLE).asked_count


def test_a_draft_with_an_invalid_uscc_is_refused_and_nothing_saved(
    db: Database, visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    review = visits.prereview(specialist, visit.id, BUNDLE, marked(visits, BUNDLE), now)
    before = outbox.pending_count(db)
    with pytest.raises(ValidationError) as caught:
        visits.make_draft(specialist, review.id, applicant(uscc="91350100M00010OY43"), now)
    assert caught.value.field == "uscc" and "不是统一社会信用代码允许的字符" in caught.value.message
    assert outbox.pending_count(db) == before
    assert visits.open_drafts() == []


def test_an_expired_authorisation_refuses_the_draft(
    visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    review = visits.prereview(specialist, visit.id, BUNDLE, marked(visits, BUNDLE), now)
    auth = visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm("李四", AGENT_ID, (BUNDLE,), date(2026, 11, 30)),
        now,
    )
    later = datetime(2026, 12, 2, 10, 0, tzinfo=now.tzinfo)
    with pytest.raises(NotAllowedError, match="已于 2026-11-30 到期"):
        visits.make_draft(specialist, review.id, applicant(), later, auth.id)
    assert visits.open_drafts() == []


def test_an_authorisation_not_covering_the_item_refuses_the_draft(
    visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    review = visits.prereview(specialist, visit.id, BUNDLE, marked(visits, BUNDLE), now)
    auth = visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm("李四", AGENT_ID, ("SCJG-0002",), date(2026, 12, 31)),
        now,
    )
    with pytest.raises(NotAllowedError, match="不包括“企业开办”"):
        visits.make_draft(specialist, review.id, applicant(), now, auth.id)


def test_a_clerk_takes_a_draft_in_with_its_checklist_and_agent(
    db: Database, visits: VisitsService, specialist: Session, now: datetime
) -> None:
    visit = visits.save_visit(specialist, visit_form(), now)
    review = visits.prereview(specialist, visit.id, BUNDLE, marked(visits, BUNDLE), now)
    auth = visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm("李四", AGENT_ID, (BUNDLE,), date(2026, 12, 31)),
        now,
    )
    draft = visits.make_draft(specialist, review.id, applicant(), now, auth.id)
    assert visits.open_drafts() == [draft]

    settings = Settings()
    intake = IntakeService(
        db, CatalogService(db), CalendarService(db, settings.working_hours), settings
    )
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    form = ApplicantForm(
        ApplicantKind.ENTERPRISE, draft.uscc, draft.enterprise_name, draft.phone,
        draft.legal_rep, draft.contact, draft.agent_name, draft.agent_id_number,
    )  # fmt: skip
    request = IntakeRequest(BUNDLE, form, draft.states, Decision.ACCEPT, draft_id=draft.id)
    result = intake.decide(clerk, request, now)
    assert result.case.agent_name == "李四"
    taken = visits.draft(draft.id)
    assert taken.state is DraftState.TAKEN and taken.case_number == result.case.number
    assert visits.open_drafts() == []
    with pytest.raises(NotAllowedError, match="已由李娜受理"):
        intake.decide(clerk, request, now)


def test_monthly_counts_count_visits_and_agent_services(
    db: Database, visits: VisitsService, specialist: Session, now: datetime
) -> None:
    for n in range(3):
        visits.save_visit(specialist, visit_form(visited_on=date(2026, 11, 20 + n)), now)
    counts = visits.monthly_counts("2026-11")
    assert (counts.visits, counts.enterprises, counts.agent_services) == (3, 1, 0)
    assert visits.monthly_counts("2026-10").visits == 0
