"""Queue latency on one store file shared by processes, as in the hall.

1. Ticket issue: the median and p99 of ``LocalQueue.issue`` (BEGIN IMMEDIATE: next
   number, ticket, event, outbox op), one kiosk process.
2. Call next under contention: 8 processes (8 windows) calling next and finishing on the
   same file until the queue is empty; the median and p99 of ``call_next`` over all
   calls, and the total throughput. Each ticket must be served exactly once.

    python -m benchmarks.bench_queue [tickets]
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from counter.model.clock import HALL_TZ
from counter.model.errors import NotFoundError
from counter.model.staff import Role, Staff
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import outbox
from counter.store.db import connect, open_store

CALLERS = 8
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def window(path: str, number: str) -> tuple[list[str], list[float]]:
    db = connect(path)
    queue = LocalQueue(db)
    staff = Staff(id=f"s{number}", login=f"w{number}", name=f"窗口{number}", role=Role.CLERK,
                  password_hash="")  # fmt: skip
    session = Session(staff=staff, window=number, signed_in_at=NOW)
    served: list[str] = []
    latencies: list[float] = []
    now = NOW + timedelta(hours=1)
    while True:
        start = time.perf_counter()
        try:
            ticket = queue.call_next(session, now)
        except NotFoundError:
            break
        latencies.append(time.perf_counter() - start)
        queue.finish(session, ticket.id, ["咨询"], now)
        served.append(ticket.id)
    db.close()
    return served, latencies


def main(tickets: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    path = folder / "counter.db"
    db = open_store(path)
    outbox.ensure_device(db, NOW)
    queue = LocalQueue(db)
    issue: list[float] = []
    for i in range(tickets):
        start = time.perf_counter()
        queue.issue("F", NOW + timedelta(milliseconds=i), priority_reason="老年人" * (i % 7 == 0))
        issue.append(time.perf_counter() - start)
    db.close()
    print(f"issue: {tickets} tickets, median {statistics.median(issue) * 1000:.2f} ms,"
          f" p99 {p99(issue) * 1000:.2f} ms")  # fmt: skip

    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with context.Pool(CALLERS) as pool:
        results = pool.starmap(window, [(str(path), str(w)) for w in range(1, CALLERS + 1)])
    elapsed = time.perf_counter() - start
    served = Counter(t for ids, _ in results for t in ids)
    calls = [x for _, lat in results for x in lat]
    assert len(served) == tickets and set(served.values()) == {1}, "a ticket served twice"
    print(
        f"call next, {CALLERS} processes on one file: {len(calls)} calls,"
        f" median {statistics.median(calls) * 1000:.2f} ms, p99 {p99(calls) * 1000:.2f} ms,"
        f" {len(calls) / elapsed:.0f} calls+finishes/s (incl. process start);"
        f" per window {[len(ids) for ids, _ in results]}; each ticket served exactly once"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
