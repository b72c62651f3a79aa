"""A pull never stalls on a change it cannot apply: it keeps it, reports it, carries on.

One bad change in the central's log (a case deleted under its materials, a case row
missing required columns) used to fail every pull of every counter behind it, and of
every counter enrolled after, with 同步：无法读取本机数据 on every tick (issue 25).
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database
from sync_support import (
    PROBE_DDL,
    Central,
    client_for,
    decide_case,
    wall_clock,
    write_probe,
)

from counter.model.clock import Hlc
from counter.model.devices import DeviceKind
from counter.services.sync_service import SyncService
from counter.store import outbox
from counter.store.db import immediate, open_store
from counter.sync.client import SyncClient, enrol, read_pull_failures, read_status
from counter.sync.protocol import Change
from counter.sync.tables import REGISTRY, PulledTable
from counter.sync.transport import Response

POISON_DEVICE = "poison-device"
HLC = "001800000000000-000000"


def poison(central: Central, table: str, row_id: str, kind: str, payload: dict[str, Any]) -> None:
    """A change the central should never have taken, put straight into its change log,
    newer than anything a counter holds."""
    engine = central.engine
    hlc = Hlc(int(time.time() * 1000) + 60_000).encode()
    with engine._write() as cur:
        engine._log(cur, table, row_id, kind, json.dumps(payload), hlc, POISON_DEVICE)


def enrolled_copy(template: Path, path: Path, central: Central, window: str) -> Database:
    """As ``seeded_counter``, with the tests' probe table, and not pulled yet."""
    shutil.copy(template, path)
    db = open_store(path)
    db.execute(PROBE_DDL)
    with immediate(db):
        db.execute("UPDATE device SET device_id = ? WHERE id = 1", [str(uuid.uuid4())])
    central.publish_staff()
    enrol(db, central.url, central.code(DeviceKind.WINDOW, window), name=path.stem)
    return db


def last_cursor(central: Central) -> int:
    return int(central.engine.scalar("SELECT max(cursor) FROM changes"))


def count(db: Database, sql: str, args: list[Any] | None = None) -> int:
    return int(db.execute(sql, args or []).fetchone()[0])


def test_counters_pull_past_poison_changes_and_keep_them(
    central: Central, tmp_path: Path, seeded_template: Path
) -> None:
    a = enrolled_copy(seeded_template, tmp_path / "a.db", central, window="1")
    client_for(a, central).pull()
    case = decide_case(a, "1", wall_clock()).case
    assert client_for(a, central).step().error == ""
    materials = count(a, "SELECT count(*) FROM case_materials WHERE case_id = ?", [case.id])
    assert materials > 0

    poison(central, "case_materials", "no-such-case/m1", "upsert",
           {"case_id": "no-such-case", "material_id": "m1", "position": 1, "name": "x",
            "form": "原件", "copies_required": 1, "required": 1, "rongque": 0,
            "status": "pending", "updated_at": "2026-11-27T10:00:00.000+08:00"})  # fmt: skip
    poison(central, "cases", case.id, "delete", {"id": case.id})
    poison(central, "cases", "half-a-case", "upsert", {"id": "half-a-case", "number": "N-X"})
    probes = [write_probe(a, n) for n in range(3)]
    sync_a = client_for(a, central)
    result = sync_a.step()
    assert result.online and result.error == "", result

    # The counter that was behind the poison: past it, every good change in.
    assert sync_a.cursor() == last_cursor(central)
    assert count(a, "SELECT count(*) FROM sync_probe") == len(probes)
    assert count(a, "SELECT count(*) FROM cases WHERE id = ?", [case.id]) == 1
    assert read_status(a).pull_failures == 3

    # A counter enrolled after it: the whole log, the good rows applied, the bad kept.
    b = enrolled_copy(seeded_template, tmp_path / "b.db", central, window="2")
    sync_b = client_for(b, central)
    assert sync_b.pull() >= 0
    assert sync_b.cursor() == last_cursor(central)
    assert count(b, "SELECT count(*) FROM cases WHERE id = ?", [case.id]) == 1
    assert count(b, "SELECT count(*) FROM case_materials WHERE case_id = ?", [case.id]) == (
        materials
    )
    assert count(b, "SELECT count(*) FROM case_events WHERE case_id = ?", [case.id]) >= 1
    assert count(b, "SELECT count(*) FROM sync_probe") == len(probes)
    assert count(b, "SELECT count(*) FROM cases WHERE id = 'half-a-case'") == 0
    assert count(b, "SELECT count(*) FROM case_materials WHERE case_id = 'no-such-case'") == 0
    kept = read_pull_failures(b)
    assert [(f.table_name, f.row_id, f.kind) for f in kept] == [
        ("case_materials", "no-such-case/m1", "upsert"),
        ("cases", case.id, "delete"),
        ("cases", "half-a-case", "upsert"),
    ]
    assert "FOREIGN KEY" in kept[0].error and "NOT NULL" in kept[2].error

    # The next steps do not fail, and try the kept changes again (still no parent).
    for _ in range(2):
        result = sync_b.step()
        assert result.online and result.error == "", result
    status = read_status(b)
    assert status.pull_failures == 3 and status.last_error == "" and not status.blocked
    # Tried when first met, again at the end of that pull, and once a sync since.
    assert [f.attempts for f in read_pull_failures(b)] == [4, 4, 4]

    # The sync page's list, through the service, in words a supervisor can pass on.
    listed = SyncService(b).pull_failures()
    assert [(f.table_label, f.row_id) for f in listed] == [
        ("材料清单", "no-such-case/m1"),
        ("办件", case.id),
        ("办件", "half-a-case"),
    ]
    assert "本机不存在" in listed[0].reason and "缺少必填字段" in listed[2].reason


class Pages:
    """A central that answers pulls from a list of pages."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.cursor = 0

    def request(self, method: str, path: str, *, body=None, params=None) -> Response:  # type: ignore[no-untyped-def]
        assert (method, path) == ("GET", "/v1/pull")
        changes = self.pages.pop(0) if self.pages else []
        self.cursor += len(changes)
        return Response(200, {"changes": changes, "cursor": self.cursor, "more": False})


def pulled(ops: list[outbox.Op], start: int) -> list[dict[str, Any]]:
    """Another counter's ops as they come down the change log."""
    return [
        {"cursor": start + n, "table_name": op.table_name, "row_id": op.row_id,
         "kind": op.kind, "payload": op.payload, "hlc": op.hlc, "origin": "other"}
        for n, op in enumerate(ops)
    ]  # fmt: skip


def fresh_store(tmp_path: Path, now: datetime) -> Database:
    """Another counter, as migrations make it: nothing pulled yet."""
    db = open_store(tmp_path / "other.db")
    outbox.ensure_device(db, now)
    return db


def puller(db: Database, pages: Pages, now: datetime) -> SyncClient:
    return SyncClient(db, pages, clock=lambda: now, sleep=lambda s: None, rng=random.Random(1))


def test_a_kept_child_lands_once_its_parent_arrives(
    db: Database, now: datetime, tmp_path: Path
) -> None:
    decide_case(db, "1", now)
    ops = outbox.pending(db, 10_000)
    parents = [op for op in ops if op.table_name in ("applicants", "cases")]
    children = [op for op in ops if op.table_name == "case_materials"]
    assert parents and children
    other = fresh_store(tmp_path, now)
    first = pulled(children, 1)
    pages = Pages([first, pulled(parents, len(first) + 1)])
    sync = puller(other, pages, now)

    assert sync.pull() == 0
    assert read_status(other).pull_failures == len(children)
    assert sync.cursor() == len(first)

    sync.pull()
    assert read_status(other).pull_failures == 0
    assert count(other, "SELECT count(*) FROM case_materials") == len(children)
    assert sync.cursor() == len(first) + len(parents)


def test_a_page_with_one_bad_change_lands_its_good_ones(
    db: Database, now: datetime, tmp_path: Path
) -> None:
    decide_case(db, "1", now)
    ops = [op for op in outbox.pending(db, 10_000) if op.table_name != "audit_log"]
    page = pulled(ops, 1)
    material = next(c for c in page if c["table_name"] == "case_materials")
    stray = {**material["payload"], "case_id": "x"}
    page.insert(2, {**material, "row_id": f"x/{stray['material_id']}", "payload": stray})
    for n, change in enumerate(page, start=1):
        change["cursor"] = n
    other = fresh_store(tmp_path, now)
    sync = puller(other, Pages([page]), now)

    assert sync.pull() == len(ops)
    assert [(f.cursor, f.row_id) for f in read_pull_failures(other)] == [
        (3, f"x/{stray['material_id']}")
    ]
    assert count(other, "SELECT count(*) FROM cases") == 1
    assert sync.cursor() == len(page)


def test_an_exception_in_a_tables_own_apply_is_kept_like_any_bad_row(
    db: Database, now: datetime, tmp_path: Path
) -> None:
    good = {"years": [2031], "rows": [["2031-01-01", "holiday", "元旦"]], "source": "x"}
    page = [
        {"cursor": 1, "table_name": "holiday_years", "row_id": "bad", "kind": "upsert",
         "payload": {"years": "2031", "rows": []}, "hlc": HLC, "origin": "other"},
        {"cursor": 2, "table_name": "holiday_years", "row_id": "2031", "kind": "upsert",
         "payload": good, "hlc": HLC, "origin": "other"},
    ]  # fmt: skip
    other = fresh_store(tmp_path, now)
    sync = puller(other, Pages([page]), now)
    assert sync.pull() == 1
    assert [f.row_id for f in read_pull_failures(other)] == ["bad"]
    assert count(other, "SELECT count(*) FROM holidays WHERE day = '2031-01-01'") == 1


def test_a_fault_of_the_store_fails_the_page_instead_of_setting_rows_aside(
    now: datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full or locked disk is not the rows' fault: nothing is kept, the cursor stays,
    and the same page comes again on the next pull."""

    def full_disk(db: Database, change: Change, now: datetime) -> None:
        fault = sqlite3.OperationalError("database or disk is full")
        fault.sqlite_errorname = "SQLITE_FULL"  # type: ignore[misc]
        raise fault

    monkeypatch.setitem(
        REGISTRY, "disk_probe", PulledTable("disk_probe", pushable=False, apply=full_disk)
    )
    change = {"cursor": 1, "table_name": "disk_probe", "row_id": "r", "kind": "event",
              "payload": {}, "hlc": HLC, "origin": "other"}  # fmt: skip
    other = fresh_store(tmp_path, now)
    sync = puller(other, Pages([[change]]), now)
    with pytest.raises(sqlite3.OperationalError):
        sync.pull()
    assert read_status(other).pull_failures == 0
    assert sync.cursor() == 0
