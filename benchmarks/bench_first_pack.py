"""What packing costs the first time, on a store that never packed (issue 32).

A hall upgrading a year's store gets every closed case packed by the upkeep, 1,000 a
run on the print spool's worker thread, or all at once by ``counter compact``. This
builds such a store (the year of cases of ``benchmarks.bench_intake``, each given six
events and seven materials, bulk inserted) and prints: how long finding the candidates
takes (read outside any write), one upkeep run's packing (its ten write transactions:
the longest a window's write can wait behind one is a tenth of it), packing the rest
as ``counter compact`` does, and the candidate search once the history is packed (what
every later upkeep run pays). Figures at a hall's size, never assertions.

    python -m benchmarks.bench_first_pack [--cases 200000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.bench_intake import NOW, fill
from counter.services.bootstrap import prepare_store
from counter.store import case_packs
from counter.store.db import DB_FILE, close_store, open_store

EVENTS, MATERIALS = 6, 7


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_first_pack")
    parser.add_argument("--cases", type=int, default=200_000)
    count = parser.parse_args().cases
    with tempfile.TemporaryDirectory(prefix="counter-pack-") as tmp:
        db = open_store(Path(tmp) / DB_FILE)
        prepare_store(db, NOW)
        fill(db, count)
        with db.conn:
            for k in range(EVENTS):
                db.execute(
                    "INSERT INTO case_events (id, case_id, action, from_state, to_state, at,"
                    " staff_id, staff_name, window, reason, data) SELECT id || '-e' || ?, id,"
                    " '出件', '办结（准予）', '已出件', updated_at, 'demo-002', '李娜', '3',"
                    " '', '{}' FROM cases",
                    [k],
                )
            for k in range(MATERIALS):
                db.execute(
                    "INSERT INTO case_materials (case_id, material_id, position, name, form,"
                    " copies_required, required, rongque, asked_by, status, copies, updated_at)"
                    " SELECT id, 'M-' || ?, ?, '申请书', '原件', 1, 1, 0, '[]', '原件已收', 1,"
                    " updated_at FROM cases",
                    [k, k],
                )
        db.execute("ANALYZE")
        before = NOW - timedelta(days=case_packs.PACK_AFTER_DAYS)
        started = time.perf_counter()
        found = case_packs._candidates(db, before, case_packs.BATCH * 10)
        scan = time.perf_counter() - started
        started = time.perf_counter()
        packed = case_packs.pack(db, before, NOW, at_most=10)
        run = time.perf_counter() - started
        started = time.perf_counter()
        rest = case_packs.pack(db, before, NOW, at_most=None)
        compact = time.perf_counter() - started
        started = time.perf_counter()
        left = case_packs._candidates(db, before, case_packs.BATCH * 10)
        later = time.perf_counter() - started
        close_store(db)
    print(f"{count:,} cases, {count * EVENTS:,} events, {count * MATERIALS:,} materials")
    print(f"candidates found before the write: {scan:.2f} s ({len(found):,})")
    print(f"one upkeep run packs {packed:,} cases in {run:.2f} s (10 write transactions)")
    print(f"counter compact packs the other {rest:,} in {compact:.1f} s")
    print(f"the candidate search once packed (each later run): {later * 1000:.0f} ms "
          f"({len(left)} found; the season's cases stay rows)")  # fmt: skip


if __name__ == "__main__":
    main()
