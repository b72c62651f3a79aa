"""The soak: 5 counters × 20 ops/s against a real central on PostgreSQL, with faults.

Five ``benchmarks.soak_counter`` processes edit the shared holiday table (each edit a
row, its outbox op and an audit entry) and sync every second; 5 % of the answers are
dropped after the central committed (and each counter's first), and the central
process is killed (SIGKILL) and restarted ``--restarts`` times, spread over the run by
how many edits the counters have made. One counter's clock runs ten minutes slow, and
another's an hour fast until half way, when it is put right. The run is counted, not
timed: each counter makes its share of edits however long that takes, so a slow machine
gives a longer run, never one with fewer faults. At the end every counter drains and
pulls, and the sync invariants are checked:

- no counter has a pending or refused op;
- the central holds each device's ops 1..N exactly once (no gap, no duplicate);
- every counter's rows equal the central's current rows (converged; two supervisors'
  edits of one day merge, or the one not kept is on the 同步冲突 list);
- every counter's pull cursor reached the end of the change log;
- every device's audit chain verifies at the central.

Memory: RSS of each counter process and of the central, early and at the end.

    python -m benchmarks.bench_soak [--minutes 10] [--db postgres|sqlite] [--restarts 5]
                                    [--keep]

The run's folder (``counter-soak-*`` under the temp folder) is removed at the end, however
the run ends, unless ``--keep``; counter processes still running are stopped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from benchmarks.central_process import drop_db, free_port, make_db
from benchmarks.soak_counter import SOAK_PASSWORD
from counter.central.audit import verify_devices
from counter.central.serving import open_engine
from counter.model.clock import HALL_TZ, to_ms
from counter.model.staff_key import derive_key
from counter.store import outbox
from counter.store.db import open_store
from counter.sync.client import SyncClient, enrol
from counter.sync.transport import HttpTransport

ROOT = Path(__file__).resolve().parent.parent


def clock() -> datetime:
    return datetime.now(HALL_TZ)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Central:
    """``counter-central serve`` as a process that can be killed and started again."""

    def __init__(self, url: str, port: int) -> None:
        self.url, self.port, self.process = url, port, None
        self.base = f"http://127.0.0.1:{port}"
        self.rss: list[tuple[float, float]] = []  # (early, late) per incarnation

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "counter.central.cli", "serve", "--db", self.url,
             "--port", str(self.port), "--rate", "1000", "--insecure-http"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )  # fmt: skip
        for _ in range(600):
            if self.process.poll() is not None:
                break
            try:
                httpx.get(f"{self.base}/v1/health", timeout=0.5)
                self.rss.append((rss_mb(self.process.pid), 0.0))
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()  # one that never answered is not left running
        raise SystemExit("central did not start")

    def sample(self) -> None:
        if self.process is not None and self.rss:
            self.rss[-1] = (self.rss[-1][0], rss_mb(self.process.pid))

    def kill(self) -> None:
        if self.process is not None:
            if self.rss:
                self.sample()
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


@dataclass
class Totals:
    ops: int = 0
    steps: int = 0
    offline_steps: int = 0
    dropped: int = 0
    restarts: int = 0
    #: Concurrent edits of one day: merged beside each other, or listed as conflicts.
    merged: int = 0
    conflicts: int = 0
    violations: list[str] = field(default_factory=list)
    app_rss: list[tuple[float, float]] = field(default_factory=list)
    central_rss: list[tuple[float, float]] = field(default_factory=list)


def check(engine: object, central: Central, stores: list[Path]) -> list[str]:
    problems: list[str] = []
    last_cursor = int(engine.scalar("SELECT coalesce(max(cursor), 0) FROM changes"))  # type: ignore[attr-defined]
    central_rows = {
        row_id: json.loads(payload)
        for row_id, kind, payload in engine.query(  # type: ignore[attr-defined]
            "SELECT row_id, kind, payload FROM rows WHERE table_name = 'holidays'"
        )
        if kind != "delete"
    }
    central_view = {k: (v.get("kind"), v.get("name")) for k, v in central_rows.items()}
    for path in stores:
        db = open_store(path)
        try:
            device = outbox.device_id(db)
            if outbox.pending_count(db) or outbox.refused(db):
                problems.append(f"{path.name}: ops left in the outbox")
            last_seq = int(db.execute("SELECT next_seq FROM device").fetchone()[0]) - 1
            seqs = [int(s) for (s,) in engine.query(  # type: ignore[attr-defined]
                "SELECT seq FROM ops WHERE device_id = ? ORDER BY seq", [device])]  # fmt: skip
            if seqs != list(range(1, last_seq + 1)):
                problems.append(f"{path.name}: central has {len(seqs)} ops of {last_seq}")
            local = {
                d: (k, n)
                for d, k, n in db.execute(
                    "SELECT day, kind, name FROM holidays WHERE day LIKE '2031-%'"
                ).fetchall()
            }
            if local != central_view:
                days = sorted({d for d, _ in set(local.items()) ^ set(central_view.items())})
                shown = ", ".join(
                    f"{d} here {local.get(d)} central {central_view.get(d)}" for d in days[:3]
                )
                problems.append(f"{path.name}: {len(days)} rows differ from the central: {shown}")
            cursor = int(db.execute("SELECT cursor FROM sync_state").fetchone()[0])
            if cursor != last_cursor:
                problems.append(f"{path.name}: cursor {cursor} of {last_cursor}")
        finally:
            db.close()
    for report in verify_devices(engine):  # type: ignore[arg-type]
        if not report.ok:
            problems.append(report.describe())
    return problems


#: The PC clocks of the first counters (the rest keep true time).
SKEWS = ("slow", "fast")


def written(stores: list[Path]) -> int:
    """Ops the counters have made so far (each edit is two: the day and its audit entry)."""
    made = 0
    for path in stores:
        db = open_store(path)
        try:
            made += int(db.execute("SELECT max(next_seq, coalesce((SELECT max(seq) FROM"
                                   " outbox), 0) + 1) - 1 FROM device").fetchone()[0])  # fmt: skip
        finally:
            db.close()
    return made


def stop_workers(workers: list[subprocess.Popen[str]]) -> None:
    """Counter processes still running (the run failed half way) are ended: left alone
    they would go on writing into a folder about to be removed, against a dead central."""
    for w in workers:
        if w.poll() is None:
            w.terminate()
    for w in workers:
        try:
            w.wait(10)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()
        if w.stdout is not None:
            w.stdout.close()


def soak(minutes: float, kind: str, counters: int = 5, rate: float = 20.0,
         drop: float = 0.05, restarts: int = 5, *, keep: bool = False) -> Totals:  # fmt: skip
    """The run, in a folder of its own under the temp folder, removed afterwards however
    the run ends (a failed check, a central that would not start, Ctrl+C): soak runs
    left ``/tmp/counter-soak-*`` behind, a store and a central each. ``keep`` keeps it,
    to look into a failure."""
    seconds = minutes * 60
    edits = max(1, int(seconds * rate))  # per counter
    # Restart when the counters have made 1/(n+1), 2/(n+1), … of their ops.
    marks = [2 * edits * counters * (k + 1) // (restarts + 1) for k in range(restarts)]
    folder = Path(tempfile.mkdtemp(prefix="counter-soak-"))
    workers: list[subprocess.Popen[str]] = []
    pg_name: str | None = None
    central: Central | None = None
    try:
        url, pg_name = make_db(kind, folder)
        central = Central(url, free_port())
        return _soak(folder, url, central, workers, seconds, edits, marks, counters, rate, drop,
                     restarts)  # fmt: skip
    finally:
        stop_workers(workers)
        if central is not None:
            central.kill()
        drop_db(pg_name)
        if keep:
            print(f"soak: the run's folder is kept: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _soak(folder: Path, url: str, central: Central, workers: list[subprocess.Popen[str]],
          seconds: float, edits: int, marks: list[int], counters: int, rate: float,
          drop: float, restarts: int) -> Totals:  # fmt: skip
    totals = Totals()
    engine = open_engine(url)
    for n in range(1, counters + 1):  # the supervisor each counter process signs in as
        key = derive_key(f"soak-{n}", SOAK_PASSWORD).public
        row = {"id": f"soak-{n}", "login": f"soak{n}", "name": "值班长", "role": "supervisor",
               "active": 1, "sign_key": key}  # fmt: skip
        engine.publish("staff", row["id"], row, to_ms(clock()))
    central.start()
    stores = []
    for n in range(counters):
        path = folder / f"counter{n}.db"
        db = open_store(path)
        outbox.ensure_device(db, clock())
        token = enrol(db, central.base, engine.create_enrol_code(to_ms(clock())))
        db.close()
        stores.append(path)
        skew = SKEWS[n] if n < len(SKEWS) else ""
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "benchmarks.soak_counter", str(path), central.base,
             token, str(edits), str(rate), str(drop), str(n + 1), skew],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        ))  # fmt: skip
    start = time.monotonic()
    early: dict[int, float] = {}
    late: dict[int, float] = {}
    while any(w.poll() is None for w in workers):
        time.sleep(0.5)
        elapsed = time.monotonic() - start
        for n, w in enumerate(workers):
            if w.poll() is None:
                value = rss_mb(w.pid)
                if elapsed >= min(30.0, seconds / 4) and n not in early:
                    early[n] = value
                late[n] = value or late.get(n, 0.0)
        central.sample()
        if totals.restarts < restarts and written(stores) >= marks[totals.restarts]:
            central.kill()
            time.sleep(0.5)
            central.start()
            totals.restarts += 1
    while totals.restarts < restarts:  # the counters outran the marks: restart anyway
        central.kill()
        central.start()
        totals.restarts += 1
    for w in workers:
        out, _ = w.communicate()
        if w.returncode != 0 or not out.strip():
            totals.violations.append(f"counter process exited {w.returncode}")
            continue
        result = json.loads(out.strip().splitlines()[-1])
        totals.ops += result["ops"]
        totals.steps += result["steps"]
        totals.offline_steps += result["offline"]
        totals.dropped += result["dropped"]
    totals.app_rss = [(early.get(n, 0.0), late.get(n, 0.0)) for n in range(counters)]
    for _ in range(2):  # drain every counter, then let each pull the others' last ops
        for path in stores:
            db = open_store(path)
            token = db.execute("SELECT device_token FROM sync_state").fetchone()[0]
            client = SyncClient(db, HttpTransport(central.base, token), clock=clock)
            client.step()
            db.close()
    central.sample()
    totals.violations += check(engine, central, stores)
    totals.conflicts = int(engine.scalar(
        "SELECT count(*) FROM rows WHERE table_name = 'sync_conflicts'"))  # fmt: skip
    rewritten = int(engine.scalar(
        "SELECT count(*) FROM changes WHERE table_name = 'holidays' AND hlc LIKE ?",
        ["%/central"]))  # fmt: skip
    totals.merged = rewritten - totals.conflicts
    engine.close()
    central.kill()
    totals.central_rss = central.rss
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_soak")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--counters", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20.0, help="ops/s per counter")
    parser.add_argument("--drop", type=float, default=0.05, help="share of answers dropped")
    parser.add_argument("--restarts", type=int, default=5, help="central SIGKILLs")
    parser.add_argument(
        "--keep", action="store_true", help="keep the run's folder (stores, central) afterwards"
    )
    args = parser.parse_args()
    began = time.perf_counter()
    t = soak(args.minutes, args.db, args.counters, args.rate, args.drop, args.restarts,
             keep=args.keep)  # fmt: skip
    took = time.perf_counter() - began
    faults = t.restarts + t.dropped
    print(f"soak ({args.db}, {args.counters} counters × {args.rate:g} ops/s, "
          f"{args.minutes:g} min, {took:.0f} s wall)")  # fmt: skip
    print(f"soak: ops written: {t.ops}")
    print(f"soak: ops/s achieved: {t.ops / (args.minutes * 60):.1f}")
    print(f"soak: sync steps: {t.steps} ({t.offline_steps} offline)")
    print(f"soak: faults injected: {faults} ({t.restarts} central restarts, "
          f"{t.dropped} responses dropped)")  # fmt: skip
    print("soak: clocks: counter 1 ten minutes slow, counter 2 an hour fast then put right")
    print(f"soak: concurrent edits merged: {t.merged}, listed as conflicts: {t.conflicts}")
    lost = sum("ops of" in v or "outbox" in v for v in t.violations)
    diverged = sum("differ" in v or "cursor" in v for v in t.violations)
    print(f"soak: lost or duplicated ops: {lost}, counters diverged: {diverged}")
    print(f"soak: invariant violations: {len(t.violations)}")
    for problem in t.violations[:20]:
        print("   ", problem)
    for n, (early, late) in enumerate(t.app_rss):
        print(f"soak: counter {n + 1} RSS start/end MB: {early:.0f} / {late:.0f}")
    for n, (early, late) in enumerate(t.central_rss):
        print(f"soak: central run {n + 1} RSS start/end MB: {early:.0f} / {late:.0f}")


if __name__ == "__main__":
    main()
