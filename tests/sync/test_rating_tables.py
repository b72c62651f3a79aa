"""Ratings and follow-ups travel: registered for push, applied on pull like any row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from counter.model.ratings import Channel, Level, Scores
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.store import outbox
from counter.store.db import migrate
from counter.sync.protocol import Change
from counter.sync.tables import REGISTRY, row_statement
from tests.services.test_ratings_service import serve_ticket


def test_ratings_and_follow_ups_are_pushable() -> None:
    assert all(REGISTRY[t].pushable for t in ("ratings", "followups", "followup_notes"))


def test_a_bad_rating_pulled_elsewhere_lands_as_rows(db: Database, now: datetime) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    serve_ticket(db, clerk, now)
    ratings = RatingsService(db, CalendarService(db, Settings().working_hours), Settings())
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    ratings.rate(found.id, Scores(Level.VERY_DISSATISFIED), Channel.PAD, later)
    ops = [op for op in outbox.pending(db) if op.table_name in ("ratings", "followups")]
    assert [op.table_name for op in ops] == ["ratings", "followups"]
    other = Database(memory=True)
    migrate(other)
    for n, op in enumerate(ops, start=1):
        change = Change(cursor=n, table_name=op.table_name, row_id=op.row_id, kind=op.kind,  # type: ignore[arg-type]
                        payload=op.payload, hlc=op.hlc, origin="dev-a")  # fmt: skip
        columns = tuple(other[op.table_name].columns_dict)
        sql, args = row_statement(REGISTRY[op.table_name], change, columns)
        other.execute(sql, args)
    assert other.execute("SELECT level FROM ratings").fetchone()[0] == 1
    assert other.execute("SELECT state FROM followups").fetchone()[0] == "待回访"
