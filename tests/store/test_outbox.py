from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.model.clock import Hlc, to_ms
from counter.store import outbox
from counter.store.migrations import MIGRATIONS


def test_an_op_written_outside_a_transaction_is_a_bug(db: Database, now: datetime) -> None:
    with pytest.raises(outbox.OutsideTransactionError):
        outbox.record(db, table="t", row_id="1", kind="insert", payload={}, now=now)


def test_ops_get_consecutive_sequence_numbers(db: Database, now: datetime) -> None:
    with db.atomic():
        a = outbox.record(db, table="t", row_id="1", kind="insert", payload={"a": 1}, now=now)
        b = outbox.record(db, table="t", row_id="2", kind="insert", payload={"b": 2}, now=now)
    assert b.seq == a.seq + 1
    assert [op.op_id for op in outbox.pending(db)] == [a.op_id, b.op_id]


def test_the_hybrid_clock_moves_forward_even_when_the_wall_clock_steps_back(
    db: Database, now: datetime
) -> None:
    with db.atomic():
        a = outbox.record(db, table="t", row_id="1", kind="insert", payload={}, now=now)
        b = outbox.record(
            db, table="t", row_id="1", kind="upsert", payload={}, now=now - timedelta(hours=1)
        )
    assert Hlc.decode(b.hlc) > Hlc.decode(a.hlc)
    assert b.hlc > a.hlc


def test_a_failed_change_takes_its_op_with_it(db: Database, now: datetime) -> None:
    before = outbox.pending_count(db)
    with pytest.raises(RuntimeError), db.atomic():
        db["scratch"].insert({"id": 1})
        outbox.record(db, table="scratch", row_id="1", kind="insert", payload={}, now=now)
        raise RuntimeError("crash between writes")
    assert outbox.pending_count(db) == before
    assert "scratch" not in db.table_names() or db["scratch"].count == 0


def test_op_ids_are_uuid7_and_sort_by_time() -> None:
    first = outbox.uuid7(1_700_000_000_000)
    later = outbox.uuid7(1_700_000_000_001)
    assert first[14] == "7"
    assert first < later


def test_sequence_and_clock_continue_after_acked_ops_are_cleared(
    db: Database, now: datetime
) -> None:
    with db.atomic():
        first = outbox.record(db, table="t", row_id="1", kind="insert", payload={}, now=now)
        last = outbox.record(db, table="t", row_id="2", kind="insert", payload={}, now=now)
    with db.atomic():
        outbox.checkpoint(db)
        db.execute("DELETE FROM outbox")
    with db.atomic():
        after = outbox.record(
            db, table="t", row_id="3", kind="insert", payload={}, now=now - timedelta(hours=1)
        )
    assert (first.seq, last.seq, after.seq) == (first.seq, first.seq + 1, first.seq + 2)
    assert after.hlc > last.hlc


def test_pending_and_refused_ops_survive_the_lean_outbox_migration(
    tmp_path: Path, now: datetime
) -> None:
    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(db, stop_before="0010_outbox_lean")
    outbox.ensure_device(db, now)
    # Written as that version wrote them: today's record() names columns it lacked.
    for seq, op_id in ((1, "op-kept"), (2, "op-refused")):
        db.execute(
            "INSERT INTO outbox (seq, op_id, table_name, row_id, kind, payload, hlc,"
            " schema_version, created_at) VALUES (?, ?, 't', ?, 'insert', '{}',"
            " '001764230400000-000000', 9, '2026-11-27T10:00:00+08:00')",
            [seq, op_id, str(seq)],
        )
    db.execute("UPDATE outbox SET state = 'refused' WHERE seq = 2")
    db["sync_refusal_actions"].insert(
        {"op_id": "op-refused", "action": "dismissed", "staff_id": "s", "staff_name": "张伟",
         "at": "2026-11-27T10:00:00+08:00"}
    )  # fmt: skip
    MIGRATIONS.apply(db)
    assert [op.op_id for op in outbox.pending(db)] == ["op-kept"]
    assert [op.op_id for op in outbox.refused(db)] == ["op-refused"]
    assert db.execute("SELECT op_id FROM sync_refusal_actions").fetchall() == [("op-refused",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_write_adds_no_outbox_index_beyond_the_row_id(db: Database) -> None:
    assert db.execute("PRAGMA index_list(outbox)").fetchall() == []


def _op(db: Database, now: datetime, row_id: str = "1") -> outbox.Op:
    with db.atomic():
        return outbox.record(db, table="t", row_id=row_id, kind="insert", payload={}, now=now)


def test_a_pulled_reading_moves_the_clock_so_the_next_op_orders_after_it(
    db: Database, now: datetime
) -> None:
    seen = Hlc(to_ms(now) + 600_000, 4)  # another window's edit, this PC ten minutes slow
    with db.atomic():
        outbox.advance_clock(db, seen, to_ms(now))
    assert Hlc.decode(_op(db, now).hlc) > seen


def test_ops_are_stamped_in_the_central_s_time_once_the_offset_is_known(
    db: Database, now: datetime
) -> None:
    with db.atomic():
        db.execute("UPDATE sync_state SET clock_offset_ms = ? WHERE id = 1", [-3_600_000])
    # An hour fast, known: stamped an hour back (but never before the last reading).
    assert Hlc.decode(_op(db, now + timedelta(hours=2)).hlc).wall_ms == to_ms(now) + 3_600_000


def test_a_refused_op_s_reading_does_not_hold_back_the_next_op(db: Database, now: datetime) -> None:
    far = _op(db, now + timedelta(days=3))
    with db.atomic():
        db.execute("UPDATE outbox SET state = 'refused' WHERE op_id = ?", [far.op_id])
        outbox.checkpoint(db)
    assert Hlc.decode(_op(db, now, "2").hlc).wall_ms == to_ms(now)


def test_a_clock_past_the_central_s_bound_is_lowered_to_it(db: Database, now: datetime) -> None:
    with db.atomic():
        outbox.advance_clock(db, Hlc(to_ms(now) + 5 * 86_400_000), to_ms(now))
        outbox.lower_clock(db, Hlc(to_ms(now) + 86_400_000))
    assert Hlc.decode(_op(db, now).hlc) == Hlc(to_ms(now) + 86_400_000, 1)


def test_an_upsert_of_a_held_row_carries_what_it_changed(db: Database, now: datetime) -> None:
    before = {"id": "1", "name": "甲", "phone": "1", "tags": '["a"]'}
    after = {"id": "1", "name": "甲", "phone": "2", "tags": ["a"]}
    with db.atomic():
        op = outbox.record(
            db, table="t", row_id="1", kind="upsert", payload=after, now=now, before=before
        )
        fresh = outbox.record(db, table="t", row_id="2", kind="upsert", payload=after, now=now)
    assert op.base == {"phone": "1"}
    assert outbox.pending(db)[-2].base == {"phone": "1"}
    assert fresh.base is None
