"""LocalQueue: issue, call order, window actions, bad input, statistics."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.queue import CallRule, ClerkState, Lane, QueueRules, TicketState
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import staff_store


def session_at(db: Database, now: datetime, window: str = "1", login: str = "lina") -> Session:
    staff = staff_store.find_by_login(db, login)
    assert staff is not None
    return Session(staff=staff, window=window, signed_in_at=now)


def snapshot(db: Database) -> tuple[object, ...]:
    return (
        db.execute("SELECT * FROM tickets ORDER BY id").fetchall(),
        db.execute("SELECT count(*) FROM outbox").fetchone(),
        db.execute("SELECT * FROM appointments ORDER BY code").fetchall(),
    )


@pytest.fixture
def queue(db: Database) -> LocalQueue:
    return LocalQueue(db)


def test_numbers_count_per_category(queue: LocalQueue, now: datetime) -> None:
    numbers = [queue.issue(c, now).ticket.number for c in "AABA"]
    assert numbers == ["A001", "A002", "B001", "A003"]


def test_issue_reports_people_waiting_ahead(queue: LocalQueue, now: datetime) -> None:
    queue.issue("A", now)
    queue.issue("A", now)
    assert queue.issue("A", now).waiting_ahead == 2


def test_numbering_resets_the_next_day(queue: LocalQueue, now: datetime) -> None:
    queue.issue("A", now)
    assert queue.issue("A", now + timedelta(days=1)).ticket.number == "A001"


def test_numbering_continues_when_daily_reset_is_off(db: Database, now: datetime) -> None:
    queue = LocalQueue(db, QueueRules(reset_daily=False))
    queue.issue("A", now)
    assert queue.issue("A", now + timedelta(days=1)).ticket.number == "A002"


def test_every_issue_writes_an_outbox_event(queue: LocalQueue, db: Database, now: datetime) -> None:
    before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    queue.issue("A", now)
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == before + 1


def test_priority_lane_is_called_first(queue: LocalQueue, db: Database, now: datetime) -> None:
    queue.issue("A", now)
    elder = queue.issue("A", now + timedelta(minutes=1), priority_reason="老年人").ticket
    called = queue.call_next(session_at(db, now), now + timedelta(minutes=2))
    assert called.number == elder.number
    assert called.priority_reason == "老年人"


def test_checked_in_appointment_comes_before_first_come(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    queue.issue("A", now)
    booked = queue.check_in("YY0001", now + timedelta(minutes=1)).ticket
    assert booked.lane is Lane.APPOINTMENT
    assert queue.call_next(session_at(db, now), now + timedelta(minutes=2)).id == booked.id


def test_interleave_calls_a_normal_ticket_after_three_priority_calls(
    db: Database, now: datetime
) -> None:
    queue = LocalQueue(db, QueueRules(call_rule=CallRule(interleave=3)))
    clerk = session_at(db, now)
    queue.issue("A", now)
    for _ in range(4):
        queue.issue("A", now, priority_reason="军人")
    lanes = []
    for minute in range(5):
        t = queue.call_next(clerk, now + timedelta(minutes=minute + 1))
        lanes.append(t.lane)
        queue.finish(clerk, t.id, ["咨询"], now + timedelta(minutes=minute + 1, seconds=30))
    assert lanes == [Lane.PRIORITY] * 3 + [Lane.NORMAL, Lane.PRIORITY]


def test_unknown_priority_reason_is_refused(queue: LocalQueue, now: datetime) -> None:
    with pytest.raises(ValidationError, match="绿色通道原因"):
        queue.issue("A", now, priority_reason="着急")


def test_check_in_by_id_number(queue: LocalQueue, now: datetime) -> None:
    issued = queue.check_in("440305196708150018", now)
    assert issued.ticket.category == "C"
    assert issued.ticket.masked_name == "张*丰"


def test_unknown_booking_code_is_refused_and_nothing_changes(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    before = snapshot(db)
    with pytest.raises(NotFoundError, match="没有预约号为“YY9999”的预约"):
        queue.check_in("yy9999", now)
    assert snapshot(db) == before


def test_booking_for_another_day_is_refused(queue: LocalQueue, db: Database, now: datetime) -> None:
    before = snapshot(db)
    with pytest.raises(NotAllowedError, match="不是今天"):
        queue.check_in("YY0004", now)
    assert snapshot(db) == before


def test_booking_checks_in_only_once(queue: LocalQueue, now: datetime) -> None:
    queue.check_in("YY0002", now)
    with pytest.raises(NotAllowedError, match="已签到"):
        queue.check_in("YY0002", now)


def test_one_waiting_ticket_per_person_per_category(queue: LocalQueue, now: datetime) -> None:
    queue.issue("A", now, person_id="110101199003071234", person_name="王小明")
    with pytest.raises(NotAllowedError, match="每人只能有一张"):
        queue.issue("A", now, person_id="110101199003071234")


VALID_ID = "110101199001011237"


@pytest.mark.parametrize(
    "typed",
    ["110101 19900101 1237", "１１０１０１１９９００１０１１２３７", "1101011990\u200b01011237"],
    ids=["space", "full-width", "zero-width"],
)
def test_a_second_ticket_for_the_same_person_is_refused_however_the_id_is_typed(
    queue: LocalQueue, db: Database, now: datetime, typed: str
) -> None:
    first = queue.issue("A", now, person_id=VALID_ID, person_name="王小明").ticket
    before = snapshot(db)
    with pytest.raises(NotAllowedError, match=f"已在“企业开办”取了 {first.number} 号"):
        queue.issue("A", now, person_id=typed)
    assert snapshot(db) == before
    # The ID is kept as the intake keeps it, whichever way it came.
    assert queue.issue("B", now, person_id=typed).ticket.person_id == VALID_ID


def test_a_category_requiring_an_id_refuses_a_ticket_without_a_valid_one(
    db: Database, now: datetime
) -> None:
    queue = LocalQueue(db, QueueRules(id_required=frozenset({"D"})))
    before = snapshot(db)
    for typed, message in (("", "“不动产登记”须凭本人身份证取号"),
                           ("11010119900101", "居民身份证号码应为18位，现在是14位")):  # fmt: skip
        with pytest.raises(ValidationError, match=message) as caught:
            queue.issue("D", now, person_id=typed)
        assert caught.value.field == "person_id"
    assert snapshot(db) == before
    issued = queue.issue("D", now, person_id=" 110101 19900101 1237\u200b").ticket
    assert issued.person_id == VALID_ID
    assert queue.issue("A", now).ticket.person_id == ""  # other categories as before


def test_calling_with_nobody_waiting_says_so_and_changes_nothing(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    before = snapshot(db)
    with pytest.raises(NotFoundError, match="目前没有等候的号"):
        queue.call_next(session_at(db, now), now)
    assert snapshot(db) == before


def test_a_ticket_of_another_day_cannot_be_called(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    queue.issue("A", now - timedelta(days=1))
    before = snapshot(db)
    with pytest.raises(NotAllowedError, match="不是今天的号"):
        queue.call_specific(session_at(db, now), "A001", now)
    assert snapshot(db) == before


def test_transfer_to_a_category_no_window_serves_is_refused(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    supervisor = session_at(db, now, login="zhangwei")
    queue.set_category_windows(supervisor, "E", [], now)
    clerk = session_at(db, now)
    ticket = queue.issue("A", now).ticket
    queue.call_next(clerk, now)
    before = snapshot(db)
    with pytest.raises(ValidationError, match="没有窗口办理") as error:
        queue.transfer(clerk, ticket.id, now, category="E")
    assert error.value.field == "transfer_category"
    assert snapshot(db) == before


def test_transfer_to_a_named_window_keeps_the_number(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    ticket = queue.issue("A", now).ticket
    queue.call_next(clerk, now)
    moved = queue.transfer(clerk, ticket.id, now, category="B", window="4")
    called = queue.call_next(session_at(db, now, window="4", login="zhaolei"), now)
    assert (moved.number, called.number, called.category) == ("A001", "A001", "B")


def test_transferred_ticket_is_not_called_by_other_windows(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    ticket = queue.issue("A", now).ticket
    queue.call_next(clerk, now)
    queue.transfer(clerk, ticket.id, now, window="3")
    with pytest.raises(NotFoundError):
        queue.call_next(session_at(db, now, window="2", login="zhangwei"), now)


def test_call_specific_is_recorded_with_its_reason(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    queue.issue("A", now)
    queue.issue("A", now)
    called = queue.call_specific(session_at(db, now), "a002", now, reason="补件回来")
    kinds = [(kind, detail.get("reason")) for kind, _, _, detail in queue.events(called.id)]
    assert ("call_specific", "补件回来") in kinds


def test_recall_counts_the_calls(queue: LocalQueue, db: Database, now: datetime) -> None:
    clerk = session_at(db, now)
    queue.issue("A", now)
    ticket = queue.call_next(clerk, now)
    assert queue.recall(clerk, ticket.id, now + timedelta(seconds=30)).call_count == 2


def test_a_late_arrival_is_requeued_behind_n_tickets(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    late = queue.issue("A", now).ticket
    for _ in range(4):
        queue.issue("A", now + timedelta(minutes=1))
    queue.call_next(clerk, now + timedelta(minutes=2))
    queue.skip(clerk, late.id, now + timedelta(minutes=3))
    queue.requeue("A001", now + timedelta(minutes=4), behind=2)
    order = [t.number for t in queue.waiting(now)]
    assert order == ["A002", "A003", "A001", "A004", "A005"]


def test_hold_frees_the_window_and_resume_continues(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    first = queue.issue("A", now).ticket
    queue.issue("A", now)
    queue.call_next(clerk, now)
    queue.hold(clerk, first.id, now)
    second = queue.call_next(clerk, now)
    queue.finish(clerk, second.id, ["咨询"], now)
    assert queue.resume(clerk, first.id, now).state is TicketState.SERVING


def test_calling_next_while_serving_is_refused(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    queue.issue("A", now)
    queue.issue("A", now)
    queue.call_next(clerk, now)
    with pytest.raises(NotAllowedError, match="请先办结"):
        queue.call_next(clerk, now)


def test_another_window_cannot_finish_my_ticket(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    queue.issue("A", now)
    ticket = queue.call_next(session_at(db, now), now)
    with pytest.raises(NotAllowedError, match="本窗口（2 号）不能操作"):
        queue.finish(session_at(db, now, window="2", login="zhangwei"), ticket.id, ["x"], now)


def test_finish_records_every_service_delivered(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    queue.issue("A", now)
    ticket = queue.call_next(clerk, now)
    queue.start(clerk, ticket.id, now)
    done = queue.finish(clerk, ticket.id, ["设立登记", "刻章备案", "设立登记"], now)
    assert done.services == ("设立登记", "刻章备案")


def test_finish_without_services_is_refused(queue: LocalQueue, db: Database, now: datetime) -> None:
    clerk = session_at(db, now)
    queue.issue("A", now)
    ticket = queue.call_next(clerk, now)
    with pytest.raises(ValidationError, match="实际办理的事项"):
        queue.finish(clerk, ticket.id, [" "], now)


def test_link_case_records_the_case_on_the_ticket(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    queue.issue("A", now)
    ticket = queue.call_next(clerk, now)
    linked = queue.link_case(ticket.id, "20261127-1X-0001", now, clerk)
    assert linked.cases == ("20261127-1X-0001",)


def test_clerk_state_follows_calls_and_breaks(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    clerk = session_at(db, now)
    queue.issue("A", now)
    ticket = queue.call_next(clerk, now)
    assert queue.clerk_state(clerk, now) is ClerkState.SERVING
    queue.finish(clerk, ticket.id, ["咨询"], now + timedelta(minutes=5))
    queue.set_clerk_state(clerk, ClerkState.BREAK, now + timedelta(minutes=6))
    stats = queue.statistics(now + timedelta(minutes=16))
    assert stats.clerk_time[("1", ClerkState.SERVING)] == timedelta(minutes=5)
    assert stats.clerk_time[("1", ClerkState.BREAK)] == timedelta(minutes=10)


def test_statistics_of_the_day(queue: LocalQueue, db: Database, now: datetime) -> None:
    clerk = session_at(db, now)
    for _ in range(3):
        queue.issue("A", now)
    queue.issue("B", now)
    first = queue.call_next(clerk, now + timedelta(minutes=10))
    queue.start(clerk, first.id, now + timedelta(minutes=10))
    queue.finish(clerk, first.id, ["设立登记"], now + timedelta(minutes=30))
    second = queue.call_next(clerk, now + timedelta(minutes=40))
    queue.skip(clerk, second.id, now + timedelta(minutes=42))
    stats = queue.statistics(now + timedelta(hours=1))
    assert stats.waiting == {"A": 1, "B": 1}
    assert stats.avg_wait == timedelta(minutes=25)
    assert stats.p90_wait == timedelta(minutes=40)
    assert stats.avg_service == timedelta(minutes=20)
    assert stats.per_window == {"1": 1}
    assert stats.no_shows == 1


def test_board_shows_the_latest_call_per_window(
    queue: LocalQueue, db: Database, now: datetime
) -> None:
    queue.issue("A", now)
    queue.issue("B", now)
    queue.call_next(session_at(db, now, window="1"), now)
    queue.call_next(session_at(db, now, window="4", login="zhangwei"), now)
    board = queue.board(now)
    assert [c.text for c in board.calls] == ["请B001号到4号窗口办理", "请A001号到1号窗口办理"]
