"""The central's row rules (counter.sync.row_shapes) say what the counters' schema says.

The rules are declared once, in code the central can run without a counter's store;
these tests open a fresh counter store and hold every declaration to it (columns,
types, required and nullable, keys, foreign keys), so a migration cannot move away
from the rule without a test failing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlite_utils import Database
from sync_support import decide_case

from counter.store import holidays, outbox
from counter.store.db import open_store
from counter.sync.protocol import Change
from counter.sync.row_shapes import (
    MAX_PAYLOAD_BYTES,
    REFERENCES,
    SEEDED,
    SHAPES,
    dependents,
    parents,
    shape_refusal,
)
from counter.sync.tables import REGISTRY, row_statement

#: The sync tests' own table (sync_support registers it): not the product's.
TEST_ONLY = {"sync_probe"}
ROWS = sorted(name for name, shape in SHAPES.items() if shape.row)
SQL_TYPES = {"text": "TEXT", "json": "TEXT", "integer": "INTEGER", "real": "REAL"}
#: Values that pass the table's CHECK constraints, which these rules do not restate.
SAMPLES = {
    ("holidays", "kind"): "holiday",
    ("tickets", "state"): "waiting",
    ("clerk_states", "state"): "idle",
}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A counter store as migrations make it, nothing seeded by the services."""
    return open_store(tmp_path_factory.mktemp("fresh") / "counter.db")


def table_info(db: Database, table: str) -> list[tuple[Any, ...]]:
    return db.execute(f"PRAGMA table_info([{table}])").fetchall()


def registry_pk(table: str) -> tuple[str, ...]:
    pk = REGISTRY[table].pk
    return (pk,) if isinstance(pk, str) else pk


def test_every_pushable_table_has_a_row_shape() -> None:
    pushable = {name for name, table in REGISTRY.items() if table.pushable} - TEST_ONLY
    assert set(SHAPES) == pushable


@pytest.mark.parametrize("table", ROWS)
def test_declared_columns_are_the_counter_tables_columns(fresh: Database, table: str) -> None:
    shape = SHAPES[table]
    info = table_info(fresh, table)
    assert [r[1] for r in info] == list(shape.columns)
    assert {r[1]: r[2] for r in info} == {
        name: SQL_TYPES[column.type] for name, column in shape.columns.items()
    }
    assert shape.pk == registry_pk(table)


@pytest.mark.parametrize("table", ROWS)
def test_required_and_nullable_columns_follow_not_null_and_defaults(
    fresh: Database, table: str
) -> None:
    shape = SHAPES[table]
    # One key column is taken from the op's row id when the payload leaves it out.
    key = set(shape.pk) if len(shape.pk) == 1 else set()
    info = table_info(fresh, table)
    schema_required = {r[1] for r in info if r[3] and r[4] is None} - key
    schema_nullable = {r[1] for r in info if not r[3]} - key
    declared = shape.columns.items()
    assert {n for n, c in declared if c.required} == schema_required - shape.filled
    assert {n for n, c in declared if c.nullable} - key == schema_nullable
    assert shape.filled <= set(shape.columns)


@pytest.mark.parametrize("table", ROWS)
def test_json_columns_are_declared_json(fresh: Database, table: str) -> None:
    """A TEXT column that defaults to a JSON list or object holds JSON: a counter may
    send it as the list itself (the counter writes it as JSON text)."""
    defaults_json = {r[1] for r in table_info(fresh, table) if r[4] in ("'[]'", "'{}'")}
    declared = {n for n, c in SHAPES[table].columns.items() if c.type == "json"}
    assert defaults_json <= declared


def test_references_are_the_foreign_keys_of_the_synced_tables(fresh: Database) -> None:
    found: dict[tuple[str, str], str] = {}
    for table in ROWS:
        for fk in fresh.execute(f"PRAGMA foreign_key_list([{table}])").fetchall():
            parent, column, to = fk[2], fk[3], fk[4]
            assert (to,) == registry_pk(parent), f"{table}.{column} names {parent} by {to}"
            found[(table, column)] = parent
    assert found == REFERENCES


def test_seeded_parents_are_in_every_new_store(fresh: Database) -> None:
    for table, keys in SEEDED.items():
        pk = registry_pk(table)[0]
        assert {r[0] for r in fresh.execute(f"SELECT [{pk}] FROM [{table}]")} == keys


def minimal_payload(table: str) -> dict[str, Any]:
    sample = {"text": "x", "json": "[]", "integer": 1, "real": 1.0}
    return {
        name: SAMPLES.get((table, name), sample[column.type])
        for name, column in SHAPES[table].columns.items()
        if column.required
    }


def write(db: Database, table: str, row_id: str, payload: dict[str, Any]) -> None:
    """Through the counter's generic row write, as a pull would."""
    change = Change(cursor=1, table_name=table, row_id=row_id, kind="upsert",
                    payload=payload, hlc="000000000000001-000000", origin="other")  # fmt: skip
    columns = tuple(r[1] for r in table_info(db, table))
    sql, args = row_statement(REGISTRY[table], change, columns)
    db.execute(sql, args)


def key_of(table: str, payload: dict[str, Any]) -> str:
    """The op's row id for this payload: one key column, or several joined by "/"."""
    pk = SHAPES[table].pk
    return "/".join(str(payload[c]) for c in pk) if len(pk) > 1 else "Z"


@pytest.mark.parametrize("table", ROWS)
def test_a_row_with_the_required_columns_is_one_a_counter_can_write(
    fresh: Database, table: str
) -> None:
    """What the rule lets through lands; leave out any required column and the counter's
    write fails on it. Each attempt is rolled back, so none meets another's row."""
    payload = minimal_payload(table)
    fresh.execute("PRAGMA foreign_keys = OFF")  # references are their own rule, above
    try:
        assert shape_refusal(table, "upsert", key_of(table, payload), payload) is None
        count = f"SELECT count(*) FROM [{table}]"
        before = fresh.execute(count).fetchone()[0]  # the seeded queue categories
        with rolled_back(fresh):
            write(fresh, table, key_of(table, payload), payload)
            assert fresh.execute(count).fetchone()[0] == before + 1
        for name in set(payload) - set(SHAPES[table].pk):
            short = {k: v for k, v in payload.items() if k != name}
            assert shape_refusal(table, "upsert", key_of(table, short), short) is not None
            with rolled_back(fresh), pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
                write(fresh, table, key_of(table, short), short)
    finally:
        fresh.execute("PRAGMA foreign_keys = ON")


@contextlib.contextmanager
def rolled_back(db: Database) -> Iterator[None]:
    db.execute("SAVEPOINT attempt")
    try:
        yield
    finally:
        db.execute("ROLLBACK TO attempt")
        db.execute("RELEASE attempt")


def test_the_ops_a_window_writes_pass_the_rules(db: Database, now: datetime) -> None:
    decide_case(db, "1", now)
    holidays.set_day(db, date(2031, 1, 5), "holiday", "测试", now)
    holidays.set_day(db, date(2031, 1, 5), None, "", now)
    ops = outbox.pending(db, 10_000)
    assert {"applicants", "cases", "case_events", "case_materials", "holidays"} <= {
        op.table_name for op in ops
    }
    for op in ops:
        assert shape_refusal(op.table_name, op.kind, op.row_id, op.payload) is None, op
        for parent, row_id in parents(op.table_name, op.kind, op.row_id, op.payload):
            pk = registry_pk(parent)[0]
            assert db.execute(f"SELECT 1 FROM [{parent}] WHERE [{pk}] = ?", [row_id]).fetchone()


def case_row(**changes: Any) -> dict[str, Any]:
    row = {
        "id": "c1", "number": "N1", "title": "t", "state": "accepted", "applicant_id": "a1",
        "applicant_kind": "enterprise", "applicant_name": "n", "applicant_id_number": "i",
        "clerk_id": "s", "clerk_name": "s", "window": "1", "catalog_version": "v",
        "created_at": "t", "received_at": "t", "updated_at": "t",
    }  # fmt: skip
    row.update(changes)
    return {k: v for k, v in row.items() if v is not ...}


def test_a_case_lacking_required_columns_is_refused_with_their_names() -> None:
    why = shape_refusal("cases", "upsert", "c1", case_row(state=..., window=...))
    assert why == "办件数据缺少必填字段：state、window"


def test_a_required_column_sent_as_null_counts_as_missing() -> None:
    assert shape_refusal("cases", "upsert", "c1", case_row(state=None)) == (
        "办件数据缺少必填字段：state"
    )


def test_a_value_of_the_wrong_type_is_refused() -> None:
    why = shape_refusal("cases", "upsert", "c1", case_row(position="3"))
    assert why is not None and "position 应为整数" in why
    assert shape_refusal("cases", "upsert", "c1", case_row(title=5)) is not None
    assert shape_refusal("cases", "upsert", "c1", case_row(promised_days="3")) is not None


def test_bools_for_integers_ints_for_reals_and_null_where_nullable_pass() -> None:
    row = case_row(rongque=True, promised_days=5, parent_id=None, accepted_at=None)
    assert shape_refusal("cases", "upsert", "c1", row) is None


def test_null_in_a_column_with_a_default_is_refused() -> None:
    """The counter's insert would write the null and fail its NOT NULL."""
    why = shape_refusal("cases", "upsert", "c1", case_row(position=None))
    assert why == "办件数据字段 position 不能为空"


def test_numbers_a_counter_cannot_store_are_refused() -> None:
    assert shape_refusal("cases", "upsert", "c1", case_row(position=2**63)) is not None
    assert shape_refusal("cases", "upsert", "c1", case_row(promised_days=float("nan"))) is not None
    assert shape_refusal("cases", "upsert", "c1", case_row(promised_days=True)) is not None


def test_columns_the_central_does_not_know_are_let_through() -> None:
    """A newer counter may send them; a counter without them drops them."""
    assert shape_refusal("cases", "upsert", "c1", case_row(added_in_2027="x")) is None


def test_a_key_that_is_not_the_ops_row_is_refused() -> None:
    why = shape_refusal("cases", "upsert", "c2", case_row())
    assert why is not None and "主键 id" in why and "c2" in why
    material = {"case_id": "c1", "material_id": "m1"}
    assert shape_refusal("case_materials", "delete", "c1/m1", material) is None
    assert shape_refusal("case_materials", "delete", "c1/m2", material) is not None
    assert shape_refusal("case_materials", "delete", "c1/m1", {"case_id": "c1"}) is not None


def test_a_key_left_out_is_taken_from_the_row_id() -> None:
    row = case_row()
    del row["id"]
    assert shape_refusal("cases", "upsert", "c1", row) is None


def test_a_delete_is_checked_for_its_key_only() -> None:
    """A holiday taken out is sent with its kind as null: a delete carries no row."""
    day = {"day": "2031-01-05", "kind": None, "name": ""}
    assert shape_refusal("holidays", "delete", "2031-01-05", day) is None
    assert shape_refusal("holidays", "delete", "2031-01-06", day) is not None


def test_an_absurdly_large_row_is_refused() -> None:
    why = shape_refusal("cases", "upsert", "c1", case_row(reason="办" * MAX_PAYLOAD_BYTES))
    assert why is not None and "过大" in why


def test_text_a_counter_cannot_store_is_refused() -> None:
    why = shape_refusal("cases", "upsert", "c1", case_row(reason="\ud800"))
    assert why is not None and "无法保存" in why


def test_a_local_id_that_collides_between_counters_is_refused() -> None:
    row = {"uid": "u1", "staff_id": "s", "staff_name": "s", "window": "1", "state": "idle",
           "at": "t", "day": "d"}  # fmt: skip
    assert shape_refusal("clerk_states", "insert", "u1", row) is None
    assert shape_refusal("clerk_states", "insert", "u1", {**row, "id": 7}) is not None


def test_a_ticket_in_the_first_nested_format_is_read_as_it_is_applied() -> None:
    ticket = {"id": "t1", "day": "2026-11-27", "category": "A", "number": "A001", "seq": 1,
              "issued_at": "t", "state": "waiting", "lane": 2, "queue_key": 1.5,
              "updated_at": "t"}  # fmt: skip
    assert shape_refusal("tickets", "upsert", "t1", {**ticket, "event": {}}) is None
    assert shape_refusal("tickets", "upsert", "t1", {"ticket": ticket, "event": "issue"}) is None
    del ticket["state"]
    assert shape_refusal("tickets", "upsert", "t1", {"ticket": ticket}) is not None


def test_a_holiday_year_table_must_hold_days_the_counter_can_replace() -> None:
    good = {"years": [2031], "rows": [["2031-01-01", "holiday", "元旦"]], "source": "x"}
    assert shape_refusal("holiday_years", "upsert", "2031", good) is None
    assert shape_refusal("holiday_years", "upsert", "2031", {**good, "years": "2031"}) is not None
    bad_rows = {**good, "rows": [["2031-01-01", "holiday"]]}
    assert shape_refusal("holiday_years", "upsert", "2031", bad_rows) is not None
    bad_kind = {**good, "rows": [["2031-01-01", "party", "x"]]}
    assert shape_refusal("holiday_years", "upsert", "2031", bad_kind) is not None


def test_tables_without_a_shape_are_not_this_rules_to_judge() -> None:
    assert shape_refusal("sync_probe", "event", "p", {"anything": object()}) is None


def test_a_row_needs_the_parents_it_names() -> None:
    assert parents("case_materials", "upsert", "c1/m1", {"case_id": "c1"}) == [("cases", "c1")]
    assert parents("case_events", "event", "e1", {"case_id": "c1"}) == [("cases", "c1")]
    assert parents("cases", "upsert", "c2", case_row(id="c2", parent_id="c1")) == [
        ("applicants", "a1"),
        ("cases", "c1"),
    ]


def test_a_row_naming_itself_or_a_seeded_row_needs_nothing_more() -> None:
    assert parents("cases", "upsert", "c1", case_row(parent_id="c1")) == [("applicants", "a1")]
    assert parents("tickets", "upsert", "t1", {"category": "A"}) == []
    assert parents("tickets", "upsert", "t1", {"ticket": {"category": "G"}}) == [
        ("queue_categories", "G")
    ]


def test_a_delete_needs_no_parents_but_a_parent_has_dependents() -> None:
    assert parents("case_materials", "delete", "c1/m1", {"case_id": "c1"}) == []
    assert set(dependents("cases")) == {
        ("cases", "parent_id"),
        ("case_events", "case_id"),
        ("case_materials", "case_id"),
    }
    assert dependents("holidays") == []
