"""What this PostgreSQL's commit flush costs the queue.

Every queue event holds the queue's event lock through its COMMIT (so boards see
events in id order), and PostgreSQL flushes its write-ahead log before it lets a lock
go: the flush is paid one call at a time, not shared by a group commit. Eight
connections commit a one-row insert as fast as they can, with and without that lock,
with ``synchronous_commit`` on (as the central runs) and off (to price the flush).

Printed: transactions/s for each, and the flush's share of a locked transaction as
milliseconds — multiply by twenty for what twenty windows pressing at once wait for it.

    python -m benchmarks.bench_commit_flush [transactions per connection] [--connections 8]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from benchmarks.central_process import drop_db, make_db
from counter.central.postgres_engine import QUEUE_EVENT_LOCK


def rate(url: str, connections: int, each: int, *, synchronous: bool, locked: bool) -> float:
    """Transactions per second, all connections together."""
    lock = f"SELECT pg_advisory_xact_lock({QUEUE_EVENT_LOCK}); " if locked else ""
    ready = threading.Barrier(connections + 1)

    def commit_many() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"SET synchronous_commit = {'on' if synchronous else 'off'}")
            ready.wait()
            for _ in range(each):
                conn.execute(f"BEGIN; {lock}INSERT INTO flush_probe VALUES (1); COMMIT")

    workers = [threading.Thread(target=commit_many) for _ in range(connections)]
    for worker in workers:
        worker.start()
    ready.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return connections * each / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("each", nargs="?", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    url, name = make_db("postgres", Path(tempfile.gettempdir()))
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE flush_probe (x int)")
        rates = {}
        for synchronous in (True, False):
            for locked in (True, False):
                rates[synchronous, locked] = tps = rate(
                    url, args.connections, args.each, synchronous=synchronous, locked=locked
                )
                print(
                    f"{args.connections} connections, synchronous_commit"
                    f" {'on' if synchronous else 'off'}, {'under' if locked else 'without'}"
                    f" the queue's event lock: {tps:,.0f} transactions/s"
                )
        flush_ms = (1 / rates[True, True] - 1 / rates[False, True]) * 1000
        print(f"commit flush paid one call at a time under the lock: {flush_ms:.3f} ms")
        print(f"  twenty windows pressing at once wait for it: {flush_ms * 20:.1f} ms")
    finally:
        drop_db(name)


if __name__ == "__main__":
    main()
