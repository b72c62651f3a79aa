from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.store import holidays, outbox
from counter.store.db import immediate


def refused_op(db: Database, now: datetime) -> str:
    holidays.set_day(db, date(2031, 2, 3), "holiday", "被拒", now)
    op = outbox.pending(db)[-1]
    with db.atomic():
        db.execute(
            "UPDATE outbox SET state = 'refused', refused_reason = '[clock_ahead] 时钟快'"
            " WHERE op_id = ?",
            [op.op_id],
        )
    return op.op_id


def test_refused_ops_are_listed_with_their_reason(db: Database, now: datetime) -> None:
    op_id = refused_op(db, now)
    listed = SyncService(db).refused()
    assert [(r.op_id, r.reason) for r in listed] == [(op_id, "[clock_ahead] 时钟快")]


def test_supervisor_resubmits_as_a_new_op_and_keeps_the_old(db: Database, now: datetime) -> None:
    op_id = refused_op(db, now)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    new_id = SyncService(db).resubmit(supervisor, op_id, now)
    assert [op.op_id for op in outbox.refused(db)] == [op_id]
    assert any(op.op_id == new_id for op in outbox.pending(db))
    assert SyncService(db).refused() == []


def test_a_refused_history_import_goes_again_as_an_ordinary_change(
    db: Database, now: datetime
) -> None:
    """The import closed with the counter's first ordinary op: sent again, the row is
    the supervisor's change of its table, judged by the central's ordinary rules."""
    with immediate(db):
        db.execute(
            "INSERT INTO outbox (seq, op_id, table_name, row_id, kind, payload, hlc,"
            " schema_version, created_at, state, refused_reason) VALUES (900, 'imp-1',"
            " 'case_events', 'ev-1', 'import', '{\"id\": \"ev-1\"}', '001700000000000-000000',"
            " 1, '2026-12-07T09:00:00+08:00', 'refused', '[not_permitted] 导入已经结束')"
        )
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    new_id = SyncService(db).resubmit(supervisor, "imp-1", now)
    again = next(op for op in outbox.pending(db) if op.op_id == new_id)
    assert (again.kind, again.table_name, again.payload) == ("event", "case_events", {"id": "ev-1"})
    assert again.actor == supervisor.staff.id


def test_clerk_may_not_act_on_refused_ops(db: Database, now: datetime) -> None:
    op_id = refused_op(db, now)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    with pytest.raises(NotAllowedError):
        SyncService(db).dismiss(clerk, op_id, now)


def test_a_refused_op_is_acted_on_once(db: Database, now: datetime) -> None:
    op_id = refused_op(db, now)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    SyncService(db).dismiss(supervisor, op_id, now)
    with pytest.raises(NotAllowedError):
        SyncService(db).resubmit(supervisor, op_id, now)
