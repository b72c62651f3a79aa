"""One counter process for the concurrency test: write, sync, repeat; report its op ids."""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# Run as a script: the repository root, for the tests' own helpers (tests.hall).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync_support import PROBE_DDL, wall_clock, write_probe

from counter.store import holidays, outbox
from counter.store.db import open_store
from counter.sync.client import SyncClient, enrol
from counter.sync.transport import HttpTransport
from tests.hall import as_supervisor


def main(path: str, url: str, code: str, seed: int) -> None:
    rng = random.Random(seed)
    db = open_store(Path(path))
    db.execute(PROBE_DDL)
    outbox.ensure_device(db, wall_clock())
    token = enrol(db, url, code)
    as_supervisor(db)  # its holiday changes are the hall supervisor's, signed
    client = SyncClient(db, HttpTransport(url, token), clock=wall_clock, batch_size=7)
    created: list[str] = []
    for n in range(60):
        created.append(write_probe(db, n))
        if rng.random() < 0.3:
            day = date(2032, 1, 1) + timedelta(days=rng.randrange(10))
            holidays.set_day(
                db, day, rng.choice(["holiday", "workday"]), f"w{seed}-{n}", wall_clock()
            )
            created.append(outbox.pending(db, 10_000)[-1].op_id)
        if rng.random() < 0.2:
            result = client.step()
            assert not result.error or not result.online, result
        time.sleep(rng.uniform(0, 0.01))
    while outbox.pending_count(db):
        client.step()
    print(json.dumps({"device": outbox.device_id(db), "created": created}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
