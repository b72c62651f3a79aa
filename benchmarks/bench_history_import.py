"""A counter that ran alone joins the hall: how long its history takes (issue 32).

A standalone store is built through the services as ``bench_store_size`` builds it
(cases taken in, printed, started, approved, handed over; kiosk tickets issued,
printed, served), its upkeep run, and then it is enrolled with a ``--history`` code
against ``counter-central serve`` over loopback. Printed: the rows the enrolment's
transaction turned into imports and how long that took (on the enrolling page's worker
thread), and how long the sync agent's pushes took to bring them all to the central,
beside the push rate of ordinary ops measured in the same run (bench_sync's signed
holiday ops) as the baseline.

    python -m benchmarks.bench_history_import [--cases 1000] [--engines sqlite,postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.bench_store_size import START, Documents, build
from benchmarks.bench_sync import as_supervisor, bench_push, clock, new_counter
from benchmarks.central_process import central
from counter.model.clock import to_ms
from counter.model.devices import DeviceKind
from counter.model.settings import Settings
from counter.services.bootstrap import prepare_store
from counter.services.upkeep import upkeep
from counter.store import outbox
from counter.store.db import open_store
from counter.sync.client import SyncClient, enrol, transport_for

WINDOW = "3"  # where bench_store_size's clerk works


def alone(path: Path, cases: int) -> None:
    db = open_store(path)
    prepare_store(db, START)
    build(db, cases, cases, Documents(render=False), lambda line: None)
    outbox.act_as(db, None)
    while upkeep(db, Settings(), clock()).more:
        pass
    db.close()


def run_engine(kind: str, cases: int, template: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-history-{kind}-"))
    with central(kind, folder) as (engine, base):
        path = folder / "alone.db"
        path.write_bytes(template.read_bytes())
        path.chmod(0o600)
        db = open_store(path)
        code = engine.create_enrol_code(to_ms(clock()), DeviceKind.WINDOW, WINDOW, history=True)
        started = time.perf_counter()
        enrol(db, base, code, name="alone")
        switched = time.perf_counter() - started
        imports = db.execute("SELECT count(*) FROM outbox WHERE kind = 'import'").fetchone()[0]
        transport = transport_for(db, timeout=60.0)
        assert transport is not None
        client = SyncClient(db, transport, clock=clock)
        started = time.perf_counter()
        while outbox.pending_count(db):
            client.push()
        pushed = time.perf_counter() - started
        refused = len(outbox.refused(db))
        held = engine.scalar(
            "SELECT count(*) FROM ops WHERE device_id = ? AND kind = 'import'"
            " AND state = 'applied'",
            [outbox.device_id(db)],
        )
        base_db, base_client = new_counter(folder / "baseline.db", engine, base)
        as_supervisor(engine, base_db)
        baseline = bench_push(base_db, base_client)
        rate = imports / switched
        print(
            f"[{kind}] {cases:,} cases and {cases:,} tickets: {imports:,} rows queued as"
            f" imports in {switched:.1f} s at enrolment ({rate:,.0f} rows/s)"
        )
        rate = imports / pushed
        print(
            f"[{kind}] pushed in {pushed:.1f} s: {rate:,.0f} imports/s, {held:,} applied,"
            f" {refused} refused; ordinary signed ops {baseline:,.0f}/s"
            f" (ratio {rate / baseline:.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_history_import")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    template = Path(tempfile.mkdtemp(prefix="bench-history-")) / "template.db"
    alone(template, args.cases)
    for kind in filter(None, args.engines.split(",")):
        run_engine(kind, args.cases, template)


if __name__ == "__main__":
    main()
