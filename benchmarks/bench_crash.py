"""Kill a working counter (SIGKILL) at random points, many times; count the kills survived.

Each round starts ``benchmarks.crash_child`` on the same store, waits a random 0.05–0.6 s
while it takes cases, queues and prints documents and pushes to a fake central, then
kills it with SIGKILL and checks: the store opens, ``PRAGMA integrity_check`` is ok,
every case has its events and materials (no half cases), every case and print job the
child reported committed is there, and every outbox op it reported is still in the
outbox or was received by the central.

    python -m benchmarks.bench_crash [kills]
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from counter.model.clock import HALL_TZ
from counter.services.bootstrap import prepare_store
from counter.store.db import DB_FILE, open_store


@dataclass
class CrashResult:
    kills: int = 0
    survived: int = 0
    cases: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)


def seeded_store(folder: Path) -> Path:
    path = folder / DB_FILE
    db = open_store(path)
    prepare_store(db, datetime(2026, 11, 27, 9, tzinfo=HALL_TZ))
    db.close()
    return path


def _read(process: subprocess.Popen[str], result: CrashResult, ready: threading.Event) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        word, _, value = line.strip().partition(" ")
        if word == "ready":
            ready.set()
        elif word == "case":
            result.cases.add(value)
        elif word == "job":
            result.jobs.add(value)
        elif word == "seq":
            result.last_seq = max(result.last_seq, int(value))


def check(store: Path, central: Path, result: CrashResult) -> list[str]:
    problems = []
    db = open_store(store)
    try:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check failed")
        half = db.execute(
            "SELECT id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e"
            " WHERE e.case_id = c.id) OR (c.parent_id IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM case_materials m WHERE m.case_id = c.id))"
        ).fetchall()
        if half:
            problems.append(f"half cases: {half[:3]}")
        cases = {r[0] for r in db.execute("SELECT id FROM cases")}
        if result.cases - cases:
            problems.append(f"lost cases: {sorted(result.cases - cases)[:3]}")
        jobs = {r[0] for r in db.execute("SELECT id FROM print_jobs")}
        if result.jobs - jobs:
            problems.append(f"lost print jobs: {sorted(result.jobs - jobs)[:3]}")
        local = {r[0] for r in db.execute("SELECT seq FROM outbox")}
        received = {int(s) for s in central.read_text().split()} if central.exists() else set()
        lost = set(range(1, result.last_seq + 1)) - local - received
        if lost:
            problems.append(f"lost outbox ops: {sorted(lost)[:5]}")
    finally:
        db.close()
    return problems


def crash_loop(kills: int, folder: Path, seed: int = 0) -> CrashResult:
    rng = random.Random(seed)
    store, central = seeded_store(folder), folder / "central.txt"
    result = CrashResult()
    for round_no in range(kills):
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.crash_child", str(store), str(central),
             str(seed * 100_000 + round_no)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        ready = threading.Event()
        reader = threading.Thread(target=_read, args=(process, result, ready), daemon=True)
        reader.start()
        ready.wait(60)
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        reader.join(10)
        result.kills += 1
        problems = check(store, central, result)
        result.survived += not problems
        result.problems += [f"kill {round_no + 1}: {p}" for p in problems]
    return result


def main() -> None:
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    folder = Path(tempfile.mkdtemp(prefix="counter-crash-"))
    start = time.perf_counter()
    try:
        result = crash_loop(kills, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    took = time.perf_counter() - start
    print(f"crash loop: {result.kills} SIGKILLs, survived: {result.survived}")
    print(f"crash loop: cases committed before kills: {len(result.cases)}")
    print(f"crash loop: print jobs committed before kills: {len(result.jobs)}")
    print(f"crash loop: outbox ops written: {result.last_seq}")
    print(f"crash loop: invariant violations: {len(result.problems)} ({took:.0f} s)")
    for problem in result.problems[:20]:
        print("  ", problem)


if __name__ == "__main__":
    main()
