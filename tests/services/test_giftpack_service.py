from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.cases import Action, CaseState, Delivery
from counter.model.errors import NotAllowedError, RoleRefusedError, ValidationError
from counter.model.giftpack import DEFAULT_CONTENTS
from counter.model.giftpack_handover import LineReadiness, RecipientKind
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    MaterialStatus,
    initial_states,
    set_status,
)
from counter.model.settings import Settings
from counter.model.visits import AuthorisationForm, VisitForm
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.giftpack_service import GiftPackService, PackView
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.session import Session, sign_in
from counter.services.visits_service import VisitsService
from counter.store import outbox

USCC = "91350100M000100Y43"
PERSON = "11010519491231002X"
AGENT = "110101198001010010"


def startup_case(
    db: Database, now: datetime, code: str = "YJS-QYKB", *, approved: bool = True
) -> str:
    """A case taken in at window 3 and, unless ``approved`` is False, 办结（准予）."""
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    checklist = intake.checklist(code)
    states = tuple(
        state if line.exempt else set_status(line, state, MaterialStatus.ORIGINAL)
        for line, state in zip(checklist, initial_states(checklist), strict=True)
    )
    form = ApplicantForm(
        ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678", legal_rep="张三"
    )
    case = intake.decide(clerk, IntakeRequest(code, form, states, Decision.ACCEPT), now).case
    if approved:
        CasesService(db, intake, calendar, settings).act(clerk, case.id, Action.APPROVE, now)
    return case.number


@pytest.fixture
def packs(db: Database) -> GiftPackService:
    return GiftPackService(db, Settings(), DEFAULT_CONTENTS)


def ready(packs: GiftPackService, clerk: Session, view: PackView, *names: str) -> PackView:
    for line in view.lines:
        if line.name in names:
            view = packs.set_readiness(
                clerk, view.case, line.id, LineReadiness.AT_WINDOW, clerk.signed_in_at
            )
    return view


def ids(view: PackView, *names: str) -> list[str]:
    return [line.id for line in view.lines if line.name in names]


def test_opening_a_pack_makes_one_line_per_configured_item(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    number = startup_case(db, now)
    view = packs.open_pack(clerk, number, now)
    assert [line.name for line in view.lines] == [c.name for c in DEFAULT_CONTENTS]
    assert all(line.readiness is LineReadiness.PENDING for line in view.lines)
    again = packs.open_pack(clerk, number, now)
    assert again.lines == view.lines


def test_a_hall_list_sets_the_lines(db: Database, clerk: Session, now: datetime) -> None:
    number = startup_case(db, now)
    service = GiftPackService(db, Settings(), DEFAULT_CONTENTS[:3])
    assert len(service.open_pack(clerk, number, now).lines) == 3


def test_a_case_that_is_not_a_startup_has_no_pack(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    number = startup_case(db, now, "SCJG-0002")
    with pytest.raises(NotAllowedError, match="不是企业开办"):
        packs.open_pack(clerk, number, now)


def test_an_item_not_ready_is_refused_and_nothing_is_recorded(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    view = packs.open_pack(clerk, startup_case(db, now), now)
    view = ready(packs, clerk, view, "营业执照正本")
    before = outbox.pending_count(db)
    with pytest.raises(NotAllowedError, match="“公章”尚未到窗口"):
        packs.hand_over(
            clerk, view.case, ids(view, "营业执照正本", "公章"), now, name="张三", id_number=PERSON
        )
    assert outbox.pending_count(db) == before
    assert packs.view(view.case).handovers == ()


def test_partial_handover_then_the_rest_at_another_window(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    view = packs.open_pack(clerk, startup_case(db, now), now)
    view = ready(packs, clerk, view, "营业执照正本", "营业执照副本")
    first = packs.hand_over(
        clerk,
        view.case,
        ids(view, "营业执照正本", "营业执照副本"),
        now,
        name="张三",
        id_number=PERSON,
    )
    assert [line.name for line in first.form.lines] == ["营业执照正本", "营业执照副本"]
    assert not first.view.complete

    later = now + timedelta(days=1)
    other = sign_in(db, "zhangwei", DEMO_PASSWORD, "5", later)
    rest = [line.name for line in first.view.lines if line.readiness is LineReadiness.PENDING]
    view = ready(packs, other, first.view, *rest)
    second = packs.hand_over(
        other, view.case, [x.id for x in view.ready], later, name="张三", id_number=PERSON
    )
    assert second.view.complete
    assert [h.window for h in second.view.handovers] == ["3", "5"]
    assert packs.figures("2026-11").packs_completed == 1


def test_an_agent_needs_an_authorisation_that_covers_the_case(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    view = packs.open_pack(clerk, startup_case(db, now), now)
    view = ready(packs, clerk, view, "公章")
    with pytest.raises(NotAllowedError, match="没有查到此人的代办委托"):
        packs.hand_over(
            clerk,
            view.case,
            ids(view, "公章"),
            now,
            recipient_kind=RecipientKind.AGENT,
            name="李四",
            id_number=AGENT,
        )
    specialist = sign_in(db, "wangqiang", DEMO_PASSWORD, "1", now)
    visits = VisitsService(db, CatalogService(db), Settings())
    visit = visits.save_visit(
        specialist,
        VisitForm(
            USCC,
            "示范科技有限公司",
            "示范市创业路 8 号",
            "张三",
            "13812345678",
            date(2026, 11, 26),
            "企业",
            "企业开办",
        ),
        now,
    )
    visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm("李四", AGENT, ("SCJG-0002",), date(2026, 12, 31)),
        now,
    )
    with pytest.raises(NotAllowedError, match="不包括"):
        packs.hand_over(
            clerk,
            view.case,
            ids(view, "公章"),
            now,
            recipient_kind=RecipientKind.AGENT,
            name="李四",
            id_number=AGENT,
        )
    visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm("李四", AGENT, ("YJS-QYKB",), date(2026, 12, 31)),
        now,
    )
    done = packs.hand_over(
        clerk,
        view.case,
        ids(view, "公章"),
        now,
        recipient_kind=RecipientKind.AGENT,
        name="李四",
        id_number=AGENT,
    )
    assert done.record.authorisation_id


def test_a_recipient_with_a_bad_id_is_refused(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    view = ready(packs, clerk, packs.open_pack(clerk, startup_case(db, now), now), "公章")
    with pytest.raises(ValidationError) as caught:
        packs.hand_over(
            clerk, view.case, ids(view, "公章"), now, name="张三", id_number="110105194912310021"
        )
    assert caught.value.field == "recipient_id"


def test_posted_items_and_free_seal_sets_are_counted(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    view = packs.open_pack(clerk, startup_case(db, now), now)
    voucher = packs.issue_voucher(clerk, view.case, now)
    assert voucher.voucher_number == packs.issue_voucher(clerk, view.case, now).voucher_number
    view = ready(packs, clerk, view, "政策汇编", "办事指南")
    packs.hand_over(
        clerk,
        view.case,
        ids(view, "政策汇编", "办事指南"),
        now,
        method=Delivery.POST,
        address="示范市创业路 8 号 3 楼",
        waybill="SF1234567890",
    )
    figures = packs.figures("2026-11")
    assert (figures.handovers, figures.seal_sets_free, figures.items_posted) == (1, 1, 2)


def test_a_specialist_may_not_hand_over(
    db: Database, packs: GiftPackService, now: datetime
) -> None:
    specialist = sign_in(db, "wangqiang", DEMO_PASSWORD, "1", now)
    with pytest.raises(RoleRefusedError):
        packs.open_pack(specialist, "whatever", now)


def authorise(db: Database, now: datetime, name: str, id_number: str) -> None:
    """A specialist's visit records the enterprise's 代办委托 for the whole 企业开办."""
    specialist = sign_in(db, "wangqiang", DEMO_PASSWORD, "1", now)
    visits = VisitsService(db, CatalogService(db), Settings())
    visit = visits.save_visit(
        specialist,
        VisitForm(USCC, "示范科技有限公司", "示范市创业路 8 号", "张三", "13812345678",
                  date(2026, 11, 26), "企业", "企业开办"),
        now,
    )  # fmt: skip
    visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm(name, id_number, ("YJS-QYKB",), date(2026, 12, 31)),
        now,
    )


def test_giftpack_refuses_wrong_name_with_right_id(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    authorise(db, now, "王五", AGENT)
    view = ready(packs, clerk, packs.open_pack(clerk, startup_case(db, now), now), "公章")
    with pytest.raises(ValidationError) as refused:
        packs.hand_over(clerk, view.case, ids(view, "公章"), now, name="李四", id_number=AGENT,
                        recipient_kind=RecipientKind.AGENT)  # fmt: skip
    assert refused.value.field == "recipient_name"
    assert "“李四”与代办委托不符" in refused.value.message and "王五" in refused.value.message
    with pytest.raises(ValidationError) as refused:  # nor as the applicant with 王五's card
        packs.hand_over(clerk, view.case, ids(view, "公章"), now, name="李四", id_number=AGENT)
    assert refused.value.field == "recipient_name" and "法定代表人“张三”" in refused.value.message
    with pytest.raises(ValidationError) as refused:  # the legal rep's name on 王五's card
        packs.hand_over(clerk, view.case, ids(view, "公章"), now, name="张三", id_number=AGENT)
    assert refused.value.field == "recipient_id" and "“王五”" in refused.value.message
    assert packs.view(view.case).handovers == ()

    done = packs.hand_over(clerk, view.case, ids(view, "公章"), now, name="王五",
                           id_number=AGENT, recipient_kind=RecipientKind.AGENT)  # fmt: skip
    assert (done.record.recipient_name, done.record.recipient_id) == ("王五", AGENT)


def test_giftpack_hands_over_only_approved_cases(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    number = startup_case(db, now, approved=False)
    view = ready(packs, clerk, packs.open_pack(clerk, number, now), "营业执照正本")
    before = outbox.pending_count(db)
    with pytest.raises(NotAllowedError) as refused:
        packs.hand_over(clerk, view.case, ids(view, "营业执照正本"), now,
                        name="张三", id_number=PERSON)  # fmt: skip
    assert refused.value.message == (
        f"办件 {number}（企业开办）当前状态为“已受理”，须办结（准予）后才能交付大礼包物品"
    )
    assert outbox.pending_count(db) == before

    _, cases = services(db)
    cases.act(clerk, view.case.id, Action.APPROVE, now)  # the page still holds 已受理
    done = packs.hand_over(clerk, view.case, ids(view, "营业执照正本"), now,
                           name="张三", id_number=PERSON)  # fmt: skip
    assert done.view.case.state is CaseState.APPROVED and len(done.record.line_ids) == 1


def test_seal_voucher_refused_after_seals_handed_over(
    db: Database, packs: GiftPackService, clerk: Session, now: datetime
) -> None:
    view = packs.open_pack(clerk, startup_case(db, now), now)
    view = ready(packs, clerk, view, "公章", "财务专用章", "营业执照正本")
    packs.hand_over(clerk, view.case, ids(view, "营业执照正本"), now, name="张三", id_number=PERSON)
    assert packs.issue_voucher(clerk, view.case, now).voucher_number  # no seal handed over yet
    later = now + timedelta(hours=2)
    packs.hand_over(clerk, view.case, ids(view, "公章", "财务专用章"), later,
                    name="张三", id_number=PERSON)  # fmt: skip
    with pytest.raises(NotAllowedError) as refused:
        packs.issue_voucher(clerk, view.case, later)
    assert refused.value.message == (
        "公章、财务专用章已于 2026-11-27 12:00 交给张三（申请人本人），不能再打印免费刻章凭证"
    )


def services(db: Database) -> tuple[IntakeService, CasesService]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)
