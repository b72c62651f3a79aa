"""One queue, whichever path it takes: the same scenarios against a counter's own queue
(a standalone counter, or any counter cut off from the central) and against the hall's
queue on the central, over HTTP, on SQLite and on PostgreSQL.

The rules live once, in counter.model.queue; this suite is what keeps the paths that
load, lock, store and send them from drifting apart (issue 26).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sync_support import central_for, seeded_counter

from counter.model.clock import iso
from counter.model.devices import DeviceKind
from counter.model.errors import CounterError, NotAllowedError, NotFoundError, ValidationError
from counter.model.queue import Lane, TicketState
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import CentralQueue, open_queue
from counter.services.queue_service import LocalQueue, Queue
from counter.services.session import Session, sign_in
from counter.store.db import open_store


@dataclass
class Hall:
    """A kiosk that issues and two windows that call, on one queue path.

    ``require_id`` makes the hall issue a category only on an ID: on a counter's own
    queue its rules say so; on the central only the central's published settings do,
    the devices are not told (the central trusts no device)."""

    kiosk: Queue
    one: Queue
    two: Queue
    clerk_one: Session
    clerk_two: Session
    now: datetime
    require_id: Callable[[str], None]

    def later(self, minutes: int) -> datetime:
        return self.now + timedelta(minutes=minutes)


@pytest.fixture(params=["local", "sqlite", "postgres"])
def hall(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_template: Path, now: datetime
) -> Iterator[Hall]:
    if request.param == "local":
        import shutil

        path = tmp_path / "counter.db"
        shutil.copy(seeded_template, path)
        db = open_store(path)
        queue = LocalQueue(db)

        def require_locally(codes: str) -> None:
            queue.rules = replace(queue.rules, id_required=frozenset(codes.split(",")))

        yield Hall(
            queue,
            queue,
            queue,
            sign_in(db, "lina", DEMO_PASSWORD, "1", now),
            sign_in(db, "lina", DEMO_PASSWORD, "2", now),
            now,
            require_locally,
        )
        db.close()
        return
    central = central_for(request.param, tmp_path, request)
    central.start()
    try:
        kiosk_db = seeded_counter(
            seeded_template, tmp_path / "kiosk.db", central, window="", kind=DeviceKind.KIOSK
        )
        one_db = seeded_counter(seeded_template, tmp_path / "w1.db", central, window="1")
        two_db = seeded_counter(seeded_template, tmp_path / "w2.db", central, window="2")
        queues = [open_queue(db, Settings()) for db in (kiosk_db, one_db, two_db)]
        assert all(isinstance(q, CentralQueue) for q in queues)

        def require_on_the_central(codes: str) -> None:
            setting = {"value": codes, "updated_at": iso(now)}
            central.engine.publish(
                "hall_settings", "queue_id_required", setting, int(time.time() * 1000)
            )

        yield Hall(
            *queues,
            sign_in(one_db, "lina", DEMO_PASSWORD, "1", now),
            sign_in(two_db, "lina", DEMO_PASSWORD, "2", now),
            now,
            require_on_the_central,
        )
        for queue in queues:
            assert isinstance(queue, CentralQueue)
            queue.close()
    finally:
        central.stop()


def states(hall: Hall) -> dict[str, TicketState]:
    return {t.number: t.state for t in hall.kiosk.tickets_today(hall.now)}


def test_issue_call_and_finish_in_order(hall: Hall) -> None:
    first = hall.kiosk.issue("A", hall.now).ticket
    second = hall.kiosk.issue("A", hall.later(1)).ticket
    # Numbers rise in issue order (the central may set a block aside for a kiosk to
    # issue from offline, so they need not be consecutive).
    assert first.number == "A001" and second.number > first.number
    called = hall.one.call_next(hall.clerk_one, hall.later(2))
    assert called.number == first.number and called.window == "1" and called.call_count == 1
    done = hall.one.finish(hall.clerk_one, called.id, ["设立登记"], hall.later(3))
    assert done.state is TicketState.DONE and done.services == ("设立登记",)
    assert hall.two.call_next(hall.clerk_two, hall.later(4)).number == second.number
    assert states(hall) == {first.number: TicketState.DONE, second.number: TicketState.CALLED}


def test_a_window_holding_a_ticket_is_told_to_finish_it_first(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    hall.kiosk.issue("A", hall.now)
    hall.one.call_next(hall.clerk_one, hall.later(1))
    with pytest.raises(NotAllowedError, match="请先办结、过号、挂起或转移当前的 A001 号"):
        hall.one.call_next(hall.clerk_one, hall.later(2))


def test_nobody_waiting_is_said_so(hall: Hall) -> None:
    with pytest.raises(NotFoundError, match="目前没有等候的号"):
        hall.one.call_next(hall.clerk_one, hall.now)


def test_the_priority_lane_is_called_first(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    urgent = hall.kiosk.issue("A", hall.later(1), priority_reason="老年人").ticket
    assert urgent.lane is Lane.PRIORITY
    assert hall.one.call_next(hall.clerk_one, hall.later(2)).number == urgent.number


def test_recall_skip_and_requeue_behind_the_waiting(hall: Hall) -> None:
    issued = [hall.kiosk.issue("A", hall.later(minute)).ticket.number for minute in range(4)]
    first = hall.one.call_next(hall.clerk_one, hall.later(5))
    again = hall.one.recall(hall.clerk_one, first.id, hall.later(6))
    assert again.call_count == 2 and again.state is TicketState.CALLED
    missed = hall.one.skip(hall.clerk_one, first.id, hall.later(7))
    assert missed.state is TicketState.NO_SHOW
    back = hall.kiosk.requeue(first.number, hall.later(8), behind=1)
    assert back.state is TicketState.WAITING
    order = []
    for minute in range(9, 13):
        ticket = hall.one.call_next(hall.clerk_one, hall.later(minute))
        order.append(ticket.number)
        hall.one.finish(hall.clerk_one, ticket.id, ["咨询"], hall.later(minute))
    assert order == [issued[1], issued[0], issued[2], issued[3]]


def test_hold_lets_the_window_call_on_and_resume_waits_for_free_hands(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    hall.kiosk.issue("A", hall.now)
    first = hall.one.call_next(hall.clerk_one, hall.later(1))
    held = hall.one.hold(hall.clerk_one, first.id, hall.later(2))
    assert held.state is TicketState.HELD
    second = hall.one.call_next(hall.clerk_one, hall.later(3))
    with pytest.raises(NotAllowedError, match=f"当前的 {second.number} 号"):
        hall.one.resume(hall.clerk_one, first.id, hall.later(4))
    hall.one.finish(hall.clerk_one, second.id, ["咨询"], hall.later(5))
    resumed = hall.one.resume(hall.clerk_one, first.id, hall.later(6))
    assert resumed.state is TicketState.SERVING and resumed.started_at is not None


def test_a_ticket_sent_to_a_named_window_is_called_only_there(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    ticket = hall.one.call_next(hall.clerk_one, hall.later(1))
    moved = hall.one.transfer(hall.clerk_one, ticket.id, hall.later(2), window="2")
    assert moved.state is TicketState.WAITING and moved.target_window == "2"
    with pytest.raises(NotFoundError):
        hall.one.call_next(hall.clerk_one, hall.later(3))
    assert hall.two.call_next(hall.clerk_two, hall.later(4)).number == ticket.number


def test_another_window_cannot_act_on_a_window_s_ticket(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    ticket = hall.one.call_next(hall.clerk_one, hall.later(1))
    with pytest.raises(NotAllowedError, match="本窗口（2 号）不能操作"):
        hall.two.finish(hall.clerk_two, ticket.id, ["咨询"], hall.later(2))


def test_finishing_needs_what_was_done(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    ticket = hall.one.call_next(hall.clerk_one, hall.later(1))
    with pytest.raises(ValidationError, match="至少一项"):
        hall.one.finish(hall.clerk_one, ticket.id, [" "], hall.later(2))


def test_a_case_opened_while_serving_is_linked_once(hall: Hall) -> None:
    hall.kiosk.issue("A", hall.now)
    ticket = hall.one.call_next(hall.clerk_one, hall.later(1))
    linked = hall.one.link_case(ticket.id, "20261206-0001-0001", hall.later(2), hall.clerk_one)
    again = hall.one.link_case(ticket.id, "20261206-0001-0001", hall.later(3), hall.clerk_one)
    assert linked.cases == again.cases == ("20261206-0001-0001",)


def test_a_waiting_ticket_cannot_have_a_case_linked(hall: Hall) -> None:
    waiting = hall.kiosk.issue("A", hall.now).ticket
    with pytest.raises(CounterError, match="等候中"):
        hall.one.link_case(waiting.id, "20261206-0001-0001", hall.later(1), hall.clerk_one)


#: A valid ID (area 110101, born 1990-01-01), and the ways a kiosk, a card reader or a
#: paste may bring it: spaces, a Chinese IME's full-width digits, a zero-width space.
VALID_ID = "110101199001011237"
TYPED_OTHERWISE = (
    "110101 19900101 1237",
    "１１０１０１１９９００１０１１２３７",
    "1101011990\u200b01011237",
)


def test_one_waiting_ticket_per_person_however_the_id_is_typed(hall: Hall) -> None:
    first = hall.kiosk.issue("A", hall.now, person_id=VALID_ID, person_name="王小明").ticket
    assert first.person_id == VALID_ID
    for minute, typed in enumerate(TYPED_OTHERWISE, start=1):
        with pytest.raises(NotAllowedError, match=f"已在“企业开办”取了 {first.number} 号"):
            hall.kiosk.issue("A", hall.later(minute), person_id=typed, person_name="王小明")
    assert list(states(hall)) == [first.number]
    other = hall.kiosk.issue("C", hall.later(5), person_id=TYPED_OTHERWISE[2]).ticket
    assert other.person_id == VALID_ID  # another category: a ticket, the ID normalised


def test_a_category_issued_on_an_id_refuses_a_ticket_without_a_valid_one(hall: Hall) -> None:
    hall.require_id("D")
    for typed, message in (("", "“不动产登记”须凭本人身份证取号"),
                           (VALID_ID[:-1] + "8", "校验码不符")):  # fmt: skip
        with pytest.raises(ValidationError, match=message) as caught:
            hall.kiosk.issue("D", hall.now, person_id=typed)
        assert caught.value.field == "person_id"
    assert states(hall) == {}
    issued = hall.kiosk.issue("D", hall.later(1), person_id=TYPED_OTHERWISE[1]).ticket
    assert issued.number == "D001" and issued.person_id == VALID_ID
    assert hall.kiosk.issue("A", hall.later(2)).ticket.person_id == ""
