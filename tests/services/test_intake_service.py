from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.cases import CaseState
from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError, ValidationErrors
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    LineState,
    MaterialStatus,
    check_applicant,
    initial_states,
)
from counter.model.notice import NoticeKind
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.session import Session, sign_in
from counter.store import cases_store
from tests.materials import originals, rongque_states

USCC = "91350100M000100Y43"
USCC_BAD_CHECK = "91350100M000100Y44"
PERSON_ID = "11010519491231002X"


@pytest.fixture
def intake(db: Database) -> IntakeService:
    settings = Settings()
    return IntakeService(
        db, CatalogService(db), CalendarService(db, settings.working_hours), settings
    )


def company(**changes: str) -> ApplicantForm:
    values = {"id_number": USCC, "name": "示范科技有限公司", "phone": "13812345678",
              "legal_rep": "张三"}  # fmt: skip
    values.update(changes)
    return ApplicantForm(ApplicantKind.ENTERPRISE, **values)


def all_received(intake: IntakeService, code: str) -> tuple[LineState, ...]:
    return originals(intake.checklist(code))


def count(db: Database, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def test_a_bundle_intake_makes_a_parent_and_one_sub_case_per_item(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("YJS-QYKB", company(), all_received(intake, "YJS-QYKB"),
                            Decision.ACCEPT)  # fmt: skip
    result = intake.decide(clerk, request, now)
    assert result.case.state is CaseState.ACCEPTED and result.case.is_parent
    assert [s.item_code for s in result.sub_cases] == [
        "SCJG-0001", "GA-0003", "SW-0001", "RS-0001", "ZJ-0007", "FG-0002",
    ]  # fmt: skip
    assert len({s.department for s in result.sub_cases}) == 6
    assert all(s.number.startswith(result.case.number + "-") for s in result.sub_cases)
    assert all(s.promised_due is not None for s in result.sub_cases)
    assert result.sub_cases[0].legal_due != result.sub_cases[3].legal_due
    assert count(db, "SELECT count(*) FROM cases") == 7
    assert count(db, "SELECT count(*) FROM case_events WHERE to_state = '已受理'") == 7


def test_every_write_of_an_intake_has_its_outbox_op(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("YJS-QYKB", company(), all_received(intake, "YJS-QYKB"),
                            Decision.ACCEPT)  # fmt: skip
    result = intake.decide(clerk, request, now)
    ops = db.execute("SELECT table_name, kind, payload FROM outbox").fetchall()
    by_table: dict[str, int] = {}
    for table, _, _ in ops:
        by_table[table] = by_table.get(table, 0) + 1
    assert by_table["applicants"] == 1
    assert by_table["case_events"] == 7
    assert by_table["case_materials"] == len(intake.checklist("YJS-QYKB"))
    # Each case inserted then moved to 受理: two upserts, the second the final state.
    final = [json.loads(p) for t, _, p in ops if t == "cases"][-7:]
    assert {p["state"] for p in final} == {"已受理"}
    assert result.case.id in {p["id"] for p in final}


def test_an_error_between_writes_leaves_no_half_case_and_no_orphan_op(
    db: Database,
    intake: IntakeService,
    clerk: Session,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = count(db, "SELECT count(*) FROM outbox")
    real = cases_store.add_event
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cases_store, "add_event", failing)
    request = IntakeRequest("YJS-QYKB", company(), all_received(intake, "YJS-QYKB"),
                            Decision.ACCEPT)  # fmt: skip
    with pytest.raises(RuntimeError):
        intake.decide(clerk, request, now)
    for table in ("cases", "case_events", "case_materials", "applicants", "case_sequences"):
        assert count(db, f"SELECT count(*) FROM {table}") == 0, table
    assert count(db, "SELECT count(*) FROM outbox") == before
    assert count(db, "SELECT count(*) FROM cases_fts") == 0


def test_case_numbers_count_up_within_the_day_window_and_device(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    states = all_received(intake, "SCJG-0002")
    first = intake.decide(
        clerk, IntakeRequest("SCJG-0002", company(), states, Decision.ACCEPT), now
    )
    second = intake.decide(
        clerk, IntakeRequest("SCJG-0002", company(), states, Decision.ACCEPT), now
    )
    assert first.case.number.endswith("-0001")
    assert second.case.number.endswith("-0002")
    assert "-003" in first.case.number


def test_one_time_notice_lists_all_missing_materials(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    checklist = intake.checklist("YJS-QYKB")
    result = intake.decide(
        clerk,
        IntakeRequest("YJS-QYKB", company(), initial_states(checklist), Decision.SUPPLEMENT),
        now,
    )
    assert result.case.state is CaseState.SUPPLEMENT
    assert result.notice is not None and result.notice.kind is NoticeKind.SUPPLEMENT
    required = [line for line in checklist.asked if line.required]
    assert len(result.notice.missing) == len(required)


def test_not_our_office_rejects_naming_the_office_and_the_remedies(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest(
        "SCJG-0002", company(), initial_states(intake.checklist("SCJG-0002")),
        Decision.NOT_OUR_OFFICE, reason="属省级权限", other_office="省市场监督管理局",
    )  # fmt: skip
    result = intake.decide(clerk, request, now)
    assert result.case.state is CaseState.REJECTED
    assert result.notice is not None and result.notice.kind is NoticeKind.REJECTED
    assert result.notice.other_office == "省市场监督管理局"
    assert "行政复议" in result.notice.remedies


def test_no_licence_needed_gives_its_own_notice(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest(
        "SCJG-0002", company(), initial_states(intake.checklist("SCJG-0002")),
        Decision.NO_LICENCE, reason="该活动无需许可",
    )  # fmt: skip
    result = intake.decide(clerk, request, now)
    assert result.notice is not None and result.notice.kind is NoticeKind.NO_LICENCE_NEEDED


def test_corrected_on_the_spot_is_accepted_with_the_correction_recorded(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("SCJG-0002", company(), all_received(intake, "SCJG-0002"),
                            Decision.CORRECTED, reason="申请书经营范围笔误当场更正")  # fmt: skip
    result = intake.decide(clerk, request, now)
    assert result.case.state is CaseState.ACCEPTED
    actions = [e.action.value for e in cases_store.events(db, result.case.id)]
    assert actions == ["当场更正", "受理"]


def test_rongque_acceptance_flags_the_case_and_carries_the_promise(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    due = intake.latest_promise("RS-0001", now)
    states = rongque_states(intake.checklist("RS-0001"), due)
    result = intake.decide(
        clerk, IntakeRequest("RS-0001", company(), states, Decision.RONGQUE), now
    )
    assert result.case.rongque and result.case.state is CaseState.ACCEPTED
    assert result.notice is not None and result.notice.kind is NoticeKind.RONGQUE
    assert [p.due for p in result.notice.promises] == [due]


def test_rongque_on_an_item_that_does_not_allow_it_is_refused(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    checklist = intake.checklist("SCJG-0002")
    states = list(all_received(intake, "SCJG-0002"))
    states[0] = LineState(checklist.lines[0].material.id, MaterialStatus.PROMISED, 0, now.date())
    with pytest.raises(NotAllowedError, match="容缺受理清单"):
        intake.decide(
            clerk, IntakeRequest("SCJG-0002", company(), tuple(states), Decision.RONGQUE), now
        )


def test_a_bad_field_saves_nothing(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("SCJG-0002", company(phone="12345"),
                            all_received(intake, "SCJG-0002"), Decision.ACCEPT)  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        intake.decide(clerk, request, now)
    assert caught.value.field == "phone"
    assert count(db, "SELECT count(*) FROM cases") == 0


def test_a_soft_warning_blocks_saving_until_a_supervisor_confirms(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    form = company(id_number=USCC_BAD_CHECK)
    states = all_received(intake, "SCJG-0002")
    with pytest.raises(ValidationError, match="须值班长确认") as caught:
        intake.decide(clerk, IntakeRequest("SCJG-0002", form, states, Decision.ACCEPT), now)
    assert caught.value.field == "id_number"
    _, _, warnings = check_applicant(form, now.date())
    override = intake.confirm_override(clerk, warnings, "zhangwei", DEMO_PASSWORD)
    result = intake.decide(
        clerk, IntakeRequest("SCJG-0002", form, states, Decision.ACCEPT, override=override), now
    )
    event = cases_store.events(db, result.case.id)[-1]
    assert json.loads(event.data)["override_by"] == "张伟"


def test_a_clerk_cannot_confirm_a_warning_themself(intake: IntakeService, clerk: Session) -> None:
    with pytest.raises(ValidationError, match="不是值班长"):
        intake.confirm_override(clerk, [], "lina", DEMO_PASSWORD)


def test_a_wrong_supervisor_password_is_refused(intake: IntakeService, clerk: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        intake.confirm_override(clerk, [], "zhangwei", "wrong-password")
    assert caught.value.field == "override_password"


def test_a_specialist_cannot_take_in_at_the_window(
    db: Database, intake: IntakeService, now: datetime
) -> None:
    specialist = sign_in(db, "wangqiang", DEMO_PASSWORD, "3", now)
    request = IntakeRequest("SCJG-0002", company(), all_received(intake, "SCJG-0002"),
                            Decision.ACCEPT)  # fmt: skip
    with pytest.raises(NotAllowedError, match="窗口受理员"):
        intake.decide(specialist, request, now)


def test_a_returning_applicant_is_found_by_their_code(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("SCJG-0002", company(), all_received(intake, "SCJG-0002"),
                            Decision.ACCEPT)  # fmt: skip
    intake.decide(clerk, request, now)
    found = intake.returning_applicant(ApplicantKind.ENTERPRISE, USCC)
    assert found is not None and found.legal_rep == "张三"


def test_frequent_items_come_first_in_an_empty_search(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("RS-0001", company(), all_received(intake, "RS-0001"),
                            Decision.ACCEPT)  # fmt: skip
    intake.decide(clerk, request, now)
    assert intake.search(clerk, "")[0].code == "RS-0001"


def test_a_ticket_can_be_linked_to_the_case(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("SCJG-0002", company(), all_received(intake, "SCJG-0002"),
                            Decision.ACCEPT, ticket_id="A017")  # fmt: skip
    assert intake.decide(clerk, request, now).case.ticket_id == "A017"


def test_a_draft_is_saved_in_pre_review_without_a_notice(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    request = IntakeRequest("SCJG-0002", company(),
                            initial_states(intake.checklist("SCJG-0002")), None)  # fmt: skip
    result = intake.decide(clerk, request, now)
    assert result.case.state is CaseState.DRAFT and result.notice is None


def test_an_agent_is_kept_on_the_case_and_the_notice(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    form = ApplicantForm(**{**company().__dict__, "agent_name": "赵六", "agent_id": PERSON_ID})
    request = IntakeRequest("SCJG-0002", form, all_received(intake, "SCJG-0002"),
                            Decision.ACCEPT)  # fmt: skip
    result = intake.decide(clerk, request, now)
    assert result.case.agent_id_number == PERSON_ID
    assert result.notice is not None and result.notice.applicant.agent_name == "赵六"


# --- a person a supervisor confirmed once (issue 27) ------------------------------------

#: 衡阳市珠晖区 (430405) was set up in 2001: for a person born there in 1980 stdnum says
#: the code did not exist yet, so the ID carries the area-code warning.
HENGYANG_ID = "430405198001011239"
NEIGHBOUR_ID = "430406198001011235"  # 雁峰区, likewise, never confirmed


def person(**changes: str) -> ApplicantForm:
    values = {"id_number": HENGYANG_ID, "name": "刘衡阳", "phone": "13812345678"}
    values.update(changes)
    return ApplicantForm(ApplicantKind.PERSON, **values)


def test_a_person_a_supervisor_confirmed_once_needs_no_second_override(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    first_visit = datetime(2026, 11, 2, 9, 30, tzinfo=HALL_TZ)
    states = all_received(intake, "SCJG-0002")
    with pytest.raises(ValidationError, match=r"地区码“430405”.*须值班长确认"):
        intake.decide(clerk, IntakeRequest("SCJG-0002", person(), states, Decision.ACCEPT),
                      first_visit)  # fmt: skip
    assert intake.verification(HENGYANG_ID) is None
    _, _, warnings = check_applicant(person(), first_visit.date())
    override = intake.confirm_override(clerk, warnings, "zhangwei", DEMO_PASSWORD)
    intake.decide(
        clerk,
        IntakeRequest("SCJG-0002", person(), states, Decision.ACCEPT, override=override),
        first_visit,
    )

    # Weeks later, at another window, the ID typed with spaces.
    other_window = sign_in(db, "lina", DEMO_PASSWORD, "5", now)
    again = person(id_number="4304 0519 8001 0112 39")
    value, soft, verified = intake.field_check(again, "id_number", now.date())
    assert (value, soft) == (HENGYANG_ID, ())
    assert verified is not None and verified.text == "已核验（值班长 张伟 2026-11-02）"
    result = intake.decide(
        other_window, IntakeRequest("SCJG-0002", again, states, Decision.ACCEPT), now
    )
    assert result.case.applicant_id_number == HENGYANG_ID
    # The same person as another's agent is known too; a neighbour never confirmed is not.
    as_agent = company(agent_name="刘衡阳", agent_id=HENGYANG_ID)
    assert intake.field_check(as_agent, "agent_id", now.date())[1:] == ((), verified)
    intake.decide(other_window, IntakeRequest("SCJG-0002", as_agent, states, Decision.ACCEPT), now)
    with pytest.raises(ValidationError, match=r"地区码“430406”.*须值班长确认"):
        intake.decide(
            other_window,
            IntakeRequest("SCJG-0002", person(id_number=NEIGHBOUR_ID), states, Decision.ACCEPT),
            now,
        )
    assert intake.field_check(person(id_number=NEIGHBOUR_ID), "id_number", now.date())[2] is None


# --- one form, one case; every problem at once (issue 28) ------------------------------


def test_a_second_decision_for_the_same_form_is_refused_naming_its_case(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    form_id = intake.new_request_id(now)
    request = IntakeRequest("YJS-QYKB", company(), all_received(intake, "YJS-QYKB"),
                            Decision.ACCEPT, request_id=form_id)  # fmt: skip
    first = intake.decide(clerk, request, now)
    assert first.case.request_id == form_id
    assert all(s.request_id is None for s in first.sub_cases)
    with pytest.raises(NotAllowedError, match=f"已保存为办件 {first.case.number}"):
        intake.decide(clerk, request, now)
    with pytest.raises(NotAllowedError):  # another decision key for the same form too
        intake.decide(clerk, replace(request, decision=Decision.SUPPLEMENT), now)
    assert count(db, "SELECT count(*) FROM cases WHERE parent_id IS NULL") == 1
    stored = cases_store.get_case(db, first.case.id)
    assert stored is not None and stored.request_id == form_id
    (payload,) = [
        json.loads(r[0])
        for r in db.execute("SELECT payload FROM outbox WHERE table_name = 'cases'")
        if json.loads(r[0]).get("id") == first.case.id and json.loads(r[0])["state"] == "已受理"
    ]
    assert payload["request_id"] == form_id  # synced with the case


def test_the_next_form_is_its_own_request(
    db: Database, intake: IntakeService, clerk: Session, now: datetime
) -> None:
    for _ in range(2):
        request = IntakeRequest("YJS-QYKB", company(), all_received(intake, "YJS-QYKB"),
                                Decision.ACCEPT, request_id=intake.new_request_id(now))  # fmt: skip
        intake.decide(clerk, request, now)
    assert count(db, "SELECT count(*) FROM cases WHERE parent_id IS NULL") == 2


def test_every_problem_of_a_form_is_raised_together_in_screen_order(
    intake: IntakeService, clerk: Session, now: datetime
) -> None:
    form = company(id_number=USCC_BAD_CHECK, legal_rep="", phone="1381234567")
    states = initial_states(intake.checklist("YJS-QYKB"))
    request = IntakeRequest("YJS-QYKB", form, states, Decision.ACCEPT)
    with pytest.raises(ValidationErrors) as raised:
        intake.decide(clerk, request, now)
    messages = raised.value.messages
    assert list(messages) == ["id_number", "legal_rep", "phone", "checklist"]
    assert "须值班长确认后才能保存" in messages["id_number"]
    assert messages["legal_rep"] == "请填写法定代表人姓名"
    assert "应为11位" in messages["phone"] and "材料不齐" in messages["checklist"]
    assert raised.value.field == "id_number"  # the first, for whoever shows one
    assert intake.problems(request, now) == messages
