"""A counter that ran alone keeps its casework as rows, not ops, and brings it to the
central once, as imports, when its enrolment code allows it (issue 32)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from sqlite_utils import Database
from sync_support import Central, client_for, decide_case, settle, wall_clock

from benchmarks.bench_store_size import START, Documents, build
from counter.model.devices import DeviceKind
from counter.services.bootstrap import prepare_store
from counter.store import outbox
from counter.store.db import open_store
from counter.sync import history
from counter.sync.client import enrol
from counter.sync.compaction import compact
from counter.sync.history_tables import HISTORY_KINDS

WINDOW = "3"  # where bench_store_size's clerk works


def worked_alone(path: Path, cases: int = 10) -> Database:
    """A counter never enrolled, after a few days' casework through the services: cases
    (one a 企业开办 bundle) taken in, printed, started, approved, handed over; kiosk
    tickets issued, printed, served."""
    db = open_store(path)
    prepare_store(db, START)
    build(db, cases, cases, Documents(render=False), lambda line: None)
    outbox.act_as(db, None)  # the day's clerk signs out
    return db


def casework_ops(db: Database) -> int:
    tables = list(HISTORY_KINDS)
    return int(
        db.execute(
            f"SELECT count(*) FROM outbox WHERE table_name IN ({', '.join('?' * len(tables))})",
            tables,
        ).fetchone()[0]
    )


def rows_by_table(db: Database) -> dict[str, dict[str, dict[str, object]]]:
    return {table: dict(history.rows_of(db, table)) for table in HISTORY_KINDS}


def test_the_upkeep_keeps_no_op_of_a_standalone_counters_casework(tmp_path: Path) -> None:
    db = worked_alone(tmp_path / "alone.db")
    assert casework_ops(db) > 300
    compact(db)
    assert casework_ops(db) == 0
    # What is left runs from 1 with no gap, as an enrolment needs it.
    seqs = [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] > 10  # a bundle has parts


def test_an_import_carries_each_row_as_the_rows_last_op_did(tmp_path: Path) -> None:
    """The import is the row as its own op would carry it, so the central and every
    counter that pulls it hold what they would have held had the counter been enrolled."""
    db = worked_alone(tmp_path / "alone.db")
    merged: dict[tuple[str, str], dict[str, object]] = {}
    for table, row_id, payload in db.execute(
        "SELECT table_name, row_id, payload FROM outbox ORDER BY seq"
    ):
        if table in HISTORY_KINDS:
            row = json.loads(payload)
            row.pop("event", None)  # a ticket's op carries the step that changed it
            merged.setdefault((table, row_id), {}).update(row)
    imported = {
        (table, row_id): payload
        for table, rows in rows_by_table(db).items()
        for row_id, payload in rows.items()
    }
    assert set(imported) == set(merged)
    for key, payload in imported.items():
        assert payload == merged[key], key


def code_for(central: Central, *, history: bool) -> str:
    return central.engine.create_enrol_code(
        int(time.time() * 1000), DeviceKind.WINDOW, WINDOW, None, history=history
    )


def test_a_counter_that_ran_alone_brings_its_casework_once_when_the_central_allows_it(
    central: Central, tmp_path: Path
) -> None:
    db = worked_alone(tmp_path / "alone.db")
    compact(db)
    local = rows_by_table(db)
    central.publish_staff()
    enrol(db, central.url, code_for(central, history=True), name="alone")
    imports = db.execute("SELECT count(*) FROM outbox WHERE kind = 'import'").fetchone()[0]
    assert imports == sum(len(rows) for rows in local.values())
    client = client_for(db, central)
    client.pull()  # the hall's staff, for the clerk's next case
    taken_after = decide_case(db, WINDOW, wall_clock()).case.id
    settle([client])

    device = outbox.device_id(db)
    ops = central.engine.query(
        "SELECT seq, kind, state, reason FROM ops WHERE device_id = ? ORDER BY seq", [device]
    )
    assert [seq for seq, *_ in ops] == list(range(1, len(ops) + 1))
    assert [(s, r) for _, _, s, r in ops if s != "applied"] == []
    assert Counter(kind for _, kind, _, _ in ops)["import"] == imports
    assert outbox.pending_count(db) == 0
    held = {
        table: {
            row_id: json.loads(payload)
            for row_id, payload in central.engine.query(
                "SELECT row_id, payload FROM rows WHERE table_name = ?", [table]
            )
        }
        for table in HISTORY_KINDS
    }
    # The central holds each row as the counter does now (the applicant the later case
    # named again was changed after its import, as an ordinary op).
    for table, rows in rows_by_table(db).items():
        for row_id, payload in rows.items():
            assert held[table].get(row_id) == json.loads(json.dumps(payload)), (table, row_id)
    # The case taken after enrolment went up as ordinary ops, after the imports.
    assert held["cases"][taken_after]["window"] == WINDOW
    kinds = dict(central.engine.query("SELECT table_name, kind FROM rows WHERE row_id = ?",
                                      [taken_after]))  # fmt: skip
    assert kinds == {"cases": "upsert"}


def test_without_the_centrals_leave_the_casework_stays_on_the_counter(
    central: Central, tmp_path: Path
) -> None:
    db = worked_alone(tmp_path / "alone.db", cases=3)
    cases = db.execute("SELECT count(*) FROM cases").fetchone()[0]
    enrol(db, central.url, code_for(central, history=False), name="alone")
    assert casework_ops(db) == 0  # dropped in the enrolment's transaction, uncompacted
    settle([client_for(db, central)])
    device = outbox.device_id(db)
    assert central.engine.query(
        "SELECT count(*) FROM ops WHERE device_id = ? AND state <> 'applied'", [device]
    ) == [(0,)]
    assert central.engine.query("SELECT count(*) FROM rows WHERE table_name = 'cases'") == [(0,)]
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == cases
    assert outbox.pending_count(db) == 0
