"""The queue's pure rules: call order with interleave, states, re-queue place, figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.queue import (
    CallRule,
    Category,
    Lane,
    QueueRules,
    Ticket,
    TicketState,
    call_text,
    check_in_code,
    check_person,
    check_services,
    check_transfer,
    format_number,
    percentile,
    requeue_key,
)

P, A, N = Lane.PRIORITY, Lane.APPOINTMENT, Lane.NORMAL
DAY = date(2026, 11, 27)


def ticket(state: TicketState, day: date = DAY, window: str = "1") -> Ticket:
    return Ticket(
        id="t", day=day, category="A", number="A017", seq=17,
        issued_at=datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ), state=state, lane=N,
        queue_key=0.0, window=window, person_name="张三丰",
    )  # fmt: skip


def test_priority_then_appointment_then_normal() -> None:
    rule = CallRule(interleave=0)
    assert rule.choose({N, A, P}, []) is P
    assert rule.choose({N, A}, []) is A
    assert rule.choose({N}, []) is N


def test_nobody_waiting_means_no_lane() -> None:
    assert CallRule().choose(set(), []) is None


def test_normal_lane_is_not_starved_after_the_interleave_ratio() -> None:
    rule = CallRule(interleave=2)
    assert rule.choose({P, N}, [P]) is P
    assert rule.choose({P, N}, [A, P]) is N
    assert rule.choose({P, N}, [N, P, P]) is P


def test_lane_order_is_configurable() -> None:
    assert CallRule(lanes=(A, P, N), interleave=0).choose({P, A}, []) is A


def test_lane_order_must_name_every_lane() -> None:
    with pytest.raises(ValidationError, match="三类"):
        CallRule(lanes=(P, N))


def test_numbers_have_three_digits_and_grow_past_999() -> None:
    assert (format_number("A", 17), format_number("A", 1000)) == ("A017", "A1000")


def test_board_text() -> None:
    assert call_text("A017", "3") == "请A017号到3号窗口办理"


def test_requeue_goes_behind_the_nth_waiting() -> None:
    assert requeue_key([10.0, 20.0, 30.0], 2, 99.0) == 25.0
    assert requeue_key([10.0], 3, 99.0) == 11.0
    assert requeue_key([], 3, 99.0) == 99.0


def test_a_done_ticket_cannot_be_recalled() -> None:
    with pytest.raises(NotAllowedError, match="A017 号当前“已办结”，不能重呼"):
        ticket(TicketState.DONE).check_action("recall", DAY)


def test_a_ticket_of_another_day_is_refused_by_date() -> None:
    with pytest.raises(NotAllowedError, match="11月27日 取的号，不是今天的号"):
        ticket(TicketState.WAITING).check_action("call", DAY + timedelta(days=1))


def test_names_are_masked_for_the_board() -> None:
    assert ticket(TicketState.CALLED).masked_name == "张*丰"


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0
    assert percentile([], 0.9) == 0.0


HALL = (Category("A", "企业开办", windows=("1", "2")), Category("B", "社保", windows=()))


def test_a_transfer_to_a_window_nobody_serves_is_refused_at_the_window() -> None:
    with pytest.raises(ValidationError) as refused:
        check_transfer(None, "9", HALL, here="1")
    assert refused.value.field == "transfer_window"


def test_a_transfer_to_the_own_window_is_refused() -> None:
    with pytest.raises(ValidationError, match="本窗口"):
        check_transfer(None, "1", HALL, here="1")


def test_a_transfer_to_a_category_without_windows_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="社保"):
        check_transfer(HALL[1], "", HALL, here="1", current="A")


def test_a_transfer_to_the_tickets_own_category_is_refused() -> None:
    with pytest.raises(ValidationError, match="另一个业务类别"):
        check_transfer(HALL[0], "", HALL, here="1", current="A")


def test_finishing_keeps_each_service_once_in_order() -> None:
    assert check_services([" 咨询 ", "开户", "咨询", ""]) == ("咨询", "开户")


def test_a_priority_reason_puts_the_ticket_in_the_green_lane() -> None:
    assert QueueRules().lane_for("") == (Lane.NORMAL, "")
    lane, reason = QueueRules().lane_for(QueueRules().priority_reasons[0])
    assert lane is Lane.PRIORITY and reason


# --- the visitor's ID (issue 27) ---------------------------------------------------------

HOUSING = Category("D", "不动产登记", ("7",))
VALID_ID = "110101199001011237"


@pytest.mark.parametrize(
    "typed",
    ["110101 19900101 1237", "１１０１０１１９９００１０１１２３７", "1101011990\u200b01011237",
     "\ufeff110101-19900101-1237 "],
)  # fmt: skip
def test_the_visitor_s_id_is_kept_normalised_however_it_was_typed(typed: str) -> None:
    assert check_person(QueueRules(), HOUSING, typed, DAY) == VALID_ID
    assert check_person(QueueRules(id_required=frozenset("D")), HOUSING, typed, DAY) == VALID_ID
    assert check_in_code(typed) == VALID_ID
    assert check_in_code(" yy0001 ") == "YY0001"


def test_a_category_issued_on_an_id_refuses_none_or_a_wrong_one_at_the_id_field() -> None:
    rules = QueueRules(id_required=frozenset("D"))
    with pytest.raises(ValidationError, match="“不动产登记”须凭本人身份证取号") as caught:
        check_person(rules, HOUSING, " \u200b ", DAY)
    assert caught.value.field == "person_id"
    with pytest.raises(ValidationError, match="校验码不符") as caught:
        check_person(rules, HOUSING, "110101199001011238", DAY)
    assert caught.value.field == "person_id"
    assert check_person(rules, Category("A", "企业开办"), "", DAY) == ""


def test_the_categories_issued_on_an_id_come_from_the_hall_settings() -> None:
    from counter.model.settings import Settings

    rules = QueueRules.from_settings(Settings({"queue_id_required": "b，c, B"}))
    assert rules.id_required == frozenset("BC") and rules.requires_id("C")
    assert not QueueRules.from_settings(Settings()).id_required
    with pytest.raises(ValidationError, match="不是业务类别代码"):
        Settings({"queue_id_required": "B,不动产"})
