"""Sync figures on both central engines, through a real ``counter-central`` process.

- push throughput: ops/s, 500-op batches, one counter;
- initial pull: a fresh counter pulling a change log of N rows (default 500,000);
- local write cost with and without the outbox (ratio): a bare one-row insert per
  transaction, the harshest case, and two of the counter's real writes (a queue ticket
  issued at the kiosk; an intake decision for one item: applicant, case, checklist,
  events) with ``outbox.record`` swapped for a no-op;
- catalog change latency: ``publish`` on the central until the new version is in a
  counter's store, the counter syncing on the agent's timer (``--interval``, default the
  ``sync_interval`` setting's 5 s), a few trials at random moments of the timer.

    python -m benchmarks.bench_sync [pull_rows] [--engines sqlite,postgres] [--interval 5]

PostgreSQL is expected at 127.0.0.1:5432 (user postgres); a throwaway database is
created and dropped.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from benchmarks.bench_intake import NOW, all_received, median_ms, services
from benchmarks.central_process import central
from counter.assets import demo_catalog_text
from counter.central.engine import Engine
from counter.model.catalog_file import parse_catalog
from counter.model.clock import HALL_TZ, Hlc, to_ms
from counter.model.intake import ApplicantForm, ApplicantKind, Decision
from counter.model.staff_key import derive_key
from counter.services.bootstrap import prepare_store
from counter.services.intake_service import IntakeRequest
from counter.services.queue_service import LocalQueue
from counter.store import catalog_store, outbox
from counter.store.db import immediate, open_store
from counter.sync.client import SyncClient, enrol
from counter.sync.tables import catalog_payload
from counter.sync.transport import HttpTransport

PUSH_OPS = 20_000


def clock() -> datetime:
    return datetime.now(HALL_TZ)


def new_counter(path: Path, engine: Engine, base: str) -> tuple[Database, SyncClient]:
    db = open_store(path)
    outbox.ensure_device(db, clock())
    token = enrol(db, base, engine.create_enrol_code(to_ms(clock())))
    client = SyncClient(db, HttpTransport(base, token), clock=clock, page_size=5000)
    return db, client


SUPERVISOR = "bench-supervisor"
PASSWORD = "bench-password"


def as_supervisor(engine: Engine, db: Database) -> None:
    """The holiday days pushed are a supervisor's, signed as her sign-in would sign
    them, so the push measured includes the central's check of each signature."""
    key = derive_key(SUPERVISOR, PASSWORD)
    row = {"id": SUPERVISOR, "login": "benchsup", "name": "张伟", "role": "supervisor",
           "active": 1, "password_hash": "", "sign_key": key.public}  # fmt: skip
    engine.publish("staff", SUPERVISOR, row, to_ms(clock()))
    outbox.act_as(db, outbox.Acting(SUPERVISOR, key))


def bench_push(db: Database, client: SyncClient) -> float:
    with immediate(db):
        for n in range(PUSH_OPS):
            outbox.record(
                db,
                table="holidays",
                row_id=f"p{n:07d}",
                kind="upsert",
                payload={"day": f"p{n:07d}", "kind": "holiday", "name": "推送基准"},
                now=clock(),
            )
    start = time.perf_counter()
    client.push()
    elapsed = time.perf_counter() - start
    assert outbox.pending_count(db) == 0
    assert not outbox.refused(db), outbox.refused(db)[0].refused_reason
    return PUSH_OPS / elapsed


def seed_change_log(engine: Engine, rows: int) -> None:
    hlc = Hlc(to_ms(clock())).encode()
    with engine._write() as cur:
        batch = [
            (
                "holidays",
                f"b{n:07d}",
                "upsert",
                f'{{"day":"b{n:07d}","kind":"holiday","name":"拉取基准"}}',
                hlc,
                "central",
            )
            for n in range(rows)
        ]
        sql = engine._sql(
            "INSERT INTO changes (table_name, row_id, kind, payload, hlc, origin)"
            " VALUES (?, ?, ?, ?, ?, ?)"
        )
        cur.executemany(sql, batch)


def bench_pull(engine: Engine, base: str, folder: Path, rows: int) -> float:
    seed_change_log(engine, rows)
    db, client = new_counter(folder / "puller.db", engine, base)
    start = time.perf_counter()
    client.pull()
    elapsed = time.perf_counter() - start
    got = db.execute("SELECT count(*) FROM holidays WHERE day LIKE 'b%'").fetchone()[0]
    assert got == rows, (got, rows)
    return elapsed


def bench_local_writes(folder: Path, writes: int = 3000) -> tuple[float, float]:
    db = open_store(folder / "local.db")
    outbox.ensure_device(db, clock())
    db.execute("CREATE TABLE bench (id TEXT PRIMARY KEY, name TEXT, at TEXT)")

    def run(with_outbox: bool, start_at: int, count: int) -> float:
        start = time.perf_counter()
        for n in range(start_at, start_at + count):
            row_id = f"{with_outbox}-{n}"
            with immediate(db):
                db.execute("INSERT INTO bench VALUES (?, ?, ?)", [row_id, "本地写入", "x"])
                if with_outbox:
                    outbox.record(
                        db,
                        table="bench",
                        row_id=row_id,
                        kind="insert",
                        payload={"id": row_id, "name": "本地写入"},
                        now=clock(),
                    )
        return time.perf_counter() - start

    # Alternate in blocks, so WAL checkpoints fall on both sides alike.
    plain = logged = 0.0
    for block in range(0, writes, 100):
        plain += run(False, block, 100)
        logged += run(True, block, 100)
    return plain / writes, logged / writes


@contextmanager
def outbox_off() -> Iterator[None]:
    """The same write without its ops: what the counter would cost with no sync at all."""
    real = outbox.record
    outbox.record = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        outbox.record = real  # type: ignore[assignment]


def bench_real_writes(folder: Path, blocks: int = 20) -> dict[str, tuple[float, float]]:
    """Median seconds per write without and with the outbox, blocks alternating."""
    db = open_store(folder / "real.db")
    prepare_store(db, NOW)
    queue = LocalQueue(db)
    intake, _, session = services(db)
    form = ApplicantForm(ApplicantKind.ENTERPRISE, "91350100M000100Y43", "示范科技有限公司",
                         "13812345678", legal_rep="张三")  # fmt: skip
    request = IntakeRequest("SCJG-0002", form, all_received(intake, "SCJG-0002"), Decision.ACCEPT)
    writes: dict[str, Callable[[], object]] = {
        "queue ticket issue": lambda: queue.issue("F", NOW),
        "intake decision, one item": lambda: intake.decide(session, request, NOW),
    }
    figures = {}
    for label, write in writes.items():
        plain: list[float] = []
        logged: list[float] = []
        for _ in range(blocks):
            with outbox_off():
                plain.append(median_ms(write, 20))
            logged.append(median_ms(write, 20))
        figures[label] = (statistics.median(plain), statistics.median(logged))
    db.close()
    return figures


def bench_catalog_latency(
    engine: Engine, base: str, folder: Path, interval: float, trials: int = 3
) -> list[float]:
    """Seconds from publish to the version being in the counter's store, per trial."""
    path = folder / "catalog-counter.db"
    first, setup = new_counter(path, engine, base)
    transport = setup.transport
    # A current counter: start from the end of the change log rather than pull it all.
    with immediate(first):
        first.execute(
            "UPDATE sync_state SET cursor = ? WHERE id = 1",
            [engine.scalar("SELECT coalesce(max(cursor), 0) FROM changes")],
        )
    first.close()
    ready = threading.Event()
    stop = threading.Event()

    def agent() -> None:
        db = open_store(path)
        client = SyncClient(db, transport, clock=clock, page_size=5000)
        client.pull()
        ready.set()
        while not stop.wait(interval):
            client.step()
        db.close()

    worker = threading.Thread(target=agent)
    worker.start()
    ready.wait()
    watcher = open_store(path)
    text = demo_catalog_text()
    version = parse_catalog(text).version
    rng = random.Random(7)
    latencies = []
    try:
        for trial in range(trials):
            time.sleep(rng.uniform(0, interval))
            new = f"{version}-bench{trial}"
            payload = catalog_payload(text.replace(version, new, 1))
            start = time.perf_counter()
            engine.publish("catalog", new, payload, to_ms(clock()))
            while catalog_store.current_version(watcher) != new:
                time.sleep(0.01)
            latencies.append(time.perf_counter() - start)
    finally:
        stop.set()
        worker.join()
        watcher.close()
    return latencies


def run_engine(kind: str, rows: int, interval: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-sync-{kind}-"))
    with central(kind, folder) as (engine, base):
        db, client = new_counter(folder / "pusher.db", engine, base)
        as_supervisor(engine, db)
        rate = bench_push(db, client)
        print(f"[{kind}] push: {rate:,.0f} ops/s ({PUSH_OPS:,} ops in 500-op batches)")
        seconds = bench_pull(engine, base, folder, rows)
        print(f"[{kind}] initial pull of {rows:,} rows: {seconds:.1f} s")
        latencies = bench_catalog_latency(engine, base, folder, interval)
        print(
            f"[{kind}] catalog change to a counter syncing every {interval:g} s:"
            f" {', '.join(f'{x:.2f}' for x in latencies)} s (max {max(latencies):.2f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=500_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args()
    for kind in filter(None, args.engines.split(",")):
        run_engine(kind, args.rows, args.interval)
    folder = Path(tempfile.mkdtemp(prefix="bench-local-"))
    plain, logged = bench_local_writes(folder)
    print(
        f"local write, bare one-row insert: {plain * 1000:.3f} ms without outbox,"
        f" {logged * 1000:.3f} ms with (ratio {logged / plain:.2f}x)"
    )
    for label, (plain_ms, logged_ms) in bench_real_writes(folder).items():
        print(
            f"local write, {label}: {plain_ms:.2f} ms without outbox, {logged_ms:.2f} ms with"
            f" (ratio {logged_ms / plain_ms:.2f}x)"
        )


if __name__ == "__main__":
    main()
