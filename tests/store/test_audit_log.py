from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.store import audit_log, outbox
from counter.store.audit_log import Actor
from counter.store.db import immediate

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
