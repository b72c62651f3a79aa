"""A standalone counter's outbox is compacted to the rows a later enrolment needs
(issue 32), and that enrolment still delivers every row exactly once, as it stands."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database
from sync_support import (
    PROBE_DDL,
    Central,
    client_for,
    settle,
    wall_clock,
    write_probe,
)

from counter.central.authority import RULES
from counter.model.clock import HALL_TZ
from counter.store import holidays, outbox
from counter.store.db import immediate, open_store
from counter.sync.client import enrol
from counter.sync.compaction import SIGNED_TABLES, compact
from tests.hall import as_supervisor


def standalone(path: Path) -> Database:
    db = open_store(path)
    db.execute(PROBE_DDL)
    outbox.ensure_device(db, wall_clock())
    return db


def edit_probe(db: Database, n: int, value: int, now: datetime | None = None) -> None:
    """One change to probe row ``n``, recorded as services record upserts."""
    now = now or wall_clock()
    row_id = f"{outbox.device_id(db)}-row-{n}"
    row = {"id": row_id, "device": outbox.device_id(db), "n": value}
    with immediate(db):
        before = outbox.prior(db, "sync_probe", {"id": row_id})
        db["sync_probe"].upsert(row, pk="id")
        outbox.record(
            db, table="sync_probe", row_id=row_id, kind="upsert", payload=row, now=now,
            before=before,
        )  # fmt: skip


def seqs(db: Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq").fetchall()]


def test_the_signed_tables_are_those_the_central_checks_signatures_on() -> None:
    assert {name for name, rule in RULES.items() if rule.proof} == SIGNED_TABLES


def test_many_edits_compact_then_enrol_and_the_central_has_exactly_the_rows(
    central: Central, tmp_path: Path
) -> None:
    """(Nobody signs in: a standalone counter's own staff are not the central's, whose
    ops the central refuses with or without compaction.)"""
    db = standalone(tmp_path / "alone.db")
    central.publish_staff()
    events = [write_probe(db, 1000)]
    for version in range(6):
        for n in range(25):
            edit_probe(db, n, version)
        events.append(write_probe(db, 1000 + version + 1))
    before = outbox.pending_count(db)
    done = compact(db)
    assert done.dropped_ops == 25 * 5 and done.merged_rows == 25
    assert outbox.pending_count(db) == before - 125
    assert seqs(db) == list(range(1, outbox.pending_count(db) + 1))
    # Later work compacts with what came before, and the clock still moves on.
    last_hlc = max(r[0] for r in db.execute("SELECT hlc FROM outbox").fetchall())
    for n in range(25):
        edit_probe(db, n, 99)
    assert db.execute("SELECT hlc FROM outbox ORDER BY seq DESC").fetchone()[0] > last_hlc
    assert compact(db).dropped_ops == 25
    assert seqs(db) == list(range(1, outbox.pending_count(db) + 1))
    left = outbox.pending_count(db)

    enrol(db, central.url, central.code(), name="alone")
    assert compact(db).dropped_ops == 0  # enrolled: never again
    settle([client_for(db, central)])
    engine = central.engine
    device = outbox.device_id(db)
    ops = engine.query("SELECT seq, state FROM ops WHERE device_id = ? ORDER BY seq", [device])
    assert [s for s, _ in ops] == list(range(1, len(ops) + 1)), "sequence gap"
    assert all(state == "applied" for _, state in ops), ops
    assert len(ops) >= left  # every kept op once (and the audit of the staff it pulled)
    rows = {
        r[0]: json.loads(r[1])["n"]
        for r in engine.query("SELECT row_id, payload FROM rows WHERE table_name = 'sync_probe'")
    }
    expected = {f"{device}-row-{n}": 99 for n in range(25)}
    expected.update({f"{device}-{1000 + v}": 1000 + v for v in range(7)})
    assert rows == expected
    assert outbox.pending_count(db) == 0


def record_case(db: Database, case_id: str, state: str, note: int, now: datetime) -> None:
    with immediate(db):
        payload = {"id": case_id, "state": state, "note": note}
        outbox.record(db, table="cases", row_id=case_id, kind="upsert", payload=payload, now=now)


def test_casework_ops_go_and_signed_changes_keep_their_numbers(tmp_path: Path) -> None:
    """A case's ops go (its row is what a later enrolment imports: counter.sync.history),
    except before a signed op, whose signature covers its number."""
    db = standalone(tmp_path / "alone.db")
    as_supervisor(db)
    now = datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)
    for n in range(3):
        edit_probe(db, n, 0, now)
    record_case(db, "case-0", "accepted", 0, now)
    holidays.set_day(db, date(2031, 3, 2), "holiday", "示范假日", now)
    signed = db.execute("SELECT seq, proof FROM outbox WHERE table_name = 'holidays'").fetchone()
    for version in range(1, 4):
        for n in range(3):
            edit_probe(db, n, version, now + timedelta(seconds=version))
    for k, state in enumerate(["accepted", "accepted", "completed", "completed"]):
        record_case(db, "case-1", state, k, now + timedelta(minutes=k))
    compact(db)
    # Nothing up to the signed op moved: its signature still covers its number.
    assert (
        db.execute("SELECT seq, proof FROM outbox WHERE table_name = 'holidays'").fetchone()
        == signed
    )
    assert seqs(db) == list(range(1, outbox.pending_count(db) + 1))
    probes = db.execute(
        "SELECT row_id, payload FROM outbox WHERE table_name = 'sync_probe' AND seq > ?",
        [signed[0]],
    ).fetchall()
    assert sorted(json.loads(p)["n"] for _, p in probes) == [3, 3, 3]
    case_ops = [
        json.loads(p)
        for (p,) in db.execute(
            "SELECT payload FROM outbox WHERE table_name = 'cases' ORDER BY seq"
        ).fetchall()
    ]
    assert case_ops == [{"id": "case-0", "state": "accepted", "note": 0}]
