"""办件进度查询 under load (issue 31): the public page at a steady rate, beside a baseline.

A real ``counter-central serve`` process over loopback, on SQLite or PostgreSQL, holding
``--cases`` synced cases (each with its events and materials, written as a counter's
push leaves them). Queries arrive at ``--rate`` a second for ``--seconds`` from a pool of
clients, each a real form post (token and cookie from the form, a number and four
digits), nine in ten for a case that exists with the right digits, one in ten wrong.
The same run first sends ``/v1/health`` at the same rate: the baseline the ratio is to.

Meanwhile one window, enrolled and calling through the queue API as a window PC does
(benchmarks.wire_windows), calls next and finishes every ``--call-every`` seconds (a
busy hall's pace for one window is a call a minute; every half second is a whole hall's
windows together): its call-next times under the baseline and under the query load are
printed side by side, so the public page is seen not to slow the hall's queue.

The per-address budget of the public forms is raised for the run (``--web-rate``):
every query here comes from 127.0.0.1, where a hall's phones come from many addresses.

Printed: queries sent and answered, errors (anything but 200 for a right pair and 404
for a wrong one), the answer time's median and p99, and the ratio of each to the
baseline's. Times are measured, never asserted.

    python -m benchmarks.bench_progress [--engine sqlite] [--cases 20000] [--rate 200]
        [--seconds 60] [--call-every 0.5] [--central-workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg

from benchmarks.bench_central_queue import NOW, _timed_issues, enrol_windows
from benchmarks.central_process import drop_db, make_db, start_central
from benchmarks.wire_windows import WireWindow
from counter.central.hall_queue import HallQueue
from counter.central.serving import open_engine

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def seed(url: str, cases: int) -> None:
    """Cases as the counters' pushes leave them in ``rows``, written in bulk."""
    engine = open_engine(url)
    rows: list[tuple[str, str, str]] = []
    for n in range(cases):
        case_id = f"case-{n}"
        case = {
            "id": case_id, "number": f"SQ20261201-{n:06d}", "title": "食品经营许可（新办）",
            "state": "已受理", "applicant_name": "王小明",
            "applicant_id_number": f"11010119900307{n % 10_000:04d}",
            "applicant_phone": "", "window": str(n % 10 + 1),
            "promised_due": "2026-12-31T17:30:00+08:00",
        }  # fmt: skip
        rows.append(("cases", case_id, json.dumps(case, ensure_ascii=False)))
        for k, action in enumerate(("登记预审", "受理")):
            event = {"id": f"{case_id}-e{k}", "case_id": case_id, "action": action,
                     "at": f"2026-12-01T09:{k:02d}:00+08:00"}  # fmt: skip
            rows.append(("case_events", event["id"], json.dumps(event, ensure_ascii=False)))
        for k in range(5):
            material = {"case_id": case_id, "material_id": f"m{k}", "position": k,
                        "name": f"材料{k}", "status": "原件已收", "required": 1}  # fmt: skip
            rows.append(("case_materials", f"{case_id}|m{k}", json.dumps(material)))
    engine.close()  # made the schema; the rows go in with one bulk statement
    insert = (
        "INSERT INTO rows (table_name, row_id, kind, payload, hlc) VALUES (?, ?, 'upsert', ?, '0')"
    )
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executemany(insert, rows)
    else:
        with psycopg.connect(url) as conn, conn.cursor() as cur:
            cur.executemany(insert.replace("?", "%s"), rows)
            # What autovacuum does soon after a bulk load: the planner's statistics.
            cur.execute("ANALYZE rows")


def pace(
    base: str, rate: float, seconds: float, ask: Callable[[httpx.Client], int | None]
) -> tuple[list[float], int, int]:
    """Start ``ask`` ``rate`` times a second for ``seconds`` across worker threads;
    returns each answer's time (s), the errors and the requests sent."""
    times: list[float] = []
    errors = 0
    sent = 0
    lock = threading.Lock()
    total = int(rate * seconds)
    start = time.perf_counter()
    next_index = iter(range(total))

    def worker() -> None:
        nonlocal errors, sent
        with httpx.Client(base_url=base, timeout=10.0) as client:
            for i in next_index:
                due = start + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                began = time.perf_counter()
                try:
                    bad = ask(client)
                except httpx.HTTPError:
                    bad = 1
                took = time.perf_counter() - began
                with lock:
                    sent += 1
                    times.append(took)
                    errors += bool(bad)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors, sent


class CallingWindow:
    """Window 1 calling next and finishing every ``every`` seconds, on a thread of its
    own, until stopped; the call-next times of the current phase."""

    def __init__(self, base: str, token: str, every: float) -> None:
        self.window = WireWindow(base, token, "1", ["G"], 0, NOW + timedelta(hours=1))
        self.every = every
        self.loop = asyncio.new_event_loop()
        self.times: list[float] = []
        self._served: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.failed: BaseException | None = None

    def _run(self) -> None:
        async def play() -> None:
            await self.window.open()
            while not self._stop.is_set():
                began = time.perf_counter()
                await self.window.serve_one(self.times, self._served)
                await asyncio.sleep(max(0.0, self.every - (time.perf_counter() - began)))
            await self.window.close()

        try:
            self.loop.run_until_complete(play())
        except BaseException as exc:  # shown at the end, not lost in a thread
            self.failed = exc
            raise

    def start(self) -> None:
        self._thread.start()

    def phase(self) -> list[float]:
        """The times since the last phase began; the next phase starts empty."""
        if self.failed is not None:
            raise SystemExit(f"the calling window failed: {self.failed}")
        done, self.times = self.times, []
        return done

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_progress")
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--central-workers", type=int,
        help="the central's processes (serve --workers); default: this machine's cores on"
        " PostgreSQL, as a hall runs it, 1 on SQLite",
    )  # fmt: skip
    parser.add_argument("--call-every", type=float, default=0.5,
                        help="seconds between one window's calls during the load")  # fmt: skip
    args = parser.parse_args()
    cases = args.cases
    with tempfile.TemporaryDirectory(prefix="counter-progress-") as tmp:
        url, dropped = make_db(args.engine, Path(tmp))
        try:
            seed(url, cases)
            engine = open_engine(url)
            tokens = enrol_windows(engine, ["1"])
            calls = int(2 * args.seconds / args.call_every) + 50
            _timed_issues(HallQueue(engine), NOW - timedelta(hours=1), calls)  # the waiting
            engine.close()
            workers = args.central_workers or (
                len(os.sched_getaffinity(0)) if args.engine == "postgres" else 1
            )
            process, base = start_central(url, "--web-rate", "100000", "--workers", str(workers))
            window = CallingWindow(base, tokens["1"], args.call_every)
            try:
                window.start()

                def health(client: httpx.Client) -> int | None:
                    return client.get("/v1/health").status_code != 200

                def query(client: httpx.Client) -> int | None:
                    form = client.get("/progress")
                    token = TOKEN.search(form.text)
                    n = random.randrange(cases)
                    right = random.random() < 0.9
                    last4 = f"{n % 10_000:04d}" if right else "ZZZZ"
                    answer = client.post(
                        "/progress",
                        data={"csrf": token.group(1) if token else "",
                              "number": f"SQ20261201-{n:06d}", "last4": last4},
                    )  # fmt: skip
                    return answer.status_code != (200 if right else 404)

                window.phase()  # its first call opened the connection: not measured
                base_times, base_errors, base_sent = pace(base, args.rate, args.seconds, health)
                base_calls = window.phase()
                times, errors, sent = pace(base, args.rate, args.seconds, query)
                loaded_calls = window.phase()
            finally:
                window.stop()
                process.terminate()
                process.wait(timeout=30)
        finally:
            drop_db(dropped)
    print(f"engine {args.engine} ({workers} process{'es' if workers > 1 else ''}), {cases:,} cases,"
          f" {args.rate:.0f}/s for {args.seconds:.0f} s")  # fmt: skip
    for label, t, e, s in (("health (baseline)", base_times, base_errors, base_sent),
                           ("progress query (form + post)", times, errors, sent)):  # fmt: skip
        print(f"{label}: {s:,} sent, {e} errors, median {statistics.median(t) * 1000:.1f} ms,"
              f" p99 {p99(t) * 1000:.1f} ms")  # fmt: skip
    median_ratio = statistics.median(times) / statistics.median(base_times)
    print(f"ratio to baseline: median {median_ratio:.1f}×, p99 {p99(times) / p99(base_times):.1f}×")
    for label, t in (("beside health", base_calls), ("beside progress queries", loaded_calls)):
        median, worst = statistics.median(t) * 1000, p99(t) * 1000
        print(f"call next at window 1 every {args.call_every:g} s, {label}: {len(t)} calls,"
              f" median {median:.1f} ms, p99 {worst:.1f} ms")  # fmt: skip
    print(f"call next under the query load, ratio to beside health: median "
          f"{statistics.median(loaded_calls) / statistics.median(base_calls):.1f}×, p99 "
          f"{p99(loaded_calls) / p99(base_calls):.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
