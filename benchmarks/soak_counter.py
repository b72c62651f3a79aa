"""One counter in the soak: a supervisor editing the shared holiday table at a steady rate,
syncing every second through a transport that drops some responses.

    python -m benchmarks.soak_counter STORE URL TOKEN OPS RATE DROP SEED SKEW

It writes exactly OPS edits (a count, not a time: the soak's checks count what
happened, so a slow machine makes the run longer, never different), and the answer to
its first request is always dropped. SKEW sets its PC's clock: "slow" runs ten minutes
behind throughout; "fast" runs an hour ahead for the first half of its edits and is then
put right; anything else is the true time.

Prints one JSON line at the end: ops written, sync steps, offline steps, responses dropped.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from counter.model.clock import HALL_TZ
from counter.model.staff import Role, Staff
from counter.model.staff_key import derive_key
from counter.model.workdays import WorkingHours
from counter.services.calendar_service import CalendarService
from counter.services.session import Session
from counter.store.db import open_store
from counter.sync.client import SyncClient
from counter.sync.transport import FaultyTransport, HttpTransport

FIRST_DAY = date(2031, 1, 1)
#: The soak supervisors' password; bench_soak publishes their keys' public halves.
SOAK_PASSWORD = "soak-supervisor"


def skewed(skew: str, done: list[int], total: int) -> datetime:
    """This PC's clock: wrong as SKEW says, a fast one put right half way through."""
    now = datetime.now(HALL_TZ)
    if skew == "slow":
        return now - timedelta(minutes=10)
    if skew == "fast" and done[0] < total // 2:
        return now + timedelta(hours=1)
    return now


def main() -> None:
    store, url, token = sys.argv[1], sys.argv[2], sys.argv[3]
    total, rate, drop, seed = (int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]),
                               int(sys.argv[7]))  # fmt: skip
    skew = sys.argv[8] if len(sys.argv) > 8 else ""
    written = [0]

    def clock() -> datetime:
        return skewed(skew, written, total)

    parent = os.getppid()
    db = open_store(store)
    try:
        print(json.dumps(run(db, url, token, total, rate, drop, seed, clock, written, parent)))
    finally:
        db.close()  # its WAL checkpointed, so the soak reads a whole store or removes it


def run(
    db: Database,
    url: str,
    token: str,
    total: int,
    rate: float,
    drop: float,
    seed: int,
    clock: Callable[[], datetime],
    written: list[int],
    parent: int,
) -> dict[str, int]:
    """The edits and syncs; what happened, counted. Stops early, with what it has, once
    the soak that started it is gone (killed, or Ctrl+C): left running, it would write
    into a folder the soak removes, against a central nobody watches."""
    rng = random.Random(seed)
    calendar = CalendarService(db, WorkingHours.parse("09:00-12:00,13:30-17:30"))
    staff = Staff(f"soak-{seed}", f"soak{seed}", "值班长", Role.SUPERVISOR, "", "S-1", None)
    # Signed in as the supervisor bench_soak published: her holiday changes carry her
    # signature, which the central checks (counter.central.authority).
    key = derive_key(staff.id, SOAK_PASSWORD)
    session = Session(staff, str(seed % 900 + 1), clock(), key=key)
    http = HttpTransport(url, token, timeout=5.0)
    transport = FaultyTransport(http)
    transport.extend(["drop_response"])  # at least one dropped answer per counter
    client = SyncClient(db, transport, clock=clock, max_attempts=2, base_delay=0.1, max_delay=1)
    ops = steps = offline = 0
    start = time.monotonic()
    next_sync = start + 1.0
    while ops < total:
        if os.getppid() != parent:
            break
        now = time.monotonic()
        due = start + ops / rate
        if now < due:
            time.sleep(min(due - now, 0.05))
            continue
        day = FIRST_DAY + timedelta(days=rng.randrange(365))
        kind = rng.choice(["holiday", "workday", None])
        calendar.set_day(session, day, kind, f"浸泡{seed}-{ops}", clock())
        ops += 1
        written[0] = ops
        if time.monotonic() >= next_sync:
            transport.extend(rng.choices([None, "drop_response"], [1 - drop, drop], k=8))
            steps += 1
            offline += not client.step().online
            next_sync = time.monotonic() + 1.0
    steps += 1  # one more, so even a short run meets its dropped answer
    offline += not client.step().online
    dropped = sum(1 for line in transport.log if line.startswith("drop_response"))
    http.close()
    return {"ops": ops, "steps": steps, "offline": offline, "dropped": dropped}


if __name__ == "__main__":
    main()
