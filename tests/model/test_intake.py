from __future__ import annotations

from datetime import date

import pytest

from counter.model.catalog import Checklist, Item, ItemMaterial, ItemSource, Material, MaterialForm
from counter.model.errors import NotAllowedError, ValidationError, ValidationErrors
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    LineState,
    MaterialStatus,
    applicant_errors,
    check_applicant,
    check_decision,
    check_field,
    initial_states,
    missing_lines,
    set_copies,
    set_status,
)

TODAY = date(2026, 11, 27)
USCC = "91350100M000100Y43"
USCC_BAD_CHECK = "91350100M000100Y44"
PERSON_ID = "11010519491231002X"

APP = Material("APP", "申请书")
ID = Material("ID", "身份证", shared_source="公安人口库")
CONTRACT = Material("CONTRACT", "劳动合同")
LEASE = Material("LEASE", "租赁合同")
ITEM = Item(
    "T-1",
    "测试事项",
    "SCJG",
    ItemSource.LOCAL,
    legal_days=20,
    promised_days=5,
    materials=(
        ItemMaterial(APP, MaterialForm.ORIGINAL, copies=2),
        ItemMaterial(ID),
        ItemMaterial(CONTRACT, MaterialForm.COPY, rongque=True),
        ItemMaterial(LEASE, MaterialForm.COPY, required=False, condition="租赁场地时"),
    ),
)
CHECKLIST = Checklist.merge([ITEM])


def enterprise(**changes: str) -> ApplicantForm:
    values = {
        "id_number": USCC,
        "name": "示范科技有限公司",
        "phone": "13812345678",
        "legal_rep": "张三",
        "contact": "",
    }
    values.update(changes)
    return ApplicantForm(ApplicantKind.ENTERPRISE, **values)


def states(**by_id: MaterialStatus) -> list[LineState]:
    out = []
    for line, state in zip(CHECKLIST, initial_states(CHECKLIST), strict=True):
        status = by_id.get(line.material.id)
        if status is not None:
            due = date(2026, 12, 1) if status is MaterialStatus.PROMISED else None
            state = set_status(line, state, status, promised_due=due)
        out.append(state)
    return out


def complete() -> list[LineState]:
    return states(APP=MaterialStatus.ORIGINAL, CONTRACT=MaterialStatus.COPY)


# --- applicant fields ---------------------------------------------------------------


def test_a_good_enterprise_passes_with_no_warnings() -> None:
    applicant, agent, warnings = check_applicant(enterprise(), TODAY)
    assert applicant.key == f"E:{USCC}"
    assert agent is None
    assert warnings == ()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "", "请输入统一社会信用代码"),
        ("id_number", "9135010", "应为18位"),
        ("id_number", "91350100M000100YO3", "不是统一社会信用代码允许的字符"),
        ("name", "", "请填写企业名称"),
        ("name", "示范", "至少 4 个字"),
        ("name", "示" * 101, "最多 100 个字"),
        ("legal_rep", "", "请填写法定代表人姓名"),
        ("legal_rep", "张3", "不应包含数字"),
        ("contact", "李", "至少 2 个字"),
        ("phone", "", "请输入手机号码"),
        ("phone", "1381234", "应为11位"),
        ("phone", "12812345678", "第二位为3–9"),
        ("phone", "138123a5678", "只能包含数字"),
        ("agent_name", "", "请填写代办人姓名"),
    ],
)
def test_bad_enterprise_input_is_refused_at_its_field(field: str, value: str, message: str) -> None:
    form = enterprise(**{field: value})
    if field == "agent_name":
        form = ApplicantForm(**{**form.__dict__, "agent_id": PERSON_ID})
    with pytest.raises(ValidationError) as caught:
        check_applicant(form, TODAY)
    assert caught.value.field == field
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请输入居民身份证号码"),
        ("110105194912310021", "校验码不符"),
        ("110105194913310026", "出生日期"),
        ("11010519491231002", "应为18位"),
    ],
)
def test_bad_person_id_is_refused_at_the_id_field(value: str, message: str) -> None:
    form = ApplicantForm(ApplicantKind.PERSON, value, "王小明", "13812345678")
    with pytest.raises(ValidationError) as caught:
        check_applicant(form, TODAY)
    assert caught.value.field == "id_number"
    assert message in caught.value.message


def test_bad_agent_id_is_refused_at_the_agent_id_field() -> None:
    form = ApplicantForm(**{**enterprise().__dict__, "agent_name": "赵六", "agent_id": "123"})
    with pytest.raises(ValidationError) as caught:
        check_applicant(form, TODAY)
    assert caught.value.field == "agent_id"
    assert caught.value.message.startswith("代办人")


def test_an_agent_cannot_be_the_applicant_themself() -> None:
    form = ApplicantForm(
        ApplicantKind.PERSON, PERSON_ID, "王小明", "13812345678",
        agent_name="王小明", agent_id=PERSON_ID,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="同一人"):
        check_applicant(form, TODAY)


def test_every_field_s_error_is_collected_at_once_in_screen_order() -> None:
    form = enterprise(id_number="9135", name="", legal_rep="", phone="128")
    errors = applicant_errors(form, TODAY)
    assert list(errors) == ["id_number", "name", "legal_rep", "phone"]
    assert "应为18位" in errors["id_number"] and errors["name"] == "请填写企业名称"
    with pytest.raises(ValidationErrors) as raised:
        check_applicant(form, TODAY)
    assert raised.value.messages == errors
    assert raised.value.field == "id_number"  # the first, as before
    assert applicant_errors(enterprise(), TODAY) == {}


def test_the_agent_being_the_applicant_is_collected_with_the_rest() -> None:
    form = ApplicantForm(
        ApplicantKind.PERSON, PERSON_ID, "王小明", "1381234567",
        agent_name="王小明", agent_id=PERSON_ID,
    )  # fmt: skip
    assert list(applicant_errors(form, TODAY)) == ["phone", "agent_id"]


def test_an_agent_is_returned_with_their_checked_id() -> None:
    form = ApplicantForm(**{**enterprise().__dict__, "agent_name": "赵六", "agent_id": PERSON_ID})
    _, agent, _ = check_applicant(form, TODAY)
    assert agent is not None and agent.id_number == PERSON_ID


def test_a_uscc_failing_its_checksum_is_a_warning_not_an_error() -> None:
    _, _, warnings = check_applicant(enterprise(id_number=USCC_BAD_CHECK), TODAY)
    assert [w.field for w in warnings] == ["id_number"]
    assert "校验码不符" in warnings[0].message


def test_a_field_is_checked_alone_as_it_is_typed() -> None:
    value, soft = check_field(enterprise(id_number=" 91350100m000100y43 "), "id_number", TODAY)
    assert value == USCC and soft == ()


def test_a_person_has_no_legal_representative_to_check() -> None:
    form = ApplicantForm(ApplicantKind.PERSON, PERSON_ID, "王小明", "13812345678", legal_rep="x")
    applicant, _, _ = check_applicant(form, TODAY)
    assert applicant.legal_rep == ""


# --- checklist lines ------------------------------------------------------------------


def test_shared_data_lines_start_exempt_and_others_missing() -> None:
    assert [s.status for s in initial_states(CHECKLIST)] == [
        MaterialStatus.MISSING,
        MaterialStatus.EXEMPT,
        MaterialStatus.MISSING,
        MaterialStatus.MISSING,
    ]


def test_receiving_a_line_counts_its_required_copies() -> None:
    line = CHECKLIST.lines[0]
    state = set_status(line, initial_states(CHECKLIST)[0], MaterialStatus.ORIGINAL)
    assert state.copies == 2
    assert set_copies(line, state, 3).copies == 3


def test_copies_of_a_missing_line_are_refused() -> None:
    line = CHECKLIST.lines[0]
    with pytest.raises(ValidationError, match="尚未收取"):
        set_copies(line, initial_states(CHECKLIST)[0], 1)


def test_a_line_not_in_shared_data_cannot_be_exempt() -> None:
    with pytest.raises(ValidationError, match="不能标为免提交"):
        set_status(CHECKLIST.lines[0], initial_states(CHECKLIST)[0], MaterialStatus.EXEMPT)


def test_rongque_on_a_material_the_item_does_not_allow_is_refused() -> None:
    with pytest.raises(NotAllowedError, match="不在本事项的容缺受理清单内"):
        set_status(CHECKLIST.lines[0], initial_states(CHECKLIST)[0], MaterialStatus.PROMISED)


# --- decisions --------------------------------------------------------------------------


def test_accept_with_everything_received_passes() -> None:
    check_decision(Decision.ACCEPT, CHECKLIST, complete(), today=TODAY)


def test_accept_with_a_required_material_missing_names_it() -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(Decision.ACCEPT, CHECKLIST, states(APP=MaterialStatus.ORIGINAL), today=TODAY)
    assert caught.value.field == "checklist"
    assert "缺少“劳动合同”" in caught.value.message


def test_a_copy_where_the_original_is_required_blocks_acceptance() -> None:
    given = states(APP=MaterialStatus.COPY, CONTRACT=MaterialStatus.COPY)
    with pytest.raises(ValidationError, match="须提交原件"):
        check_decision(Decision.ACCEPT, CHECKLIST, given, today=TODAY)


def test_too_few_copies_block_acceptance() -> None:
    given = complete()
    given[0] = LineState("APP", MaterialStatus.ORIGINAL, 1)
    with pytest.raises(ValidationError, match="须 2 份，只收到 1 份"):
        check_decision(Decision.ACCEPT, CHECKLIST, given, today=TODAY)


def test_the_one_time_notice_lists_every_missing_material() -> None:
    missing = missing_lines(CHECKLIST, states())
    assert [line.material.id for line, _ in missing] == ["APP", "CONTRACT"]
    check_decision(Decision.SUPPLEMENT, CHECKLIST, states(), today=TODAY)


def test_a_one_time_notice_with_nothing_missing_is_refused() -> None:
    with pytest.raises(ValidationError, match="无需补正"):
        check_decision(Decision.SUPPLEMENT, CHECKLIST, complete(), today=TODAY)


def test_rongque_acceptance_with_a_dated_promise_passes() -> None:
    given = states(APP=MaterialStatus.ORIGINAL, CONTRACT=MaterialStatus.PROMISED)
    check_decision(
        Decision.RONGQUE, CHECKLIST, given, today=TODAY, latest_promise=date(2026, 12, 4)
    )


def test_a_promise_beyond_the_promised_completion_is_refused() -> None:
    given = states(APP=MaterialStatus.ORIGINAL, CONTRACT=MaterialStatus.PROMISED)
    with pytest.raises(ValidationError, match="不能晚于承诺办结日"):
        check_decision(
            Decision.RONGQUE, CHECKLIST, given, today=TODAY, latest_promise=date(2026, 11, 30)
        )


def test_a_promise_dated_in_the_past_is_refused() -> None:
    given = states(APP=MaterialStatus.ORIGINAL, CONTRACT=MaterialStatus.PROMISED)
    with pytest.raises(ValidationError, match="不能早于今天"):
        check_decision(Decision.RONGQUE, CHECKLIST, given, today=date(2026, 12, 2))


def test_rongque_with_a_key_material_missing_is_refused() -> None:
    given = states(CONTRACT=MaterialStatus.PROMISED)
    with pytest.raises(ValidationError, match="缺少“申请书”"):
        check_decision(Decision.RONGQUE, CHECKLIST, given, today=TODAY)


def test_rongque_smuggled_onto_a_line_that_does_not_allow_it_is_refused() -> None:
    given = complete()
    given[0] = LineState("APP", MaterialStatus.PROMISED, 0, date(2026, 12, 1))
    with pytest.raises(NotAllowedError, match="不在本事项的容缺受理清单内"):
        check_decision(Decision.RONGQUE, CHECKLIST, given, today=TODAY)


def test_plain_acceptance_with_a_promised_line_points_to_rongque() -> None:
    given = states(APP=MaterialStatus.ORIGINAL, CONTRACT=MaterialStatus.PROMISED)
    with pytest.raises(ValidationError, match="容缺受理"):
        check_decision(Decision.ACCEPT, CHECKLIST, given, today=TODAY)


def test_not_our_office_needs_the_right_office() -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(Decision.NOT_OUR_OFFICE, CHECKLIST, states(), reason="x", today=TODAY)
    assert caught.value.field == "other_office"


def test_no_licence_needed_needs_a_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(Decision.NO_LICENCE, CHECKLIST, states(), today=TODAY)
    assert caught.value.field == "reason"


def test_corrected_on_the_spot_says_what_was_corrected() -> None:
    with pytest.raises(ValidationError, match="当场更正了什么"):
        check_decision(Decision.CORRECTED, CHECKLIST, complete(), today=TODAY)
