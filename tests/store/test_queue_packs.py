"""A past day's queue steps and clerk states are packed (issue 32): a ticket's history
and a day's clerk spans read the same, today is never packed, a step that arrives late
for a packed day is read with it and folded in, and a damaged pack is a fault."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.errors import StorageError
from counter.model.queue import ClerkState
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import queue_packs, queue_store, staff_store
from counter.sync.history import rows_of


def served_day(db: Database, at: datetime, tickets: int = 3) -> list[str]:
    """A morning at window 1: each ticket issued, called, served."""
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    clerk = Session(staff=staff, window="1", signed_in_at=at)
    queue = LocalQueue(db)
    ids = []
    for n in range(tickets):
        moment = at + timedelta(minutes=5 * n)
        ticket = queue.issue("A", moment).ticket
        called = queue.call_next(clerk, moment)
        queue.start(clerk, called.id, moment)
        queue.finish(clerk, called.id, ["咨询"], moment + timedelta(minutes=2))
        ids.append(ticket.id)
    return ids


def held(db: Database, day: str) -> tuple[int, int]:
    return tuple(  # type: ignore[return-value]
        db.execute(f"SELECT count(*) FROM {t} WHERE day = ?", [day]).fetchone()[0]
        for t in queue_packs.TABLES
    )


def test_a_past_day_reads_the_same_once_packed_and_today_stays_rows(
    db: Database, now: datetime
) -> None:
    old, today = now - timedelta(days=30), now
    old_ids = served_day(db, old)
    served_day(db, today)
    day = old.date()

    def read() -> tuple[object, ...]:
        return (
            [queue_store.events_of(db, i) for i in old_ids],
            queue_store.clerk_changes(db, day),
            queue_store.clerk_state(db, "demo-002", day),
        )

    before = read()
    assert before[0][0] and before[1] and before[2] is not None
    clerk_rows = sorted(rows_of(db, "clerk_states"))
    assert queue_packs.pack(db, today.date(), at_most=None) == 1
    assert held(db, day.isoformat()) == (0, 0)
    assert held(db, today.date().isoformat()) != (0, 0)
    assert read() == before
    assert sorted(rows_of(db, "clerk_states")) == clerk_rows  # a later enrolment sends them all
    assert queue_packs.pack(db, today.date(), at_most=None) == 0


def test_a_state_arriving_late_for_a_packed_day_is_read_with_it_and_folded_in(
    db: Database, now: datetime
) -> None:
    old = now - timedelta(days=30)
    served_day(db, old)
    queue_packs.pack(db, now.date(), at_most=None)
    queue_store.add_clerk_state(db, "demo-009", "王五", "4", ClerkState.BREAK,
                                old + timedelta(hours=3), uid="late-1")  # fmt: skip
    changes = queue_store.clerk_changes(db, old.date())
    assert changes[-1][:3] == ("demo-009", "4", ClerkState.BREAK)
    assert queue_packs.pack(db, now.date(), at_most=None) == 1
    assert held(db, old.date().isoformat()) == (0, 0)
    assert queue_store.clerk_changes(db, old.date()) == changes


def test_a_damaged_day_is_a_storage_fault(db: Database, now: datetime) -> None:
    old = now - timedelta(days=30)
    served_day(db, old)
    queue_packs.pack(db, now.date(), at_most=None)
    db.execute("UPDATE queue_day_packs SET packed = x'789c00'")
    with pytest.raises(StorageError) as caught:
        queue_store.clerk_changes(db, old.date())
    assert caught.value.kind == "corrupt"
