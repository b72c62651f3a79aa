"""Which queue a counter uses, and the offline queue's numbers from reserved blocks."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError
from counter.model.settings import Settings
from counter.services.central_queue import CentralQueue, OfflineQueue, open_queue
from counter.services.queue_service import LocalQueue


def reserve(db: Database, now: datetime, first: int, last: int) -> None:
    db["queue_blocks"].insert(
        {
            "category": "A",
            "numbering": now.date().isoformat(),
            "first_seq": first,
            "last_seq": last,
            "next_seq": first,
            "reserved_at": now.isoformat(),
        }
    )


def test_offline_numbers_come_from_the_reserved_block(db: Database, now: datetime) -> None:
    reserve(db, now, 41, 42)
    queue = OfflineQueue(db)
    assert [queue.issue("A", now).ticket.number for _ in range(2)] == ["A041", "A042"]


def test_an_exhausted_block_refuses_rather_than_reuse_a_number(db: Database, now: datetime) -> None:
    reserve(db, now, 7, 7)
    queue = OfflineQueue(db)
    queue.issue("A", now)
    with pytest.raises(NotAllowedError, match="没有可用的 A 类预留号码"):
        queue.issue("A", now)


def test_a_counter_on_its_own_uses_its_local_queue(db: Database) -> None:
    assert type(open_queue(db, Settings())) is LocalQueue


def test_an_enrolled_counter_uses_the_centrals_queue(db: Database) -> None:
    db.execute(
        "UPDATE sync_state SET central_url = 'http://127.0.0.1:9', device_token = 't' WHERE id = 1"
    )
    assert isinstance(open_queue(db, Settings()), CentralQueue)


def test_the_halls_published_queue_rules_apply_on_the_counter(db: Database) -> None:
    db["hall_settings"].insert({"key": "queue_interleave", "value": "0", "updated_at": ""})
    assert open_queue(db, Settings()).rules.call_rule.interleave == 0
