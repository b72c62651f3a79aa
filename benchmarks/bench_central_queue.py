"""The hall's queue on the central: 20 windows calling next at once.

A real ``counter-central serve`` process on PostgreSQL (or SQLite) over loopback; the
kiosk issues the tickets through :class:`CentralQueue`, then 20 window processes, each
with its own counter store, call next and finish until nobody waits. Printed: issue
latency, call-next latency median and p99 as a window sees it (HTTP round trip
included), throughput, and how many tickets were served twice, counted both from what
the windows got and from the central's own event log.

    python -m benchmarks.bench_central_queue [tickets] [--windows 20] [--engine postgres]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from counter.central.cli import open_engine
from counter.model.clock import HALL_TZ, to_ms
from counter.model.errors import NotFoundError
from counter.model.staff import Role, Staff
from counter.services.bootstrap import prepare_store
from counter.services.central_queue import CentralQueue
from counter.services.session import Session
from counter.store import queue_store
from counter.store.db import open_store
from counter.sync.client import enrol
from counter.sync.transport import HttpTransport

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NOW = datetime.now(HALL_TZ).replace(hour=9, minute=0, second=0, microsecond=0)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_central(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "counter.central.cli", "serve", "--db", url, "--port", str(port),
         "--rate", "100000", "--pool", "24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(f"{base}/v1/health", timeout=0.5)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit("central did not start")


def window(path: str, base: str, token: str, number: str) -> tuple[list[str], list[float]]:
    db = open_store(path)
    queue = CentralQueue(db, HttpTransport(base, token, timeout=30.0))
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
    assert queue.online, "a window fell back to its offline queue"
    db.close()
    return served, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tickets", nargs="?", type=int, default=5000)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--engine", default="postgres", choices=["postgres", "sqlite"])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-central-queue-"))
    dbname = None
    if args.engine == "sqlite":
        url = f"sqlite:///{folder / 'central.db'}"
    else:
        dbname = f"counter_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{dbname}"
    engine = open_engine(url)
    process, base = start_central(url)
    try:
        kiosk_path = folder / "kiosk.db"
        db = open_store(kiosk_path)
        prepare_store(db, NOW)
        token = enrol(db, base, engine.create_enrol_code(to_ms(NOW)))
        windows = [str(w) for w in range(1, args.windows + 1)]
        hall = queue_store.category(db, "F")
        assert hall is not None
        with db.atomic():
            queue_store.save_category(db, replace(hall, windows=tuple(windows)), NOW)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        kiosk = CentralQueue(db, HttpTransport(base, token, timeout=30.0))
        issue: list[float] = []
        for i in range(args.tickets):
            start = time.perf_counter()
            kiosk.issue("F", NOW + timedelta(milliseconds=i),
                        priority_reason="老年人" * (i % 7 == 0))  # fmt: skip
            issue.append(time.perf_counter() - start)
        db.close()
        print(
            f"[{args.engine}] issue over HTTP: {args.tickets} tickets, median"
            f" {statistics.median(issue) * 1000:.2f} ms, p99 {p99(issue) * 1000:.2f} ms"
        )

        paths = []
        for w in windows:
            path = folder / f"window-{w}.db"
            shutil.copy(kiosk_path, path)
            paths.append(str(path))
        context = multiprocessing.get_context("spawn")
        start = time.perf_counter()
        with context.Pool(len(windows)) as pool:
            results = pool.starmap(
                window, [(p, base, token, w) for p, w in zip(paths, windows, strict=True)]
            )
        elapsed = time.perf_counter() - start
        got = Counter(t for ids, _ in results for t in ids)
        calls = [x for _, lat in results for x in lat]
        logged = Counter(
            r[0]
            for r in engine.query("SELECT ticket_id FROM queue_events WHERE kind = 'call_next'")
        )
        twice = sum(1 for n in got.values() if n > 1) + sum(1 for n in logged.values() if n > 1)
        print(
            f"[{args.engine}] call next, {len(windows)} windows at once: {len(calls)} calls,"
            f" median {statistics.median(calls) * 1000:.2f} ms, p99 {p99(calls) * 1000:.2f} ms,"
            f" {len(calls) / elapsed:.0f} calls+finishes/s; per window"
            f" {min(len(ids) for ids, _ in results)}–{max(len(ids) for ids, _ in results)}"
        )
        print(f"tickets served: {len(got)} of {args.tickets}; central log: {len(logged)} called")
        print(f"tickets served twice: {twice}")
        assert len(got) == args.tickets == len(logged) and twice == 0
    finally:
        process.terminate()
        process.wait()
        engine.close()
        if dbname:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
