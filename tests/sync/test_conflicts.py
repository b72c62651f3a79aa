"""Concurrent edits through a real central: merged where the domain allows, listed on
the hall's 同步冲突 list where it does not, and settled by a supervisor's signed op —
never one window's work overwritten without a trace (issue 25)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sync_support import (
    Central,
    check_converged,
    client_for,
    new_counter,
    seeded_counter,
    services,
    settle,
    take_case,
)

from counter.model.cases import Action, CaseState
from counter.model.errors import NotAllowedError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.store import holidays


def _case_id(db: object, number: str) -> str:
    _, cases = services(db)  # type: ignore[arg-type]
    found = cases.by_number(number)
    assert found is not None
    return found.id


def test_two_windows_deciding_one_case_offline_list_a_conflict_and_the_hall_converges(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central, window="3")
    b = seeded_counter(seeded_template, tmp_path / "b.db", central, window="5")
    c = seeded_counter(seeded_template, tmp_path / "c.db", central, window="7")
    number = take_case(a, "3", now)
    settle([client_for(a, central), client_for(b, central), client_for(c, central)])
    case_id = _case_id(b, number)

    # Both offline: window 3 approves, window 5 terminates the same case.
    later = now + timedelta(minutes=5)
    _, cases_a = services(a)
    clerk_a = sign_in(a, "lina", DEMO_PASSWORD, "3", later)
    cases_a.act(clerk_a, case_id, Action.START, later)
    cases_a.act(clerk_a, case_id, Action.APPROVE, later)
    _, cases_b = services(b)
    clerk_b = sign_in(b, "lina", DEMO_PASSWORD, "5", later + timedelta(minutes=1))
    cases_b.act(clerk_b, case_id, Action.TERMINATE, later, reason="申请人撤回申请")

    clients = [client_for(a, central), client_for(b, central), client_for(c, central)]
    settle(clients)
    check_converged(central, [a, b, c])
    for db in (a, b, c):
        _, cases = services(db)
        assert cases.get(case_id).state is CaseState.APPROVED
        listed = SyncService(db).conflicts()
        assert len(listed) == 1, db
    conflict = SyncService(c).conflicts()[0]
    assert conflict.table_name == "cases" and number in conflict.label
    state = next(x for x in conflict.clashes if x.field == "state")
    assert (state.kept, state.lost) == (CaseState.APPROVED.value, CaseState.TERMINATED.value)
    assert (conflict.kept_by.window, conflict.lost_by.window) == ("3", "5")
    assert conflict.lost_by.staff_name and conflict.kept_by.staff_name
    # Nothing of the lost decision is dropped: its event stays in the history too.
    history = [e.action for e in cases_a.detail(case_id, later).events]
    assert Action.TERMINATE in history and Action.APPROVE in history

    # The supervisor at window 7 takes the other version: signed, carried out by the
    # central, and every window follows.
    boss = sign_in(c, "zhangwei", DEMO_PASSWORD, "7", later + timedelta(hours=1))
    SyncService(c).resolve_conflict(boss, conflict.id, "taken", later + timedelta(hours=1))
    with pytest.raises(NotAllowedError):
        SyncService(c).resolve_conflict(boss, conflict.id, "kept", later + timedelta(hours=1))
    settle(clients)
    check_converged(central, [a, b, c])
    for db in (a, b, c):
        _, cases = services(db)
        assert cases.get(case_id).state is CaseState.TERMINATED
        assert SyncService(db).conflicts() == []
        (settled,) = SyncService(db).conflicts(settled=True)
        assert (settled.choice, settled.resolved_by_name) == ("taken", boss.staff.name)
    audited = c.execute(
        "SELECT action, detail FROM audit_log WHERE target = ?", [f"sync_conflicts:{conflict.id}"]
    ).fetchall()
    assert [(row[0], json.loads(row[1])["choice"]) for row in audited] == [("override", "taken")]


def test_a_clerk_cannot_settle_a_conflict(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central, window="3")
    clerk = sign_in(a, "lina", DEMO_PASSWORD, "3", now)
    with pytest.raises(NotAllowedError):
        SyncService(a).resolve_conflict(clerk, "conflict-x", "taken", now)


def test_edits_of_different_fields_made_offline_merge_without_a_conflict(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central, supervised=True)
    day = date(2031, 10, 9)
    holidays.set_day(a, day, "holiday", "初设", datetime.now().astimezone())
    settle([client_for(a, central), client_for(b, central)])
    # a changes what the day is, b (later, offline) only its name.
    holidays.set_day(a, day, "workday", "初设", datetime.now().astimezone())
    holidays.set_day(b, day, "holiday", "改名", datetime.now().astimezone())
    settle([client_for(a, central), client_for(b, central)])
    check_converged(central, [a, b])
    for db in (a, b):
        row = db.execute("SELECT kind, name FROM holidays WHERE day = ?", [day.isoformat()])
        assert row.fetchone() == ("workday", "改名")
        assert SyncService(db).conflicts() == []


def test_equal_clock_readings_from_two_devices_converge_and_list_the_loser(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central, supervised=True)
    day = date(2031, 11, 12)
    same = datetime.now().astimezone().replace(microsecond=0)
    holidays.set_day(a, day, "holiday", "甲", same)
    holidays.set_day(b, day, "workday", "乙", same)
    clocks = {db.execute("SELECT hlc FROM outbox").fetchone()[0] for db in (a, b)}
    assert len(clocks) == 1  # the very same reading at both devices
    settle([client_for(a, central), client_for(b, central)])
    check_converged(central, [a, b])
    names = {db.execute("SELECT name FROM holidays").fetchone()[0] for db in (a, b)}
    assert len(names) == 1
    assert len(SyncService(a).conflicts()) == 1
