"""A ticket pulled from the central lands as the central's, with its event once."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from counter.model.clock import Hlc, to_ms
from counter.model.ticket_rows import ticket_row
from counter.services.queue_service import LocalQueue
from counter.store import queue_store
from counter.sync.protocol import Change
from counter.sync.tables import REGISTRY


def pulled(db: Database, now: datetime) -> Change:
    """What another counter's "issue" looks like coming down the change log."""
    ticket = LocalQueue(db).issue("A", now).ticket
    row = ticket_row(ticket, now)
    db.execute("DELETE FROM ticket_events")
    db.execute("DELETE FROM tickets")
    return Change(
        cursor=1,
        table_name="tickets",
        row_id=ticket.id,
        kind="upsert",
        payload={**row, "event": {"kind": "issue", "window": "", "staff_id": "", "detail": {}}},
        hlc=Hlc(to_ms(now)).encode(),
        origin="other-device",
    )


def test_a_pulled_ticket_is_never_called_by_the_offline_queue(db: Database, now: datetime) -> None:
    change = pulled(db, now)
    REGISTRY["tickets"].apply(db, change, now)  # type: ignore[misc]
    assert db.execute("SELECT handed_over FROM tickets").fetchall() == [(1,)]
    assert queue_store.waiting_lanes(db, now.date(), ["A"], "1") == set()


def test_a_pulled_ticket_event_is_recorded_once(db: Database, now: datetime) -> None:
    change = pulled(db, now)
    for _ in range(2):
        REGISTRY["tickets"].apply(db, change, now)  # type: ignore[misc]
    assert db.execute("SELECT kind FROM ticket_events").fetchall() == [("issue",)]
