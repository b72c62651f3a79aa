"""Random sequences of queue actions against LocalQueue with an advancing clock.

The machine keeps its own record of every ticket and checks the store against it after
each step: no ticket lost, none in two windows' hands, priority order, daily numbering.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from counter.model.clock import HALL_TZ
from counter.model.errors import CounterError
from counter.model.queue import CallRule, QueueRules, TicketState
from counter.model.staff import Role, Staff
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import outbox
from counter.store.db import open_store

WINDOWS = ("1", "2", "3", "4")
CATEGORIES = ("A", "B", "F")
ACTIONS = ("recall", "skip", "start", "hold", "finish", "transfer")
START = datetime(2026, 11, 27, 16, 0, tzinfo=HALL_TZ)


def clerk(window: str) -> Session:
    staff = Staff(id=f"s{window}", login=f"w{window}", name=f"窗口{window}", role=Role.CLERK,
                  password_hash="")  # fmt: skip
    return Session(staff=staff, window=window, signed_in_at=START)


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db = open_store(":memory:")
        outbox.ensure_device(self.db, START)
        self.queue = LocalQueue(self.db, QueueRules(call_rule=CallRule(interleave=0)))
        self.now = START
        self.states: dict[str, TicketState] = {}
        self.issued: dict[tuple[date, str], int] = {}
        self.sessions = {w: clerk(w) for w in WINDOWS}

    def teardown(self) -> None:
        self.db.close()

    def in_hand(self, window: str) -> str | None:
        for t in self.queue.at_window(window, self.now):
            if t.state in (TicketState.CALLED, TicketState.SERVING):
                return t.id
        return None

    @rule(minutes=st.integers(min_value=0, max_value=240))
    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(category=st.sampled_from(CATEGORIES), priority=st.booleans())
    def issue(self, category: str, priority: bool) -> None:
        issued = self.queue.issue(category, self.now, priority_reason="老年人" if priority else "")
        key = (self.now.date(), category)
        self.issued[key] = self.issued.get(key, 0) + 1
        assert issued.ticket.number == f"{category}{self.issued[key]:03d}"
        self.states[issued.ticket.id] = TicketState.WAITING

    @rule(window=st.sampled_from(WINDOWS))
    def call(self, window: str) -> None:
        served = {c.code for c in self.queue.categories() if c.served_by(window)}
        eligible = [
            t
            for t in self.queue.waiting(self.now)
            if (t.category in served and not t.target_window) or t.target_window == window
        ]
        try:
            called = self.queue.call_next(self.sessions[window], self.now)
        except CounterError:
            assert not eligible or self.in_hand(window) is not None
            return
        assert self.states[called.id] is TicketState.WAITING
        best = min(eligible, key=lambda t: (t.lane, t.queue_key, t.seq))
        assert (called.lane, called.queue_key) == (best.lane, best.queue_key)
        self.states[called.id] = TicketState.CALLED

    def act(self, window: str, action: str) -> None:
        ticket_id = self.in_hand(window)
        if ticket_id is None:
            return
        session = self.sessions[window]
        try:
            if action == "finish":
                result = self.queue.finish(session, ticket_id, ["咨询"], self.now)
            elif action == "transfer":
                result = self.queue.transfer(session, ticket_id, self.now, category="F")
            else:
                result = getattr(self.queue, action)(session, ticket_id, self.now)
        except CounterError:
            return
        self.states[ticket_id] = result.state

    @rule(window=st.sampled_from(WINDOWS), action=st.sampled_from(ACTIONS))
    def window_action(self, window: str, action: str) -> None:
        self.act(window, action)

    @precondition(lambda self: TicketState.HELD in self.states.values())
    @rule(data=st.data())
    def resume(self, data: st.DataObject) -> None:
        held = [t for t in self.queue.tickets_today(self.now) if t.state is TicketState.HELD]
        if not held:
            return
        ticket = data.draw(st.sampled_from(held))
        try:
            result = self.queue.resume(self.sessions[ticket.window], ticket.id, self.now)
        except CounterError:
            return
        self.states[ticket.id] = result.state

    @precondition(lambda self: TicketState.NO_SHOW in self.states.values())
    @rule(data=st.data(), behind=st.integers(min_value=0, max_value=4))
    def requeue(self, data: st.DataObject, behind: int) -> None:
        missed = [t for t in self.queue.tickets_today(self.now) if t.state is TicketState.NO_SHOW]
        if not missed:
            return
        ticket = data.draw(st.sampled_from(missed))
        self.states[self.queue.requeue(ticket.number, self.now, behind).id] = TicketState.WAITING

    @invariant()
    def no_ticket_is_lost(self) -> None:
        rows = self.db.execute("SELECT id, state FROM tickets").fetchall()
        assert {r[0]: TicketState(r[1]) for r in rows} == self.states

    @invariant()
    def a_ticket_is_in_one_window_at_a_time(self) -> None:
        for window in WINDOWS:
            active = [
                t
                for t in self.queue.at_window(window, self.now)
                if t.state in (TicketState.CALLED, TicketState.SERVING)
            ]
            assert len(active) <= 1
        rows = self.db.execute(
            "SELECT count(*) FROM tickets WHERE state IN ('called', 'serving') GROUP BY day, window"
            " HAVING count(*) > 1"
        ).fetchall()
        assert rows == []


QueueMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_queue_state_machine = QueueMachine.TestCase
