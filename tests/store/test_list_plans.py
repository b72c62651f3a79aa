"""What the 办件 page reads on opening walks an index and stops at its LIMIT, whatever
the store's size, and two-character search covers the whole store (issue 32).

Plans are pinned with EXPLAIN QUERY PLAN on the statements the store really runs, with
and without the planner's statistics; nothing here is timed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from counter.model.cases import CaseState
from counter.model.clock import HALL_TZ, iso
from counter.model.figures import MaterialTotals
from counter.store import cases_store
from counter.store.cases_store import CaseFilter
from counter.store.db import open_store, record_check

START = datetime(2025, 1, 2, 9, 0, tzinfo=HALL_TZ)
STATES = list(CaseState)
COLUMNS = (
    "id, number, parent_id, title, department, state, applicant_id, applicant_kind,"
    " applicant_name, applicant_id_number, agent_name, clerk_id, clerk_name, window,"
    " catalog_version, created_at, received_at, updated_at, asked_count, naive_count,"
    " exempt_count"
)


def case_rows(count: int, first: int = 0) -> Iterator[tuple[Any, ...]]:
    """Cases over a year: a bundle with two sub-cases every tenth, eight clerks, four
    departments, every state."""
    for n in range(first, first + count):
        at = iso(START + timedelta(minutes=n))
        top = (
            f"c{n}", f"N{n:07d}", None, "事项", f"D{n % 4}", STATES[n % len(STATES)].value,
            "E:x", "企业", f"福州{n % 97}号贸易有限公司", f"91{n:016d}", "", f"clerk-{n % 8}",
            f"人员{n % 8}", "1", "v", at, at, at, 3, 5, 1,
        )  # fmt: skip
        yield top
        if n % 10 == 0:
            for k in range(2):
                yield (f"c{n}-{k}", f"N{n:07d}-{k}", f"c{n}", "子项", f"D{(n + k + 1) % 4}",
                       top[5], *top[6:18], 0, 0, 0)  # fmt: skip


def fill(db: Database, rows: Iterator[tuple[Any, ...]]) -> None:
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO applicants (id, kind, id_number, name, updated_at)"
            " VALUES ('E:x', '企业', '', '', ?)",
            [iso(START)],
        )
        db.conn.executemany(
            f"INSERT INTO cases ({COLUMNS}) VALUES ({', '.join('?' * 21)})", list(rows)
        )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = open_store(tmp_path_factory.mktemp("plans") / "counter.db")
    fill(db, case_rows(3000))
    yield db
    db.close()


def statements(db: Database, action: Any) -> list[tuple[str, list[Any]]]:
    """The SELECTs ``action`` runs on ``db``, with their parameters."""
    ran: list[tuple[str, list[Any]]] = []
    real = db.execute

    def execute(sql: str, params: Any = None) -> sqlite3.Cursor:
        ran.append((sql, list(params or [])))
        return real(sql, params) if params is not None else real(sql)

    db.execute = execute  # type: ignore[method-assign]
    try:
        action()
    finally:
        del db.execute
    return [
        (sql, params) for sql, params in ran if sql.lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def plan(db: Database, sql: str, params: list[Any]) -> str:
    return "\n".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())


FILTERS = {
    "none": CaseFilter(),
    "state": CaseFilter(state=CaseState.PAUSED),
    "clerk": CaseFilter(clerk_id="clerk-3"),
    "department": CaseFilter(department="D2"),
    "state and clerk": CaseFilter(state=CaseState.ACCEPTED, clerk_id="clerk-1"),
}


@pytest.mark.parametrize("statistics", ["none", "analyzed"])
@pytest.mark.parametrize("name", list(FILTERS))
def test_the_default_list_walks_an_index_newest_first(
    history: Database, name: str, statistics: str
) -> None:
    history.execute("DROP TABLE IF EXISTS sqlite_stat1")
    if statistics == "analyzed":
        history.execute("ANALYZE")
    history.conn.commit()
    ran = statements(history, lambda: cases_store.search(history, "", FILTERS[name]))
    assert ran
    for sql, params in ran:
        shown = plan(history, sql, params)
        assert "USE TEMP B-TREE FOR ORDER BY" not in shown, shown
        assert "USING INDEX cases_" in shown, shown
        assert "SCAN cases\n" not in f"{shown}\n", shown


def test_statistics_from_a_small_store_do_not_turn_the_list_into_a_sort(
    tmp_path: Path,
) -> None:
    db = open_store(tmp_path / "counter.db")
    fill(db, case_rows(20))
    db.execute("ANALYZE")
    db.conn.commit()
    record_check(db, "analyze", "ok", datetime.now().astimezone())  # not again for a week
    fill(db, case_rows(3000, first=20))
    db.close()
    db = open_store(tmp_path / "counter.db")  # reads the stale statistics
    assert (
        db.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'cases_created'")
        .fetchone()[0]
        .startswith("2")
    )
    for flt in FILTERS.values():
        for sql, params in statements(db, lambda f=flt: cases_store.search(db, "", f)):
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan(db, sql, params)
    db.close()


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_default_list_is_the_newest_top_level_cases_the_filter_lets_through(
    history: Database, name: str
) -> None:
    flt = FILTERS[name]
    found = cases_store.search(history, "", flt, limit=50)
    where = ["parent_id IS NULL"]
    params: list[Any] = []
    if flt.state:
        where.append("state = ?")
        params.append(flt.state.value)
    if flt.clerk_id:
        where.append("clerk_id = ?")
        params.append(flt.clerk_id)
    if flt.department:
        where.append("(department = ? OR id IN (SELECT parent_id FROM cases WHERE department = ?))")
        params += [flt.department, flt.department]
    expected = history.execute(
        f"SELECT id FROM cases NOT INDEXED WHERE {' AND '.join(where)}"
        " ORDER BY created_at DESC LIMIT 50",
        params,
    ).fetchall()
    assert [c.id for c in found] == [r[0] for r in expected]


@pytest.mark.parametrize("lister", [cases_store.clerks_in_use, cases_store.departments_in_use])
def test_the_filter_lists_step_through_an_index_rather_than_read_every_case(
    history: Database, lister: Any
) -> None:
    for sql, params in statements(history, lambda: lister(history)):
        shown = plan(history, sql, params)
        assert "SCAN cases\n" not in f"{shown}\n" and "USING COVERING INDEX" in shown, shown


def test_the_filter_lists_name_everyone_and_every_department_once(history: Database) -> None:
    assert cases_store.clerks_in_use(history) == [(f"clerk-{n}", f"人员{n}") for n in range(8)]
    assert cases_store.departments_in_use(history) == ["D0", "D1", "D2", "D3"]


def test_the_material_figures_are_the_sums_of_the_cases(history: Database) -> None:
    counted = history.execute(
        "SELECT count(*), sum(asked_count), sum(naive_count), sum(exempt_count) FROM cases"
        " WHERE parent_id IS NULL AND naive_count > 0"
    ).fetchone()
    assert cases_store.material_totals(history) == MaterialTotals(*counted)


def test_two_characters_find_a_case_older_than_twenty_thousand_newer_ones(
    db: Database,
) -> None:
    fill(db, case_rows(cases_store.RECENT_FOR_LIKE + 50))
    db.execute("UPDATE cases SET applicant_name = '闽侯榕树餐饮店' WHERE id = 'c1'")
    assert [c.id for c in cases_store.search(db, "榕树")] == ["c1"]
    for sql, params in statements(db, lambda: cases_store.search(db, "榕树")):
        assert "SCAN cases\n" not in f"{plan(db, sql, params)}\n"


def test_two_character_pieces_follow_renames_agents_and_deletions(db: Database) -> None:
    fill(db, case_rows(5))
    db.execute(
        "UPDATE cases SET applicant_name = '海峡物流', agent_name = '王小明' WHERE id = 'c3'"
    )
    assert [c.id for c in cases_store.search(db, "物流")] == ["c3"]
    assert [c.id for c in cases_store.search(db, "小明")] == ["c3"]
    assert cases_store.search(db, "贸易") != [] and "c3" not in [
        c.id for c in cases_store.search(db, "贸易")
    ]
    db.execute("DELETE FROM cases WHERE id = 'c3'")
    assert cases_store.search(db, "物流") == []
    assert db.execute("SELECT count(*) FROM case_bigrams WHERE gram = '物流'").fetchone()[0] == 0


NAMES = st.text(alphabet="福州贸易有限公司王李AbC%_ ", min_size=0, max_size=8)
QUERIES = st.text(alphabet="福州贸易有限公司王李aBc%_", min_size=2, max_size=2)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=6), query=QUERIES)
def test_two_character_search_finds_what_a_scan_of_every_name_finds(
    db: Database, names: list[tuple[str, str]], query: str
) -> None:
    db.execute("DELETE FROM cases")
    for n, (applicant, agent) in enumerate(names):
        fill(db, case_rows(1, first=n + 1))
        db.execute(
            "UPDATE cases SET applicant_name = ?, agent_name = ? WHERE id = ?",
            [applicant, agent, f"c{n + 1}"],
        )
    text = query
    found = {c.id for c in cases_store.search(db, text)}
    lowered = text.lower()
    exact = {
        r[0]
        for r in db.execute(
            "SELECT id FROM cases WHERE number = ? OR applicant_id_number = ?"
            " OR applicant_phone = ?",
            [text.upper(), text.upper(), text],
        ).fetchall()
    }
    expected = exact or {
        f"c{n + 1}"
        for n, (applicant, agent) in enumerate(names)
        if lowered in applicant.lower() or lowered in agent.lower()
    }
    assert found == expected


def test_the_follow_ups_page_reads_the_open_ones_and_the_newest_closed_to_a_limit(
    db: Database,
) -> None:
    """整改与诉求: every open follow-up (the work), and of a year's closed ones only the
    newest, through indexes, so opening the page does not grow with history."""
    from counter.model.followups import FollowUpKind, FollowUpState
    from counter.store import ratings_store

    start = datetime(2026, 1, 5, 9, 0, tzinfo=HALL_TZ)
    closed_state = next(s for s in FollowUpState if s.closed)
    open_state = next(s for s in FollowUpState if not s.closed)
    rows = []
    for n in range(260):
        at = start + timedelta(hours=n)
        rows.append({
            "id": f"f{n}", "kind": FollowUpKind.BAD_REVIEW.value,
            "state": (open_state if n % 50 == 0 else closed_state).value,
            "opened_at": iso(at), "who": "王", "matter": "差评", "final_due": iso(at),
            "closed_at": None if n % 50 == 0 else iso(at + timedelta(days=1)),
            "updated_at": iso(at),
        })  # fmt: skip
    db["followups"].insert_all(rows)
    found = ratings_store.followups(db, [FollowUpKind.BAD_REVIEW], closed=100)
    opened = [f.id for f in found if f.closed_at is None]
    closed = [f.id for f in found if f.closed_at is not None]
    assert sorted(opened) == sorted(f"f{n}" for n in range(0, 260, 50))
    assert closed == [f"f{n}" for n in range(259, -1, -1) if n % 50][:100]
    for sql in (
        "SELECT * FROM followups INDEXED BY followups_open WHERE closed_at IS NULL AND kind IN (?)",
        "SELECT * FROM followups INDEXED BY followups_closed WHERE closed_at IS NOT NULL"
        " AND kind IN (?) ORDER BY closed_at DESC LIMIT ?",
    ):
        shown = plan(db, sql, [FollowUpKind.BAD_REVIEW.value, 100][: sql.count("?")])
        assert "USING INDEX" in shown and "TEMP B-TREE" not in shown, shown


def test_the_guide_desks_missed_slips_read_no_whole_table(db: Database) -> None:
    """Polled every few seconds on a supervisor's window: the last half hour's tickets
    through the date index, and whether each was reprinted through the reprint index."""
    sql = (
        "SELECT id FROM print_jobs AS j WHERE kind = 'ticket' AND created_at >= ?"
        " AND NOT EXISTS (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = j.id)"
        " ORDER BY created_at DESC"
    )
    shown = plan(db, sql, ["2026-11-27T09:30:00+08:00"])
    assert "SCAN" not in shown, shown
