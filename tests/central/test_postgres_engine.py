"""The PostgreSQL central sends a queue transaction as a few prepared simple queries."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from central_support import fresh_engine

from counter.central.hall_queue import HallQueue
from counter.central.postgres_engine import PostgresEngine
from counter.model.clock import HALL_TZ
from counter.model.errors import NotFoundError
from counter.model.queue import CallRule, Category, Lane
from tests.waiting import soon

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=HALL_TZ)
HALL = Category(code="F", name="综合")


@pytest.fixture
def engine(tmp_path: Path, pg_dsn: str) -> Iterator[PostgresEngine]:
    made = fresh_engine("postgres", tmp_path, pg_dsn)
    assert isinstance(made, PostgresEngine)
    yield made
    made.close()


def issue(hall: HallQueue, at: datetime, **person: str) -> None:
    hall.issue(HALL, "F", at, lane=Lane.NORMAL, **person)


def test_values_with_quotes_percent_and_chinese_come_back_as_sent(
    engine: PostgresEngine,
) -> None:
    hall = HallQueue(engine)
    issue(hall, NOW, person_id="11010519491231002X", person_name="O'Brien 100% 张三\\")
    staff = ("3", "s-1", "李'四 %s")
    called = hall.call_next(staff, ["F"], CallRule(interleave=3), NOW + timedelta(minutes=1))
    stored = hall.ticket(called.id)
    assert stored["person_name"] == "O'Brien 100% 张三\\"
    assert stored["clerk_name"] == "李'四 %s"


def test_a_refusal_after_writes_rolls_them_back_and_frees_the_connection(
    engine: PostgresEngine,
) -> None:
    hall = HallQueue(engine)
    issue(hall, NOW)
    with pytest.raises(NotFoundError), engine._queue_tx() as cur:
        cur.execute("UPDATE queue_tickets SET state = 'done'")
        cur.execute("SELECT count(*) FROM queue_tickets").fetchone()
        raise NotFoundError("refused after a write")
    assert engine.query("SELECT state FROM queue_tickets") == [("waiting",)]
    with engine._queue_pool.connection() as conn:
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_failed_statement_leaves_the_next_transactions_on_the_connection_working(
    engine: PostgresEngine,
) -> None:
    """The batch that failed may have prepared some of its statements or none: the
    connection forgets them all, so the next transaction prepares them again."""
    hall = HallQueue(engine)
    issue(hall, NOW)
    for _ in range(2):  # the second time, PREPARE would meet the first time's statement
        with pytest.raises(psycopg.errors.UniqueViolation), engine._queue_tx() as cur:
            cur.execute("SELECT count(*) FROM queue_tickets").fetchone()
            cur.execute("INSERT INTO queue_numbers SELECT * FROM queue_numbers")
            cur.execute("SELECT count(*) FROM queue_events").fetchone()
    issue(hall, NOW + timedelta(seconds=1))
    called = hall.call_next(("1", "s-1", "王五"), ["F"], CallRule(), NOW + timedelta(minutes=1))
    assert called.number == "F001"
    assert engine.query("SELECT count(*) FROM queue_tickets") == [(2,)]


def test_a_statement_is_prepared_once_per_connection(engine: PostgresEngine) -> None:
    hall = HallQueue(engine)
    for second in range(3):
        issue(hall, NOW + timedelta(seconds=second))
    with engine._queue_pool.connection() as conn:
        names = conn.execute("SELECT name FROM pg_prepared_statements").fetchall()
        assert len(names) == len(set(names)) == len(engine._prepared[conn])


def following(engine: PostgresEngine) -> tuple[queue.Queue[None], Callable[[], None]]:
    """Follow the queue; returns once listening (the follower wakes when it connects)."""
    wakes: queue.Queue[None] = queue.Queue()
    stop = engine.follow_queue(lambda: wakes.put(None))
    wakes.get(timeout=10)
    return wakes, stop


def test_a_queue_event_committed_by_another_process_wakes_the_followers(
    engine: PostgresEngine, pg_dsn: str
) -> None:
    wakes, stop = following(engine)
    other = PostgresEngine(pg_dsn)
    try:
        issue(HallQueue(other), NOW)
        wakes.get(timeout=10)
    finally:
        stop()
        other.close()


def test_a_rolled_back_queue_event_wakes_nobody(engine: PostgresEngine) -> None:
    wakes, stop = following(engine)
    try:
        with pytest.raises(NotFoundError), engine._queue_tx() as cur:
            engine._queue_event_lock(cur)
            cur.execute("SELECT 1").fetchone()
            raise NotFoundError("refused after the event lock")
        issue(HallQueue(engine), NOW)
        wakes.get(timeout=10)  # notifications come in commit order: the issue's is last
        assert wakes.empty()
    finally:
        stop()


def test_stopping_ends_the_follower(engine: PostgresEngine) -> None:
    _, stop = following(engine)
    stop()
    assert soon(
        lambda: not any(t.name == "central-queue-follow" for t in threading.enumerate()),
        seconds=5,
        every=0.05,
    )
