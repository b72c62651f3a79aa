from __future__ import annotations

from datetime import datetime

import pytest

from counter.model.cases import (
    EVENT_ONLY,
    TRANSITIONS,
    Action,
    CaseNumberPattern,
    CaseState,
    Delivery,
    allowed_actions,
    check_delivery,
    check_reason,
    device_code,
    looks_like_case_number,
    next_state,
    sub_case_number,
)
from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError

ALLOWED = [
    (CaseState.DRAFT, Action.SUPPLEMENT, CaseState.SUPPLEMENT),
    (CaseState.DRAFT, Action.REJECT, CaseState.REJECTED),
    (CaseState.DRAFT, Action.ACCEPT, CaseState.ACCEPTED),
    (CaseState.DRAFT, Action.TERMINATE, CaseState.TERMINATED),
    (CaseState.DRAFT, Action.CORRECTED, CaseState.DRAFT),
    (CaseState.SUPPLEMENT, Action.SUPPLEMENT_ARRIVED, CaseState.ACCEPTED),
    (CaseState.SUPPLEMENT, Action.REJECT, CaseState.REJECTED),
    (CaseState.SUPPLEMENT, Action.TERMINATE, CaseState.TERMINATED),
    (CaseState.ACCEPTED, Action.START, CaseState.PROCESSING),
    (CaseState.ACCEPTED, Action.PAUSE, CaseState.PAUSED),
    (CaseState.ACCEPTED, Action.APPROVE, CaseState.APPROVED),
    (CaseState.ACCEPTED, Action.DENY, CaseState.DENIED),
    (CaseState.ACCEPTED, Action.TERMINATE, CaseState.TERMINATED),
    (CaseState.ACCEPTED, Action.EXTEND, CaseState.ACCEPTED),
    (CaseState.ACCEPTED, Action.PROMISE_MET, CaseState.ACCEPTED),
    (CaseState.PROCESSING, Action.PAUSE, CaseState.PAUSED),
    (CaseState.PROCESSING, Action.APPROVE, CaseState.APPROVED),
    (CaseState.PROCESSING, Action.DENY, CaseState.DENIED),
    (CaseState.PROCESSING, Action.TERMINATE, CaseState.TERMINATED),
    (CaseState.PROCESSING, Action.EXTEND, CaseState.PROCESSING),
    (CaseState.PROCESSING, Action.PROMISE_MET, CaseState.PROCESSING),
    (CaseState.PAUSED, Action.RESUME, CaseState.PROCESSING),
    (CaseState.PAUSED, Action.TERMINATE, CaseState.TERMINATED),
    (CaseState.PAUSED, Action.EXTEND, CaseState.PAUSED),
    (CaseState.PAUSED, Action.PROMISE_MET, CaseState.PAUSED),
    (CaseState.APPROVED, Action.DELIVER, CaseState.DELIVERED),
    (CaseState.DENIED, Action.DELIVER, CaseState.DELIVERED),
] + [(state, Action.REPRINT, state) for state in CaseState]

_ALLOWED_PAIRS = {(s, a) for s, a, _ in ALLOWED}
FORBIDDEN = [(s, a) for s in CaseState for a in Action if (s, a) not in _ALLOWED_PAIRS]


@pytest.mark.parametrize(("state", "action", "after"), ALLOWED)
def test_allowed_transition_leads_to_its_state(
    state: CaseState, action: Action, after: CaseState
) -> None:
    assert next_state(state, action) is after
    assert action in allowed_actions(state)


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition_is_refused_with_the_current_state_named(
    state: CaseState, action: Action
) -> None:
    with pytest.raises(NotAllowedError) as caught:
        next_state(state, action)
    assert f"“{state.value}”" in caught.value.message
    assert f"不能“{action.value}”" in caught.value.message
    assert action not in allowed_actions(state)


def test_the_table_lists_exactly_the_allowed_transitions() -> None:
    table = set(TRANSITIONS) | {(s, a) for a, states in EVENT_ONLY.items() for s in states}
    assert table == _ALLOWED_PAIRS


def test_a_second_one_time_notice_is_refused_citing_the_rule() -> None:
    with pytest.raises(NotAllowedError, match="一次性告知只能一次"):
        next_state(CaseState.SUPPLEMENT, Action.SUPPLEMENT)


def test_a_closed_case_says_it_is_closed() -> None:
    with pytest.raises(NotAllowedError, match="不能再办理"):
        next_state(CaseState.DELIVERED, Action.PAUSE)


def test_a_refusal_needs_a_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        check_reason(Action.REJECT, "  ")
    assert caught.value.field == "reason"


def test_starting_needs_no_reason() -> None:
    assert check_reason(Action.START, "") == ""


def test_posted_delivery_needs_address_and_waybill() -> None:
    with pytest.raises(ValidationError) as caught:
        check_delivery(Delivery.POST, "", "SF1234567890")
    assert caught.value.field == "address"
    with pytest.raises(ValidationError) as caught:
        check_delivery(Delivery.POST, "示范市人民路 100 号", "")
    assert caught.value.field == "waybill"
    with pytest.raises(ValidationError, match="8–30"):
        check_delivery(Delivery.POST, "示范市人民路 100 号", "SF12")


def test_pickup_keeps_no_address() -> None:
    assert check_delivery(Delivery.PICKUP, "whatever", "x") == ("", "")


def test_posted_delivery_normalises_the_waybill() -> None:
    assert check_delivery(Delivery.POST, "示范市人民路 100 号", " sf1234567890 ") == (
        "示范市人民路 100 号",
        "SF1234567890",
    )


DAY = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)


def test_the_default_pattern_renders_day_window_device_and_sequence() -> None:
    pattern = CaseNumberPattern.parse("{yyyy}{mm}{dd}-{window}{device}-{seq}")
    assert pattern.render(DAY, "ab12", "3", 7) == "20261127-003AB12-0007"


def test_two_devices_at_the_same_window_get_different_scopes() -> None:
    pattern = CaseNumberPattern.parse("{yyyy}{mm}{dd}-{window}{device}-{seq}")
    assert pattern.scope(DAY, "AAAA", "3") != pattern.scope(DAY, "BBBB", "3")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写"),
        ("{yyyy}-{seq}", "{device} 或窗口号 {window}"),
        ("{yyyy}-{device}", "流水号 {seq}"),
        ("{year}-{device}-{seq}", "无法识别"),
        ("{yyyy-{device}-{seq}", "花括号"),
        ("办件{device}{seq}", "字母、数字和短横线"),
    ],
)
def test_a_bad_pattern_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CaseNumberPattern.parse(text)
    assert caught.value.field == "case_number_pattern"
    assert message in caught.value.message


def test_device_code_takes_the_random_tail_of_the_uuid() -> None:
    assert device_code("0196d2a4-0000-7000-8000-00000000beef") == "BEEF"


def test_sub_case_numbers_extend_the_parent_number() -> None:
    assert sub_case_number("20261127-003AB12-0007", 2) == "20261127-003AB12-0007-02"


def test_a_scanned_number_is_recognised_but_a_name_is_not() -> None:
    assert looks_like_case_number("20261127-003AB12-0007")
    assert not looks_like_case_number("示范科技")
    assert not looks_like_case_number("abc")
