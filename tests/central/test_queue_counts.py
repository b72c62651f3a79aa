"""The central's per-(day, category, lane) waiting counts (issue 32): a new ticket's
"ahead of you" is read from them, not counted from every waiting ticket, and they stay
equal to the tickets themselves whatever moves a ticket, on both engines, under
concurrent issues, and across a restart of a central made before them."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from counter.central.engine import Engine
from counter.central.hall_queue import HallQueue
from counter.central.sqlite_engine import SqliteEngine
from counter.model.clock import HALL_TZ
from counter.model.queue import CallRule, Category, Lane, Ticket
from counter.model.ticket_rows import ticket_row

MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)
DAY = "2026-11-27"
A = Category(code="A", name="企业开办", windows=("1", "2"))
B = Category(code="B", name="税务", windows=("1", "2"))
STAFF = ("1", "s1", "李娜")


def counts(engine: Engine) -> dict[tuple[str, str, int], int]:
    return {
        (str(d), str(c), int(lane)): int(n)
        for d, c, lane, n in engine.query("SELECT day, category, lane, waiting FROM queue_waiting")
        if int(n)
    }


def recounted(engine: Engine) -> dict[tuple[str, str, int], int]:
    return {
        (str(d), str(c), int(lane)): int(n)
        for d, c, lane, n in engine.query(
            "SELECT day, category, lane, count(*) FROM queue_tickets WHERE state = 'waiting'"
            " GROUP BY day, category, lane"
        )
    }


def brute_ahead(engine: Engine, category: str, lane: Lane) -> int:
    """What the old query counted for a ticket about to be issued at the end of ``lane``."""
    return int(
        engine.scalar(
            "SELECT count(*) FROM queue_tickets WHERE day = ? AND state = 'waiting'"
            " AND category = ? AND lane <= ?",
            [DAY, category, int(lane)],
        )
    )


def test_ahead_and_counts_follow_issues_calls_cancels_and_requeues(engine: Engine) -> None:
    hall = HallQueue(engine)
    rule = CallRule(interleave=3)
    lanes = [Lane.NORMAL, Lane.PRIORITY, Lane.APPOINTMENT, Lane.NORMAL, Lane.PRIORITY]
    at = MORNING
    numbers: list[str] = []
    for n in range(30):
        category = A if n % 3 else B
        lane = lanes[n % len(lanes)]
        expected = brute_ahead(engine, category.code, lane)
        at += timedelta(seconds=1)
        ticket, ahead = hall.issue(category, DAY, at, lane=lane)
        assert ahead == expected, n
        numbers.append(ticket.number)
        if n % 4 == 3:  # a window calls and serves the head
            at += timedelta(seconds=1)
            called = hall.call_next(STAFF, ["A", "B"], rule, at)
            if n % 8 == 3:
                hall.act(STAFF, called.id, "skip", at, {})  # 过号: gone, not waiting
            else:
                hall.act(STAFF, called.id, "finish", at, {"services": ["企业设立登记"]})
        gone = engine.query("SELECT number FROM queue_tickets WHERE state = 'no_show'")
        if n % 7 == 6 and gone:  # a 过号 visitor returns: behind the first who waits
            at += timedelta(seconds=1)
            hall.requeue(str(gone[0][0]), 1, at)
        assert counts(engine) == recounted(engine), n
    # A requeued ticket placed mid-lane is counted exactly too: the ahead of the next
    # issue still matches the full count.
    expected = brute_ahead(engine, "A", Lane.NORMAL)
    _, ahead = hall.issue(A, DAY, at + timedelta(seconds=5), lane=Lane.NORMAL)
    assert ahead == expected


def test_offline_tickets_taken_over_are_counted(engine: Engine) -> None:
    hall = HallQueue(engine)
    first, last = hall.reserve_block("dev-k", "A", DAY, 5, int(MORNING.timestamp() * 1000))
    # Two of them stamped by a kiosk whose clock ran ten minutes ahead: they wait
    # behind a ticket the central issues now, and are not counted ahead of it.
    rows = [
        ticket_row(Ticket.issued("A", seq, Lane.NORMAL, MORNING + ahead_by), MORNING)
        for seq, ahead_by in zip(
            range(first, last + 1),
            [timedelta(0)] * 3 + [timedelta(minutes=10)] * 2,
            strict=True,
        )
    ]
    assert hall.reconcile("dev-k", rows, MORNING) == 5
    assert counts(engine) == {(DAY, "A", int(Lane.NORMAL)): 5}
    _, ahead = hall.issue(A, DAY, MORNING + timedelta(minutes=1), lane=Lane.NORMAL)
    assert ahead == 3
    _, ahead = hall.issue(A, DAY, MORNING + timedelta(minutes=11), lane=Lane.NORMAL)
    assert ahead == 6


def test_concurrent_issues_each_see_every_ticket_issued_before_them(engine: Engine) -> None:
    hall = HallQueue(engine)
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def kiosk(k: int) -> None:
        try:
            for _n in range(8):
                _, ahead = hall.issue(A, DAY, MORNING, lane=Lane.NORMAL)
                with lock:
                    got.append(ahead)
        except BaseException as exc:  # reported below, with the thread's traceback lost
            errors.append(exc)

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    # Issued one after another (the category's number row orders them) at the same
    # moment, so each is its lane's last by its number: each saw every ticket issued
    # before it, none twice, none missed.
    assert sorted(got) == list(range(32))
    assert counts(engine) == recounted(engine) == {(DAY, "A", int(Lane.NORMAL)): 32}


def test_a_central_from_before_the_counts_counts_its_waiting_tickets_at_start(
    tmp_path: Path, engine: Engine
) -> None:
    hall = HallQueue(engine)
    for n in range(6):
        hall.issue(A, DAY, MORNING + timedelta(seconds=n), lane=Lane(n % 3))
    expected = recounted(engine)
    # As a central made before the counts were kept: no table, no triggers (and, before
    # versions, no central_meta).
    drops = [
        "DROP TABLE queue_waiting",
        "DROP TABLE central_meta",
        *(
            [
                "DROP TRIGGER queue_waiting_count ON queue_tickets",
                "DROP FUNCTION queue_waiting_count",
            ]
            if not isinstance(engine, SqliteEngine)
            else [
                f"DROP TRIGGER queue_waiting_{name}"
                for name in ("in", "out", "moved_in", "moved_out")
            ]
        ),
    ]
    run(engine, drops)
    engine.setup()
    assert counts(engine) == expected
    _, ahead = hall.issue(A, DAY, MORNING + timedelta(minutes=1), lane=Lane.NORMAL)
    assert ahead == sum(n for (_, c, _), n in expected.items() if c == "A")


def run(engine: Engine, statements: list[str]) -> None:
    if isinstance(engine, SqliteEngine):
        import sqlite3

        conn = sqlite3.connect(engine.path)
        try:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        finally:
            conn.close()
        return
    dsn: Any = engine.dsn  # type: ignore[attr-defined]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def test_every_board_gets_the_days_last_calls_one_per_ticket(engine: Engine) -> None:
    """Two windows calling in turn: a board that starts (or restarts) late is given the
    day's last calls from the hall's record, each ticket once, newest first, so a
    window's next call does not hide its previous one."""
    from datetime import date

    from counter.model.queue import BOARD_CALLS

    hall = HallQueue(engine)
    at = MORNING
    for _ in range(BOARD_CALLS + 2):
        at += timedelta(seconds=1)
        hall.issue(A, DAY, at, lane=Lane.NORMAL)
    called: list[str] = []
    for n in range(BOARD_CALLS + 2):
        at += timedelta(seconds=1)
        staff = (str(1 + n % 2), f"s{n % 2}", "李娜")
        ticket = hall.call_next(staff, ["A"], CallRule(), at)
        called.append(ticket.number)
        hall.act(staff, ticket.id, "skip", at, {})
    numbers = [row["number"] for _, _, row in hall.latest_calls(date(2026, 11, 27))]
    assert numbers == list(reversed(called))[:BOARD_CALLS]
