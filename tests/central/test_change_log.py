"""The pull cursor never skips a row under concurrent pushes — and the test can tell.

Writers push from threads while a reader pulls in a loop; every cursor in the change
log must have been seen by the reader. With the writer serialisation switched off
(the planted bug) PostgreSQL hands out cursors that commit out of order and the same
test must fail on at least one seed. SQLite serialises writers by its nature, so the
planted bug cannot be shown there.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest
from central_support import enrol, fresh_engine, now_ms

from counter.central.engine import Engine
from counter.sync.protocol import WireOp

WRITERS = 4
BATCHES = 6
BATCH = 5


def _ops(device: str, batch: int) -> list[WireOp]:
    return [
        WireOp(
            seq=batch * BATCH + n + 1,
            op_id=f"{device}-{batch}-{n}",
            table_name="sync_probe",
            row_id=f"{device}-{batch}-{n}",
            kind="upsert",
            payload={"n": n},
            hlc=f"{now_ms():015d}-000000",
            schema_version=5,
        )
        for n in range(BATCH)
    ]


def skipped_cursors(engine: Engine, seed: int) -> set[int]:
    devices = [f"w{seed}-{n}" for n in range(WRITERS)]
    for device in devices:
        enrol(engine, device)
    rng = random.Random(seed)
    delays = threading.local()
    engine._before_commit = lambda: time.sleep(getattr(delays, "rng", rng).uniform(0.002, 0.01))

    def writer(device: str, seed_n: int) -> None:
        delays.rng = random.Random(seed_n)
        for batch in range(BATCHES):
            engine.push(device, _ops(device, batch), now_ms())

    start = engine.scalar("SELECT coalesce(max(cursor), 0) FROM changes")
    threads = [
        threading.Thread(target=writer, args=(d, seed * 100 + n)) for n, d in enumerate(devices)
    ]
    seen: set[int] = set()
    cursor = start
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        page = engine.pull(cursor, 1000)
        seen.update(c.cursor for c in page.changes)
        cursor = page.cursor
    for thread in threads:
        thread.join()
    while True:
        page = engine.pull(cursor, 1000)
        if not page.changes:
            break
        seen.update(c.cursor for c in page.changes)
        cursor = page.cursor
    every = {r[0] for r in engine.query("SELECT cursor FROM changes WHERE cursor > ?", [start])}
    assert len(every) == WRITERS * BATCHES * BATCH
    return every - seen


SEEDS = range(4)


def test_pull_never_skips_a_row_under_concurrent_pushes(engine: Engine) -> None:
    for seed in SEEDS:
        assert skipped_cursors(engine, seed) == set()


def test_planted_bug_without_writer_serialisation_is_caught(pg_dsn: str, tmp_path: Path) -> None:
    engine = fresh_engine("postgres", tmp_path, pg_dsn)
    engine._serialise_writers = False
    caught = [seed for seed in range(8) if skipped_cursors(engine, seed)]
    if not caught:
        pytest.fail("the no-skipped-row check did not notice unserialised writers on any seed")


def test_a_second_record_under_one_id_sends_the_first_down_again(engine: Engine) -> None:
    """The pad rated a service offline after the phone had rated it through the central,
    and the pad's counter pulled the phone's rating before it pushed its own (so it
    skipped it, holding its own pending). The central keeps the first and logs it
    again after the push: the counter's next pull brings it, whatever it pulled before."""
    enrol(engine, "pad-a")
    enrol(engine, "web-b")
    rating = {"id": "rating:case:1", "request_id": "case:1", "kind": "case",
              "reference": "SQ-1", "served_at": "2026-12-01T10:00:00+08:00",
              "rated_at": "2026-12-01T11:00:00+08:00", "level": 2, "channel": "扫码"}  # fmt: skip
    first = WireOp(seq=1, op_id="b-1", table_name="ratings", row_id="rating:case:1",
                   kind="insert", payload=rating, hlc=f"{now_ms():015d}-000000",
                   schema_version=5)  # fmt: skip
    assert engine.push("web-b", [first], now_ms()).acked == ["b-1"]
    cursor = engine.scalar("SELECT max(cursor) FROM changes")
    second = first.model_copy(
        update={"op_id": "a-1", "payload": {**rating, "level": 5, "channel": "评价器"}}
    )
    assert engine.push("pad-a", [second], now_ms()).acked == ["a-1"]
    page = engine.pull(cursor, 100)
    assert [(c.row_id, c.payload["level"]) for c in page.changes] == [("rating:case:1", 2)]
    # The same record sent again (a retried push) changes nothing and sends nothing.
    cursor = engine.scalar("SELECT max(cursor) FROM changes")
    again = first.model_copy(update={"op_id": "a-2", "seq": 2})
    engine.push("pad-a", [again], now_ms())
    assert engine.pull(cursor, 100).changes == []
