"""Eight processes calling "next" on one store file: every ticket served exactly once."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counter.model.errors import NotFoundError
from counter.model.staff import Role, Staff
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store.db import connect, immediate, open_store

PROCESSES = 8
TICKETS = 2000


def serve(path: str, window: str, now: datetime) -> list[str]:
    """One window's clerk: call next and finish until nobody is waiting."""
    db = connect(path)
    queue = LocalQueue(db)
    staff = Staff(id=f"s{window}", login=f"w{window}", name=f"窗口{window}", role=Role.CLERK,
                  password_hash="")  # fmt: skip
    session = Session(staff=staff, window=window, signed_in_at=now)
    served: list[str] = []
    while True:
        try:
            ticket = queue.call_next(session, now)
        except NotFoundError:
            break
        queue.finish(session, ticket.id, ["咨询"], now)
        served.append(ticket.id)
    db.close()
    return served


@pytest.mark.slow
def test_eight_processes_serve_each_ticket_exactly_once(store_path: Path, now: datetime) -> None:
    db = open_store(store_path)
    queue = LocalQueue(db)
    with immediate(db):
        for i in range(TICKETS):
            queue.issue("F", now + timedelta(milliseconds=i))
    db.close()
    context = multiprocessing.get_context("spawn")
    later = now + timedelta(minutes=5)
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            serve, [(str(store_path), str(w), later) for w in range(1, PROCESSES + 1)]
        )
    served = Counter(ticket for batch in results for ticket in batch)
    assert len(served) == TICKETS
    assert set(served.values()) == {1}
    check = open_store(store_path)
    calls = check.execute("SELECT count(*) FROM ticket_events WHERE kind = 'call_next'").fetchone()[
        0
    ]
    states = check.execute("SELECT DISTINCT state FROM tickets").fetchall()
    check.close()
    assert calls == TICKETS
    assert states == [("done",)]
