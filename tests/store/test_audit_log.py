from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils import Database

from counter.model.audit import GENESIS, AuditAction, canonical, entry_hash, verify_chain
from counter.store import audit_log, outbox
from counter.store.audit_log import Actor
from counter.store.db import immediate
from counter.store.migrations import MIGRATIONS

CLERK = Actor("s1", "李娜", "clerk", "3")


def write(db: Database, now: datetime, n: int = 3) -> None:
    for i in range(n):
        with immediate(db):
            audit_log.append(db, CLERK, AuditAction.DECISION, f"cases:{i}", {"i": i}, now)


def test_entries_chain_and_verify(db: Database, now: datetime) -> None:
    write(db, now)
    entries = audit_log.entries(db)
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[1]["prev_hash"] == entries[0]["hash"]
    assert all(r.ok for r in audit_log.verify(db))


def test_an_entry_outside_a_transaction_is_refused(db: Database, now: datetime) -> None:
    with pytest.raises(outbox.OutsideTransactionError):
        audit_log.append(db, CLERK, AuditAction.PRINT, "x", {}, now)


def test_each_entry_travels_to_the_central_in_the_outbox(db: Database, now: datetime) -> None:
    write(db, now, 2)
    ops = [op for op in outbox.pending(db) if op.table_name == "audit_log"]
    assert [op.payload["seq"] for op in ops] == [1, 2]


def test_an_entry_rolled_back_with_its_action_leaves_no_trace(db: Database, now: datetime) -> None:
    with pytest.raises(RuntimeError), immediate(db):
        audit_log.append(db, CLERK, AuditAction.DECISION, "cases:x", {}, now)
        raise RuntimeError("the action failed")
    assert audit_log.entries(db) == []


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET staff_name = 'x'", "DELETE FROM audit_log"])
def test_the_table_refuses_update_and_delete(db: Database, now: datetime, sql: str) -> None:
    write(db, now, 1)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(sql)


def test_tampering_past_the_triggers_is_found_at_its_entry(db: Database, now: datetime) -> None:
    write(db, now, 4)
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 2")
    (report,) = audit_log.verify(db)
    assert report.broken_seq == 2


def test_the_table_keeps_hashes_and_ids_as_bytes_and_no_prev_hash(
    db: Database, now: datetime
) -> None:
    """The dense form (issue 32): what reads back as hex and UUID text is stored as its
    bytes, and the previous hash is the entry before's, not stored again."""
    write(db, now, 2)
    assert "device_id" not in {r[1] for r in db.execute("PRAGMA table_info(audit_log)")}
    stored = db.execute(
        "SELECT typeof(id), length(id), typeof(hash), length(hash), prev_hash FROM audit_log"
    )
    assert set(stored.fetchall()) == {("blob", 16, "blob", 32, None)}
    first, second = audit_log.entries(db)
    assert first["prev_hash"] == GENESIS and second["prev_hash"] == first["hash"]
    assert audit_log.for_target(db, "cases:1") == [second]


@given(
    st.text(max_size=80) | st.uuids().map(str) | st.binary(min_size=32, max_size=32).map(bytes.hex)
)
def test_any_id_or_hash_reads_back_as_the_text_it_was(text: str) -> None:
    assert audit_log.unpack_uuid(audit_log.pack_uuid(text)) == text
    assert audit_log.unpack_hash(audit_log.pack_hash(text)) == text


def test_text_the_dense_form_cannot_hold_exactly_stays_text() -> None:
    upper = "AB" * 32
    assert audit_log.pack_hash(upper) == upper  # its bytes would read back lowercase
    for not_canonical in ("{12345678-1234-5678-1234-567812345678}", "1234567812345678" * 2):
        assert audit_log.pack_uuid(not_canonical) == not_canonical  # it reads back dashed


def old_store(tmp_path: Path, now: datetime) -> Database:
    """A store as it was before the dense audit log, with the entries that version wrote."""
    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(db, stop_before="0029_dense_audit_log")
    outbox.ensure_device(db, now)
    return db


def old_chain(db: Database, device: str, n: int, now: datetime) -> list[dict[str, Any]]:
    """``n`` entries of ``device``'s chain, written row for row as that version did."""
    made: list[dict[str, Any]] = []
    previous = GENESIS
    for seq in range(1, n + 1):
        entry: dict[str, Any] = {
            "id": outbox.uuid7(seq), "seq": seq, "device_id": device,
            "at": "2026-11-27T10:00:00.000+08:00", "staff_id": "s1", "staff_name": "李娜",
            "role": "clerk", "window": "3", "action": "decision", "target": f"cases:{seq}",
            "detail": canonical({"i": seq}), "prev_hash": previous,
        }  # fmt: skip
        entry["hash"] = entry_hash(entry)
        previous = entry["hash"]
        db.execute(
            f"INSERT INTO audit_log ({', '.join(entry)}) VALUES ({', '.join('?' * len(entry))})",
            list(entry.values()),
        )
        made.append({c: entry[c] for c in audit_log.COLUMNS})
    return made


def test_an_older_store_s_chains_read_back_entry_for_entry_after_the_dense_migration(
    tmp_path: Path, now: datetime
) -> None:
    db = old_store(tmp_path, now)
    own = outbox.device_id(db)
    before_rekey = old_chain(db, "019b0000-0000-7000-8000-000000000001", 3, now)
    mine = old_chain(db, own, 4, now)
    MIGRATIONS.apply(db)
    assert audit_log.entries(db) == mine
    assert audit_log.entries(db, "019b0000-0000-7000-8000-000000000001") == before_rekey
    assert [r.ok for r in audit_log.verify(db)] == [True, True]
    with immediate(db):
        added = audit_log.append(db, CLERK, AuditAction.PRINT, "print_jobs:x", {}, now)
    assert (added["seq"], added["prev_hash"]) == (5, mine[-1]["hash"])
    assert all(r.ok for r in audit_log.verify(db))
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")


def rewrite_second_entry(db: Database) -> None:
    """Entry 2 changed and its hash made again, as someone who knows the rule would."""
    columns = audit_log.COLUMNS
    row = db.execute(f"SELECT {', '.join(columns)} FROM audit_log WHERE seq = 2").fetchone()
    entry = {**dict(zip(columns, row, strict=True)), "detail": canonical({"i": 99})}
    db.execute(
        "UPDATE audit_log SET detail = ?, hash = ? WHERE seq = 2",
        [entry["detail"], entry_hash(entry)],
    )


@pytest.mark.parametrize(
    ("tamper", "broken"),
    [
        # An entry changed and its hash left: found at that entry.
        ("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 2", 2),
        # The link to the entry before changed: found there, although the entry now
        # names the right previous hash once it is read from the entry before.
        ("UPDATE audit_log SET prev_hash = '1' || substr(prev_hash, 2) WHERE seq = 3", 3),
        # An entry changed with its hash made again: the next one no longer follows.
        (rewrite_second_entry, 3),
    ],
)
def test_a_chain_broken_before_the_migration_is_still_broken_at_the_same_entry(
    tmp_path: Path, now: datetime, tamper: str | Callable[[Database], None], broken: int
) -> None:
    db = old_store(tmp_path, now)
    old_chain(db, outbox.device_id(db), 4, now)
    db.execute("DROP TRIGGER audit_log_no_update")
    if callable(tamper):
        tamper(db)
    else:
        db.execute(tamper)
    assert audit_log_before(db) == broken
    MIGRATIONS.apply(db)
    (report,) = audit_log.verify(db)
    assert report.broken_seq == broken
    # What an intact entry keeps is its link's evidence only where it was broken.
    kept = db.execute("SELECT seq FROM audit_log WHERE prev_hash IS NOT NULL").fetchall()
    assert kept == ([(3,)] if broken == 3 else [])


def audit_log_before(db: Database) -> int | None:
    """Where the old table's chain broke, read as that version read it."""
    columns = audit_log.COLUMNS
    rows = db.execute(f"SELECT {', '.join(columns)} FROM audit_log ORDER BY seq").fetchall()
    report = verify_chain("d", [dict(zip(columns, r, strict=True)) for r in rows])
    return report.broken_seq


# --- Sealed segments (issue 32) ---------------------------------------------------


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(audit_log, "SEGMENT", 5)
    return 5


def test_sealing_keeps_every_entry_as_it_was_and_the_chain_goes_on(
    db: Database, now: datetime, small_segments: int
) -> None:
    write(db, now, 23)
    before = audit_log.entries(db)
    assert audit_log.seal(db, at_most=None) == 15  # three runs; the newest 5 to 9 stay live
    assert db.execute("SELECT first, last, count FROM audit_sealed").fetchall() == [
        (1, 5, 5), (6, 10, 5), (11, 15, 5)
    ]  # fmt: skip
    assert db.execute("SELECT min(seq), count(*) FROM audit_log").fetchone() == (16, 8)
    assert audit_log.entries(db) == before
    assert audit_log.for_target(db, "cases:7") == [before[7]]
    assert all(r.ok for r in audit_log.verify(db))
    with immediate(db):
        added = audit_log.append(db, CLERK, AuditAction.PRINT, "print_jobs:x", {}, now)
    assert (added["seq"], added["prev_hash"]) == (24, before[-1]["hash"])
    assert audit_log.seal(db, at_most=None) == 0  # 9 live: not two segments' worth
    assert all(r.ok for r in audit_log.verify(db))


def test_a_chain_sealed_whole_goes_on_from_its_last_sealed_entry(
    db: Database, now: datetime, small_segments: int
) -> None:
    """Sealing leaves the newest entries live, but a chain must go on even if none
    were: the next entry follows the last one sealed."""
    write(db, now, 10)
    audit_log.seal(db, at_most=None)
    last = audit_log.entries(db)[-1]
    (chain,) = db.execute("SELECT no FROM audit_chains").fetchone()
    with immediate(db):  # as a sealing run would, had it taken the newest too
        rows = db.execute(
            f"SELECT {', '.join(audit_log._SEALED)} FROM audit_log ORDER BY seq"
        ).fetchall()
        db.execute(
            "INSERT INTO audit_sealed VALUES (?, 6, 10, 5, ?)",
            [chain, audit_log.seal_blob([tuple(r) for r in rows])],
        )
        db.execute("DELETE FROM audit_log")  # the trigger lets sealed entries go
        added = audit_log.append(db, CLERK, AuditAction.PRINT, "print_jobs:x", {}, now)
    assert (added["seq"], added["prev_hash"]) == (11, last["hash"])
    assert all(r.ok for r in audit_log.verify(db))


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM audit_log WHERE seq = 16",  # live: no segment holds it
        "UPDATE audit_sealed SET entries = x'00'",
        "DELETE FROM audit_sealed",
    ],
)
def test_a_segment_is_append_only_and_only_sealed_entries_leave_the_log(
    db: Database, now: datetime, small_segments: int, sql: str
) -> None:
    write(db, now, 20)
    audit_log.seal(db, at_most=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(sql)


def rewrite_segment(db: Database, first: int, change: Callable[[list[list[Any]]], bytes]) -> None:
    """An attacker past the triggers: the segment's rows changed and sealed again."""
    db.execute("DROP TRIGGER audit_sealed_no_update")
    (blob,) = db.execute("SELECT entries FROM audit_sealed WHERE first = ?", [first]).fetchone()
    rows = [list(r) for r in audit_log.unseal(blob)]
    db.execute("UPDATE audit_sealed SET entries = ? WHERE first = ?", [change(rows), first])


def changed_detail(rows: list[list[Any]]) -> bytes:
    rows[2][audit_log._SEALED.index("detail")] = canonical({"i": 99})  # seq 8
    return audit_log.seal_blob([tuple(r) for r in rows])


def dropped_entry(rows: list[list[Any]]) -> bytes:
    return audit_log.seal_blob([tuple(r) for r in rows[:2] + rows[3:]])  # seq 8 gone


@pytest.mark.parametrize(
    ("change", "broken", "why"),
    [
        (changed_detail, 8, "内容被改动"),
        (dropped_entry, 6, "缺少第 6 条"),  # a segment that is not what it says reads as missing
        (lambda rows: b"not zlib", 6, "缺少第 6 条"),
    ],
)
def test_tampering_with_a_sealed_segment_is_found_at_its_entry(
    db: Database,
    now: datetime,
    small_segments: int,
    change: Callable[[list[list[Any]]], bytes],
    broken: int,
    why: str,
) -> None:
    write(db, now, 20)
    audit_log.seal(db, at_most=None)
    rewrite_segment(db, 6, change)
    (report,) = audit_log.verify(db)
    assert (report.broken_seq, report.reason) == (broken, why)


def test_a_walk_loses_nothing_when_another_connection_seals_meanwhile(
    db: Database, store_path: Path, now: datetime, small_segments: int
) -> None:
    """The upkeep seals on the spool's connection while a verify or a history import
    walks the chain on another."""
    write(db, now, 30)
    before = audit_log.entries(db)
    audit_log.seal(db, at_most=1)  # 1-5 sealed
    walk = audit_log.chain(db)
    first = [next(walk) for _ in range(3)]  # the segments were listed, the walk is in one
    other = Database(str(store_path))
    assert audit_log.seal(other, at_most=None) == 20  # 6-25 leave the live rows
    other.close()
    assert first + list(walk) == before


def test_the_upkeep_seals_in_runs_and_a_history_import_reads_every_entry(
    db: Database, now: datetime, small_segments: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter.model.settings import Settings
    from counter.services import upkeep
    from counter.sync.history import rows_of

    monkeypatch.setattr(upkeep, "SEALS", 2)
    write(db, now, 30)
    before = audit_log.entries(db)
    first = upkeep.upkeep(db, Settings(), now)
    assert (first.audit_sealed, first.more) == (10, True)
    second = upkeep.upkeep(db, Settings(), now)
    assert (second.audit_sealed, second.more) == (10, True)
    assert upkeep.upkeep(db, Settings(), now).audit_sealed == 5  # 26-30 stay live
    assert upkeep.upkeep(db, Settings(), now).audit_sealed == 0
    assert [payload for _, payload in rows_of(db, "audit_log")] == before
