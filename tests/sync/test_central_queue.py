"""The hall's queue on a real central process (SQLite and PostgreSQL), and the offline
fallback: numbers from a reserved block, handed over and reconciled when back."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from sync_support import Central, client_for, seeded_counter, token

from counter.model.errors import NotAllowedError, NotFoundError
from counter.model.queue import Ticket, TicketState
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import CentralQueue
from counter.services.session import Session, sign_in
from counter.store.db import open_store
from counter.sync.transport import HttpTransport
from tests.waiting import soon


def queue_for(db: Database, central: Central, **kwargs) -> CentralQueue:  # type: ignore[no-untyped-def]
    transport = HttpTransport(central.url, token(db), timeout=5.0)
    return CentralQueue(db, transport, **kwargs)


def clerk(db: Database, window: str, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, window, now)


def test_a_ticket_issued_at_one_counter_is_called_and_finished_at_another(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    kiosk = queue_for(seeded_counter(seeded_template, tmp_path / "kiosk.db", central), central)
    window_db = seeded_counter(seeded_template, tmp_path / "w3.db", central, window="3")
    window = queue_for(window_db, central)
    issued = kiosk.issue("A", now)
    session = clerk(window_db, "3", now)

    called = window.call_next(session, now + timedelta(minutes=1))
    assert called.number == issued.ticket.number == "A001"
    assert [t.number for t in window.at_window("3", now)] == ["A001"]
    assert kiosk.board(now).calls[0].window == "3"
    done = window.finish(session, called.id, ["设立登记"], now + timedelta(minutes=9))
    assert done.state is TicketState.DONE
    assert window.statistics(now + timedelta(minutes=10)).per_window == {"3": 1}


def test_the_centrals_refusals_are_the_models_errors(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    db = seeded_counter(seeded_template, tmp_path / "w.db", central)
    queue = queue_for(db, central)
    with pytest.raises(NotFoundError, match="没有等候的号"):
        queue.call_next(clerk(db, "1", now), now)
    ticket = queue.issue("A", now).ticket
    queue.call_next(clerk(db, "1", now), now)
    other = seeded_counter(seeded_template, tmp_path / "w2.db", central, window="2")
    with pytest.raises(NotAllowedError, match="本窗口（2 号）不能操作"):
        queue_for(other, central).skip(clerk(other, "2", now), ticket.id, now)
    assert queue.online


def test_concurrent_windows_never_call_the_same_ticket(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    serve_every_ticket_from_eight_windows(central, tmp_path, seeded_template, now)


def test_windows_on_two_central_processes_never_call_the_same_ticket(
    two_process_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    serve_every_ticket_from_eight_windows(two_process_central, tmp_path, seeded_template, now)


def serve_every_ticket_from_eight_windows(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    """120 tickets, eight windows calling next and finishing at once: each served once."""
    kiosk = queue_for(seeded_counter(seeded_template, tmp_path / "kiosk.db", central), central)
    for n in range(120):
        kiosk.issue("F", now + timedelta(seconds=n))
    served: list[str] = []
    errors: list[BaseException] = []
    paths = {}
    for w in range(1, 9):  # each window its own PC, enrolled at its number
        paths[str(w)] = tmp_path / f"w{w}.db"
        seeded_counter(seeded_template, paths[str(w)], central, window=str(w)).close()

    def window(number: str) -> None:
        db = open_store(paths[number])
        queue = queue_for(db, central)
        session = clerk(db, number, now)
        try:
            while True:
                try:
                    ticket = queue.call_next(session, now + timedelta(minutes=5))
                except NotFoundError:
                    return
                served.append(ticket.id)
                queue.finish(session, ticket.id, ["咨询"], now + timedelta(minutes=6))
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=window, args=(str(w),)) for w in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len(served) == 120
    assert max(Counter(served).values()) == 1
    assert kiosk.online


def test_an_offline_counter_issues_from_its_block_and_reconciles_when_back(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    db = seeded_counter(seeded_template, tmp_path / "kiosk.db", central)
    other_db = seeded_counter(seeded_template, tmp_path / "w2.db", central, window="2")
    queue = queue_for(db, central, block_size=10, retry_after_s=0.0)
    other = queue_for(other_db, central)
    queue.issue("A", now)  # online: A001, and A002–A011 set aside
    central.stop()

    offline = [queue.issue("A", now + timedelta(minutes=m)).ticket for m in (1, 2, 3)]
    assert not queue.online
    assert [t.number for t in offline] == ["A002", "A003", "A004"]
    here = clerk(db, "1", now)
    served = queue.call_next(here, now + timedelta(minutes=4))
    assert served.number == "A002"  # A001 lives at the central, not in this store
    queue.finish(here, served.id, ["设立登记"], now + timedelta(minutes=5))

    central.start()
    later = now + timedelta(minutes=6)
    online = queue.issue("A", later).ticket
    assert queue.online
    assert online.number == "A012"  # after the reserved block: no number issued twice
    there = clerk(other_db, "2", later)
    calls = []
    while True:
        try:
            ticket = other.call_next(there, later)
        except NotFoundError:
            break
        calls.append(ticket.number)
        other.finish(there, ticket.id, ["设立登记"], later)
    assert calls == ["A001", "A003", "A004", "A012"]  # A002 was served offline, once
    numbers = [t.number for t in other.tickets_today(later)]
    assert sorted(numbers) == ["A001", "A002", "A003", "A004", "A012"]


def back_online_with_an_offline_ticket(
    central: Central, path: Path, seeded_template: Path, now: datetime
) -> tuple[Database, CentralQueue, Ticket]:
    """A counter that issued A001 online, A002 while the central was down, and now sees
    the central again, before it has acted."""
    db = seeded_counter(seeded_template, path, central)
    queue = queue_for(db, central, block_size=10, retry_after_s=0.0)
    queue.issue("A", now)
    central.stop()
    offline = queue.issue("A", now + timedelta(minutes=1)).ticket
    central.start()
    return db, queue, offline


def test_a_queue_opened_for_reading_leaves_the_offline_tickets_to_the_one_that_acts(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    db, queue, offline = back_online_with_an_offline_ticket(
        central, tmp_path / "kiosk.db", seeded_template, now
    )
    reader = queue_for(db, central, hands_over=False)
    assert [t.number for t in reader.tickets_today(now)] == ["A001"]
    assert reader.online
    queue.issue("A", now + timedelta(minutes=2))  # the acting queue hands over first
    assert offline.id in {t.id for t in reader.tickets_today(now)}


def test_the_offline_queue_never_calls_a_ticket_the_central_owns(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    db, queue, offline = back_online_with_an_offline_ticket(
        central, tmp_path / "kiosk.db", seeded_template, now
    )
    queue.issue("A", now + timedelta(minutes=2))  # back online: A002 handed over
    central.stop()

    with pytest.raises(NotFoundError):
        queue.call_next(clerk(db, "1", now), now + timedelta(minutes=3))
    with pytest.raises(NotAllowedError, match="中心统一管理"):
        queue.call_specific(clerk(db, "1", now), offline.number, now + timedelta(minutes=3))
    central.start()


def test_the_board_follows_calls_on_the_event_stream(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    db = seeded_counter(seeded_template, tmp_path / "w.db", central, window="2")
    queue = queue_for(db, central)
    queue.issue("A", now)
    events, last = queue.events(0)
    assert [e["kind"] for e in events] == ["issue"]
    board = queue_for(open_store(tmp_path / "w.db"), central)
    seen: list[list[dict[str, object]]] = []
    follower = threading.Thread(target=lambda: seen.append(board.events(last, wait=20)[0]))
    follower.start()
    queue.call_next(clerk(db, "2", now), now + timedelta(minutes=1))
    follower.join(20)
    assert [(e["kind"], e["number"], e["window"]) for e in seen[0]] == [("call_next", "A001", "2")]


def test_the_halls_tickets_reach_every_counter_as_the_centrals(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    a_ticket_reaches_another_counter_as_the_centrals(central, tmp_path, seeded_template, now)


def test_the_halls_tickets_reach_every_counter_when_the_central_runs_two_processes(
    two_process_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    a_ticket_reaches_another_counter_as_the_centrals(
        two_process_central, tmp_path, seeded_template, now
    )


def a_ticket_reaches_another_counter_as_the_centrals(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    """Issued and called at one counter, pulled by another through the change log."""
    kiosk_db = seeded_counter(seeded_template, tmp_path / "kiosk.db", central)
    other_db = seeded_counter(seeded_template, tmp_path / "other.db", central)
    queue = queue_for(kiosk_db, central)
    ticket = queue.issue("A", now).ticket
    queue.call_next(clerk(kiosk_db, "1", now), now + timedelta(minutes=1))
    client = client_for(other_db, central)

    def pulled_as_called() -> bool:
        client.step()
        held = other_db.execute(
            "SELECT state, handed_over FROM tickets WHERE id = ?", [ticket.id]
        ).fetchone()
        return held == ("called", 1)

    assert soon(pulled_as_called, seconds=15, every=0.2)
    kinds = other_db.execute(
        "SELECT kind FROM ticket_events WHERE ticket_id = ? ORDER BY id", [ticket.id]
    ).fetchall()
    assert kinds == [("issue",), ("call_next",)]


def test_the_board_follows_every_call_when_the_central_runs_two_processes(
    two_process_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    central = two_process_central
    path = tmp_path / "w.db"
    kiosk = queue_for(seeded_counter(seeded_template, path, central), central)
    for n in range(6):
        kiosk.issue("F", now + timedelta(seconds=n))
    _, last = kiosk.events(0)
    board = queue_for(open_store(path), central)
    heard: list[dict[str, object]] = []

    def follow() -> None:
        after = last
        while len(heard) < 6:
            events, after = board.events(after, wait=20)
            heard.extend(events)

    follower = threading.Thread(target=follow)
    follower.start()
    # Each window a PC of its own, on a connection of its own, so the calls land on both
    # processes.
    for w in range(1, 7):
        db = seeded_counter(seeded_template, tmp_path / f"w{w}.db", central, window=str(w))
        queue_for(db, central).call_next(clerk(db, str(w), now), now + timedelta(minutes=w))
        db.close()
    follower.join(30)
    assert [(e["kind"], e["window"]) for e in heard] == [("call_next", str(w)) for w in range(1, 7)]
