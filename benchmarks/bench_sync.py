"""Sync figures on both central engines, through a real ``counter-central`` process.

- push throughput: ops/s, 500-op batches, one counter;
- initial pull: a fresh counter pulling a change log of N rows (default 500,000);
- local write cost: one write per transaction with and without its outbox op (ratio).

    python -m benchmarks.bench_sync [pull_rows] [--engines sqlite,postgres]

PostgreSQL is expected at 127.0.0.1:5432 (user postgres); a throwaway database is
created and dropped.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
from sqlite_utils import Database

from counter.central.cli import open_engine
from counter.central.engine import Engine
from counter.model.clock import HALL_TZ, Hlc, to_ms
from counter.store import outbox
from counter.store.db import immediate, open_store
from counter.sync.client import SyncClient, enrol
from counter.sync.transport import HttpTransport

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PUSH_OPS = 20_000


def clock() -> datetime:
    return datetime.now(HALL_TZ)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_central(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "counter.central.cli", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(f"{base}/v1/health", timeout=0.5)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit("central did not start")


def new_counter(path: Path, engine: Engine, base: str) -> tuple[Database, SyncClient]:
    db = open_store(path)
    outbox.ensure_device(db, clock())
    token = enrol(db, base, engine.create_enrol_code(to_ms(clock())))
    client = SyncClient(db, HttpTransport(base, token), clock=clock, page_size=5000)
    return db, client


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


def run_engine(kind: str, rows: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-sync-{kind}-"))
    dbname = None
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'central.db'}"
    else:
        dbname = f"counter_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{dbname}"
    engine = open_engine(url)
    process, base = start_central(url)
    try:
        db, client = new_counter(folder / "pusher.db", engine, base)
        rate = bench_push(db, client)
        print(f"[{kind}] push: {rate:,.0f} ops/s ({PUSH_OPS:,} ops in 500-op batches)")
        seconds = bench_pull(engine, base, folder, rows)
        print(f"[{kind}] initial pull of {rows:,} rows: {seconds:.1f} s")
    finally:
        process.terminate()
        process.wait()
        if dbname:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=500_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    for kind in args.engines.split(","):
        run_engine(kind, args.rows)
    plain, logged = bench_local_writes(Path(tempfile.mkdtemp(prefix="bench-local-")))
    print(
        f"local write: {plain * 1000:.2f} ms without outbox, {logged * 1000:.2f} ms with "
        f"(ratio {logged / plain:.2f}x)"
    )


if __name__ == "__main__":
    main()
