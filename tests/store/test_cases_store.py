from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.model.cases import Case, CaseState
from counter.model.intake import Applicant, ApplicantKind
from counter.store import cases_store
from counter.store.cases_store import CaseFilter
from counter.store.db import immediate
from counter.store.migrations import MIGRATIONS


def make_case(now: datetime, n: int, name: str, **changes: object) -> Case:
    case = Case(
        id=f"case-{n}",
        number=f"20261127-001ABCD-{n:04d}",
        title="个人独资企业设立登记",
        state=CaseState.ACCEPTED,
        applicant_id=f"E:{n}",
        applicant_kind="企业",
        applicant_name=name,
        applicant_id_number=f"91350100M0001{n:05d}",
        applicant_phone=f"138{n:08d}",
        clerk_id="demo-002",
        clerk_name="李娜",
        window="1",
        catalog_version="v",
        created_at=now,
        received_at=now,
        updated_at=now,
        item_code="SCJG-0002",
        department="SCJG",
    )
    return replace(case, **changes)  # type: ignore[arg-type]


def save(db: Database, case: Case, now: datetime) -> None:
    with db.atomic():
        applicant = Applicant(
            ApplicantKind.ENTERPRISE,
            case.applicant_id.split(":")[1],
            case.applicant_name,
            case.applicant_phone,
        )
        cases_store.save_applicant(db, applicant, now)
        cases_store.insert_case(db, case, now)


@pytest.fixture
def stocked(db: Database, now: datetime) -> Database:
    for n, name in enumerate(["示范科技有限公司", "海峡贸易有限公司", "王记面馆"], start=1):
        save(db, make_case(now, n, name), now)
    return db


def ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


def test_three_characters_search_the_trigram_index(stocked: Database) -> None:
    assert sorted(ids(cases_store.search(stocked, "有限公"))) == ["case-1", "case-2"]
    assert ids(cases_store.search(stocked, "贸易有")) == ["case-2"]


def test_two_characters_fall_back_to_like(stocked: Database) -> None:
    assert ids(cases_store.search(stocked, "面馆")) == ["case-3"]


def test_a_case_number_uscc_and_phone_find_exactly_one(stocked: Database) -> None:
    assert ids(cases_store.search(stocked, "20261127-001abcd-0002")) == ["case-2"]
    assert ids(cases_store.search(stocked, "91350100M000100003")) == ["case-3"]
    assert ids(cases_store.search(stocked, "13800000001")) == ["case-1"]


def test_quotes_and_wildcards_in_a_query_are_plain_text(stocked: Database) -> None:
    assert cases_store.search(stocked, '"有限') == []
    assert cases_store.search(stocked, "%") == []
    assert cases_store.search(stocked, "a_b") == []


def test_the_index_follows_a_renamed_applicant(stocked: Database, now: datetime) -> None:
    case = cases_store.get_case(stocked, "case-3")
    assert case is not None
    with stocked.atomic():
        cases_store.update_case(stocked, replace(case, applicant_name="李记米线"), now)
    assert ids(cases_store.search(stocked, "李记米")) == ["case-3"]
    assert cases_store.search(stocked, "王记面") == []


def test_filters_narrow_the_list(stocked: Database, now: datetime) -> None:
    save(stocked, make_case(now, 4, "闽江物流有限公司", state=CaseState.DELIVERED), now)
    assert ids(cases_store.search(stocked, "", CaseFilter(state=CaseState.DELIVERED))) == ["case-4"]
    assert len(cases_store.search(stocked, "", CaseFilter(open_only=True))) == 3
    assert cases_store.search(stocked, "", CaseFilter(department="GA")) == []


def test_sequences_count_per_scope_inside_a_transaction(db: Database) -> None:
    with immediate(db):
        assert cases_store.next_sequence(db, "a") == 1
        assert cases_store.next_sequence(db, "a") == 2
        assert cases_store.next_sequence(db, "b") == 1


def test_a_sequence_outside_a_transaction_is_refused(db: Database) -> None:
    with pytest.raises(RuntimeError):
        cases_store.next_sequence(db, "a")


def test_search_columns_have_indexes(db: Database) -> None:
    indexed = {
        row[0]
        for row in db.execute(
            "SELECT il.name FROM sqlite_master m, pragma_index_list(m.name) l,"
            " pragma_index_info(l.name) il WHERE m.name = 'cases'"
        ).fetchall()
    }
    assert {"number", "applicant_id_number", "applicant_phone"} <= indexed


def test_a_case_round_trips_through_the_store(stocked: Database, now: datetime) -> None:
    assert cases_store.get_case(stocked, "case-1") == make_case(now, 1, "示范科技有限公司")


def test_two_characters_match_anywhere_in_any_case_one_only_name_starts_or_recently(
    stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cases_store, "RECENT_FOR_LIKE", 1)  # only the newest case
    assert ids(cases_store.search(stocked, "示范")) == ["case-1"]  # start of an old name
    assert ids(cases_store.search(stocked, "贸易")) == ["case-2"]  # middle of an older name
    assert ids(cases_store.search(stocked, "面馆")) == ["case-3"]  # middle, newest case
    assert ids(cases_store.search(stocked, "示")) == ["case-1"]  # start of an old name
    assert cases_store.search(stocked, "贸") == []  # one character: middles only recently
    assert ids(cases_store.search(stocked, "馆")) == ["case-3"]


def test_an_older_store_s_materials_are_kept_by_their_case_after_the_migration(
    tmp_path: Path, now: datetime
) -> None:
    """Store migration 0030 (issue 32) keeps case_materials by its (case, material) key,
    without the rowid and the index that held the key a second time: every row stays."""
    db = Database(tmp_path / "old.db")
    MIGRATIONS.apply(db, stop_before="0030_materials_by_case")
    rows = [
        {"case_id": f"case-{c}", "material_id": f"M-{m}", "position": m, "name": "营业执照",
         "form": "原件", "copies_required": 1, "required": 1, "rongque": 0,
         "shared_source": None, "asked_by": '["SCJG-0002"]', "status": "原件已收", "copies": 1,
         "promised_due": "2026-12-01" if m == 2 else None,
         "updated_at": "2026-11-27T10:00:00+08:00"}
        for c in range(3) for m in range(4)
    ]  # fmt: skip
    db["case_materials"].insert_all(rows)
    MIGRATIONS.apply(db)
    read = db.execute("SELECT * FROM case_materials ORDER BY case_id, position").fetchall()
    assert [dict(zip(rows[0], r, strict=True)) for r in read] == rows
    names = {
        r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'case_materials'")
    }
    assert names == {"case_materials"}  # no index of its own key beside the table
    with pytest.raises(sqlite3.OperationalError, match="rowid"):
        db.execute("SELECT rowid FROM case_materials")
