"""The hall's queue on the central: 20 windows calling next at once.

A real ``counter-central serve`` process on PostgreSQL (or SQLite) over loopback; the
kiosk issues the tickets through :class:`CentralQueue`, then 20 windows call next and
finish in three phases:

First every window calls and finishes one ticket together, unmeasured: the central's
database threads and connections, and their prepared statements, are made at the first
calls after it starts, once a day in a hall, and twenty of them at once cost the first
round of a run tens of milliseconds, as much as the rest of a phase's p99 is made of.

1. together: every window presses 叫号 at the same moment, serves, and waits for the
   others before the next round (``--rounds``) — the hall's worst moment, the latency a
   clerk sees when all twenty call at once;
2. busy hall: the same number of calls per window, each after a random pause (mean
   ``--pause`` seconds, default 1: twenty calls a second across the hall, a hundred times
   a real hall's pace, yet not in step);
3. flat out: each window calls and finishes with no pause until nobody waits — not a
   hall's load (a clerk calls every few minutes) but its throughput, with the latency
   that queueing behind it costs.

``--real`` of the windows (default 2) are real: each its own process with its own
counter store, calling through :class:`CentralQueue` as the window panel does, so their
latency is what a clerk sees. The others are played on the wire by one process of
light clients (wire_windows.py): in a hall each window is its own PC, and twenty window
processes on this machine's two cores would measure mostly the windows waiting for each
other's CPU. ``--real 20`` measures that too: everything on one machine.

The central runs as a hall would run it on this machine: on PostgreSQL one process per
core (``serve --workers``; ``--central-workers 1`` measures a single process), on
SQLite one process.

Printed: issue latency, call-next latency median and p99 (all windows, then the real
ones alone), throughput, and how many tickets were served twice, counted both from what
the windows got and from the central's own event log.

First of all, on a database of its own and without HTTP: the central's issue as the
queue grows (issue 32): the time of an issue with 100 tickets waiting and with
``--waiting`` (40,000) waiting, and their ratio; flat is the aim. The waiting tickets
are written straight into the queue's table (its trigger counts them as an issue's
would); the issues measured go through :class:`HallQueue`. ``--quick``: 4,000 waiting,
fewer issues measured; ``--growth-only`` stops after it.

    python -m benchmarks.bench_central_queue [tickets] [--windows 20] [--real 2]
        [--rounds 50] [--engine postgres] [--central-workers N] [--waiting 40000]
        [--quick] [--growth-only]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.central_process import drop_db, make_db, start_central
from benchmarks.wire_windows import wire_windows
from counter.central.engine import Engine
from counter.central.hall_queue import HallQueue
from counter.central.serving import open_engine
from counter.model.clock import HALL_TZ, to_ms
from counter.model.devices import DeviceKind
from counter.model.errors import NotFoundError
from counter.model.queue import Category, Lane, Ticket
from counter.model.staff import Role, Staff
from counter.services.bootstrap import prepare_store
from counter.services.central_queue import CentralQueue
from counter.services.session import Session
from counter.store import queue_store
from counter.store.db import open_store
from counter.sync.client import enrol
from counter.sync.transport import HttpTransport

NOW = datetime.now(HALL_TZ).replace(hour=9, minute=0, second=0, microsecond=0)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def enrol_windows(engine: Engine, windows: list[str]) -> dict[str, str]:
    """Each window a PC enrolled at its number, and its clerk on the central: the central
    takes the window from the device and the clerk from its own staff records."""
    tokens = {}
    for w in windows:
        row = {"id": f"s{w}", "login": f"w{w}", "name": f"窗口{w}", "role": "clerk",
               "active": 1, "password_hash": ""}  # fmt: skip
        engine.publish("staff", row["id"], row, to_ms(NOW))
        code = engine.create_enrol_code(to_ms(NOW), DeviceKind.WINDOW, w)
        tokens[w] = engine.enrol(code, f"bench-window-{w}", f"{w} 号窗口", to_ms(NOW)).token
    return tokens


def window(
    path: str,
    base: str,
    token: str,
    number: str,
    rounds: int,
    pause: float,
    together: Any,
    results: Any,
) -> None:
    """One window's process: ``rounds`` calls in step with the others, ``rounds`` calls
    at a busy hall's pace, then flat out."""
    db = open_store(path)
    queue = CentralQueue(db, HttpTransport(base, token, timeout=30.0))
    staff = Staff(id=f"s{number}", login=f"w{number}", name=f"窗口{number}", role=Role.CLERK,
                  password_hash="")  # fmt: skip
    session = Session(staff=staff, window=number, signed_in_at=NOW)
    now = NOW + timedelta(hours=1)
    queue.at_window(number, now)  # the first request opens the connection, as at sign-in

    def serve_one(latencies: list[float], served: list[str]) -> bool:
        start = time.perf_counter()
        try:
            ticket = queue.call_next(session, now)
        except NotFoundError:
            return False
        latencies.append(time.perf_counter() - start)
        queue.finish(session, ticket.id, ["咨询"], now)
        served.append(ticket.id)
        return True

    phases: dict[str, tuple[list[float], list[str]]] = {
        "warm-up": ([], []),
        "together": ([], []),
        "busy": ([], []),
        "flat": ([], []),
    }
    together.wait()
    serve_one(*phases["warm-up"])
    for _ in range(rounds):
        together.wait()
        serve_one(*phases["together"])
        together.wait()
    rng = random.Random(number)
    for _ in range(rounds):
        time.sleep(rng.expovariate(1 / pause))
        serve_one(*phases["busy"])
    together.wait()
    started = time.perf_counter()
    while serve_one(*phases["flat"]):
        pass
    assert queue.online, "a window fell back to its offline queue"
    db.close()
    results.put((number, phases, started, time.perf_counter()))


def _prefill(engine: Engine, url: str, day: datetime, first: int, count: int) -> None:
    """``count`` waiting tickets of category G, numbers from ``first``, in one
    transaction of plain inserts (40,000 issues one by one would take minutes)."""
    rows = []
    for seq in range(first, first + count):
        ticket = Ticket.issued("G", seq, Lane.NORMAL, day - timedelta(hours=1))
        rows.append((ticket.id, ticket.day.isoformat(), "G", ticket.number, seq, "waiting",
                     int(Lane.NORMAL), ticket.queue_key, "{}", "bench"))  # fmt: skip
    sql = (
        "INSERT INTO queue_tickets (id, day, category, number, seq, state, lane, queue_key,"
        " body, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        with conn:
            conn.executemany(sql, rows)
        conn.close()
        return
    with psycopg.connect(url) as pg, pg.cursor() as cur:
        cur.executemany(sql.replace("?", "%s"), rows)


def _timed_issues(hall: HallQueue, day: datetime, count: int) -> tuple[list[float], int]:
    category = Category(code="G", name="增长", windows=("1",))
    took, ahead = [], 0
    for n in range(count):
        start = time.perf_counter()
        _, ahead = hall.issue(category, "growth", day + timedelta(milliseconds=n),
                              lane=Lane.NORMAL)  # fmt: skip
        took.append(time.perf_counter() - start)
    return took, ahead


def issue_growth(kind: str, folder: Path, waiting: int, samples: int) -> None:
    """The central's issue with 100 waiting, then with ``waiting`` waiting."""
    url, dbname = make_db(kind, folder / "growth")
    (folder / "growth").mkdir(exist_ok=True)
    engine = open_engine(url)
    try:
        hall = HallQueue(engine)
        day = NOW + timedelta(days=1)
        _prefill(engine, url, day, 1_000_000, 100)
        small, ahead_small = _timed_issues(hall, day, samples)
        _prefill(engine, url, day, 2_000_000, waiting - 100 - samples)
        large, ahead_large = _timed_issues(hall, day + timedelta(seconds=10), samples)
        assert ahead_large >= waiting, (ahead_large, waiting)
        small_ms = statistics.median(small) * 1000
        large_ms = statistics.median(large) * 1000
        print(f"[{kind}] central issue with 100 waiting ({ahead_small} ahead of the last):"
              f" median {small_ms:.2f} ms, p99 {p99(small) * 1000:.2f} ms")  # fmt: skip
        print(f"[{kind}] central issue with {waiting} waiting ({ahead_large} ahead of the last):"
              f" median {large_ms:.2f} ms, p99 {p99(large) * 1000:.2f} ms")  # fmt: skip
        print(f"[{kind}] central issue, {waiting} waiting over 100 waiting:"
              f" {large_ms / small_ms:.2f}x")  # fmt: skip
    finally:
        engine.close()
        drop_db(dbname)


def report(label: str, calls: list[float], extra: str = "") -> None:
    print(
        f"call next, {label}: {len(calls)} calls, median {statistics.median(calls) * 1000:.2f}"
        f" ms, p99 {p99(calls) * 1000:.2f} ms, max {max(calls) * 1000:.2f} ms{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tickets", nargs="?", type=int, default=5000)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--real", type=int, default=2, help="windows as real processes")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--engine", default="postgres", choices=["postgres", "sqlite"])
    parser.add_argument(
        "--central-workers",
        type=int,
        help="the central's processes (serve --workers); default: this machine's cores on"
        " PostgreSQL, 1 on SQLite",
    )
    parser.add_argument("--waiting", type=int, help="the growth phase's large queue")
    parser.add_argument("--quick", action="store_true", help="a small growth phase")
    parser.add_argument("--growth-only", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-central-queue-"))
    waiting = args.waiting or (4_000 if args.quick else 40_000)
    issue_growth(args.engine, folder, waiting, 50 if args.quick else 200)
    if args.growth_only:
        return
    processes = args.central_workers or (
        len(os.sched_getaffinity(0)) if args.engine == "postgres" else 1
    )
    url, dbname = make_db(args.engine, folder)
    engine = open_engine(url)
    process, base = start_central(
        url, "--rate", "100000", "--pool", "24", "--workers", str(processes)
    )
    try:
        kiosk_path = folder / "kiosk.db"
        db = open_store(kiosk_path)
        prepare_store(db, NOW)
        token = enrol(db, base, engine.create_enrol_code(to_ms(NOW), DeviceKind.KIOSK))
        windows = [str(w) for w in range(1, args.windows + 1)]
        tokens = enrol_windows(engine, windows)
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
            f"[{args.engine}, {processes} central process{'es' * (processes > 1)}] issue over"
            f" HTTP: {args.tickets} tickets, median"
            f" {statistics.median(issue) * 1000:.2f} ms, p99 {p99(issue) * 1000:.2f} ms"
        )

        real = windows[: max(1, min(args.real, len(windows)))]
        wire = windows[len(real) :]
        paths = []
        for w in real:
            path = folder / f"window-{w}.db"
            shutil.copy(kiosk_path, path)
            paths.append(str(path))
            copy = open_store(path)  # a PC of its own, enrolled at its window
            with copy.atomic():
                copy.execute("UPDATE device SET device_id = ? WHERE id = 1", [f"bench-window-{w}"])
            copy.close()
        # A third of the tickets at most go to each of the first two phases.
        rounds = max(1, min(args.rounds, (args.tickets - len(windows)) // (3 * len(windows))))
        context = multiprocessing.get_context("spawn")
        together = context.Barrier(len(real) + bool(wire))
        results = context.Queue()
        workers = [
            context.Process(
                target=window,
                args=(p, base, tokens[w], w, rounds, args.pause, together, results),
            )
            for p, w in zip(paths, real, strict=True)
        ]
        if wire:
            interleave = kiosk.rules.call_rule.interleave
            workers.append(context.Process(target=wire_windows, args=(
                base, tokens, wire, ["F"], interleave, NOW + timedelta(hours=1), rounds,
                args.pause, together, results)))  # fmt: skip
        for worker in workers:
            worker.start()
        finished = [results.get() for _ in windows]
        for worker in workers:
            worker.join()
        got = Counter(t for _, ph, _, _ in finished for part in ph.values() for t in part[1])
        logged = Counter(
            r[0]
            for r in engine.query("SELECT ticket_id FROM queue_events WHERE kind = 'call_next'")
        )
        twice = sum(1 for n in got.values() if n > 1) + sum(1 for n in logged.values() if n > 1)
        label = f"[{args.engine}, {processes}p] {len(windows)} windows ({len(real)} real)"
        by_real = [f for f in finished if f[0] in real]
        for phase, text in (
            ("together", f"pressing at the same moment, {rounds} rounds"),
            ("busy", f"at a busy hall's pace (mean pause {args.pause:g} s), {rounds} each"),
        ):
            report(f"{label} {text}", [x for _, ph, _, _ in finished for x in ph[phase][0]])
            if wire:
                report(f"  the {len(real)} real windows alone",
                       [x for _, ph, _, _ in by_real for x in ph[phase][0]])  # fmt: skip
        flat = [x for _, ph, _, _ in finished for x in ph["flat"][0]]
        elapsed = max(f[3] for f in finished) - min(f[2] for f in finished)
        per_window = [len(ph["flat"][1]) for _, ph, _, _ in finished]
        report(
            f"{label} flat out (no pause between applicants)",
            flat,
            f"; {len(flat) / elapsed:.0f} calls+finishes/s;"
            f" per window {min(per_window)}–{max(per_window)}",
        )
        if wire:
            report(f"  the {len(real)} real windows alone",
                   [x for _, ph, _, _ in by_real for x in ph["flat"][0]])  # fmt: skip
        print(f"tickets served: {len(got)} of {args.tickets}; central log: {len(logged)} called")
        print(f"tickets served twice: {twice}")
        assert len(got) == args.tickets == len(logged) and twice == 0
    finally:
        process.terminate()
        process.wait()
        engine.close()
        drop_db(dbname)


if __name__ == "__main__":
    main()
