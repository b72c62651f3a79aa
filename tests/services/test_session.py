from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.errors import CounterError, NotAllowedError, RoleRefusedError, ValidationError
from counter.model.lockout import SignInLockedError, delay_after
from counter.model.staff import Role
from counter.services import session_trail
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.staff_service import StaffService
from counter.store import audit_log, staff_store

WRONG = "guess-1234"


def test_the_demo_supervisor_signs_in(db: Database, now: datetime) -> None:
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "3", now)
    assert session.staff.role is Role.SUPERVISOR and session.window == "3"


def test_a_wrong_password_is_named_as_such(db: Database, now: datetime) -> None:
    with pytest.raises(ValidationError) as err:
        sign_in(db, "lina", "not-the-password", "3", now)
    assert err.value.field == "password" and err.value.message == "工号或密码不正确"


def test_an_unknown_login_gets_the_same_answer_as_a_wrong_password(
    db: Database, now: datetime
) -> None:
    with pytest.raises(ValidationError) as err:
        sign_in(db, "nobody", DEMO_PASSWORD, "3", now)
    assert err.value.field == "password" and err.value.message == "工号或密码不正确"


def test_an_expired_certificate_is_refused_with_its_date(db: Database, now: datetime) -> None:
    with pytest.raises(NotAllowedError, match="2024-12-31"):
        sign_in(db, "zhaolei", DEMO_PASSWORD, "3", now)


def test_a_bad_window_number_is_refused(db: Database, now: datetime) -> None:
    with pytest.raises(ValidationError) as err:
        sign_in(db, "lina", DEMO_PASSWORD, "0", now)
    assert err.value.field == "window"


def refusals(db: Database, login: str, password: str, now: datetime, times: int) -> list[str]:
    """What each of ``times`` tries answers, as (kind, message)."""
    said = []
    for _ in range(times):
        with pytest.raises(CounterError) as err:
            sign_in(db, login, password, "3", now)
        said.append(f"{type(err.value).__name__}: {err.value}")
    return said


def test_seven_wrong_passwords_then_the_right_one_is_refused_until_the_delay_has_passed(
    db: Database, now: datetime
) -> None:
    refusals(db, "lina", WRONG, now, 7)
    with pytest.raises(SignInLockedError) as err:
        sign_in(db, "lina", DEMO_PASSWORD, "3", now + timedelta(seconds=59))
    assert err.value.message == (
        "登录失败次数过多，该工号暂停登录至 10:01:00，请稍后再试，或请值班长解锁"
    )
    assert sign_in(db, "lina", DEMO_PASSWORD, "3", now + timedelta(minutes=1)).staff.login == "lina"


def test_the_fifth_wrong_password_says_the_login_is_refused_until_when(
    db: Database, now: datetime
) -> None:
    said = refusals(db, "lina", WRONG, now, 5)
    assert said[:4] == ["ValidationError: password: 工号或密码不正确"] * 4
    assert said[4].startswith("SignInLockedError: ") and "10:01:00" in said[4]


def test_the_delay_doubles_with_each_failure_after_the_fifth_up_to_an_hour(
    db: Database, now: datetime
) -> None:
    minutes = [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert [delay_after(n).total_seconds() // 60 for n in range(4, 13)] == minutes
    refusals(db, "lina", WRONG, now, 5)
    at = now + timedelta(minutes=1)
    refusals(db, "lina", WRONG, at, 1)  # the sixth: two minutes from then
    with pytest.raises(SignInLockedError) as err:
        sign_in(db, "lina", DEMO_PASSWORD, "3", at + timedelta(minutes=1, seconds=59))
    assert err.value.until == at + timedelta(minutes=2)
    sign_in(db, "lina", DEMO_PASSWORD, "3", at + timedelta(minutes=2))


def test_signing_in_starts_the_count_again(db: Database, now: datetime) -> None:
    refusals(db, "lina", WRONG, now, 4)
    sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    said = refusals(db, "lina", WRONG, now, 5)
    assert said[3] == "ValidationError: password: 工号或密码不正确"
    assert said[4].startswith("SignInLockedError")


def test_an_unknown_login_is_counted_and_answered_exactly_as_a_real_one(
    db: Database, now: datetime
) -> None:
    real = refusals(db, "lina", WRONG, now, 7)
    unknown = refusals(db, "nobody", WRONG, now, 7)
    assert unknown == real
    assert unknown[-1].startswith("SignInLockedError")
    with pytest.raises(SignInLockedError):  # counted apart: lina is refused, zhangwei not
        sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    sign_in(db, "zhangwei", DEMO_PASSWORD, "3", now)


def test_the_supervisor_unlocks_a_refused_login(db: Database, now: datetime) -> None:
    refusals(db, "lina", WRONG, now, 5)
    clerk = sign_in(db, "zhaolei", DEMO_PASSWORD, "3", now.replace(year=2024, month=6))
    with pytest.raises(RoleRefusedError):
        StaffService(db).unlock_sign_in(clerk, "lina", now)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "3", now)
    assert StaffService(db).unlock_sign_in(supervisor, "lina", now) == 5
    assert sign_in(db, "lina", DEMO_PASSWORD, "3", now).staff.login == "lina"
    entry = audit_log.entries(db)[-1]
    assert (entry["action"], entry["staff_id"]) == ("staff", supervisor.staff.id)
    detail = {"event": "unlock_sign_in", "login": "lina", "failures": 5}
    assert json.loads(entry["detail"]) == detail


def test_every_refusal_is_in_the_audit_log_with_the_login_typed_and_never_the_password(
    db: Database, now: datetime
) -> None:
    lina = staff_store.find_by_login(db, "lina")
    assert lina is not None
    staff_store.save_staff(db, dataclasses.replace(lina, login="gone", id="x-1", active=False), now)
    tries = [
        ("lina", WRONG),
        ("nobody", WRONG),
        ("zhaolei", DEMO_PASSWORD),
        ("gone", DEMO_PASSWORD),
        *[("wangqiang", WRONG)] * 5,
        ("wangqiang", DEMO_PASSWORD),
    ]
    for login, password in tries:
        with pytest.raises(CounterError):
            sign_in(db, login, password, "3", now)
    entries = audit_log.entries(db)
    details = [json.loads(e["detail"]) for e in entries]
    assert [(d["login"], d["reason"]) for d in details] == [
        ("lina", "password"),
        ("nobody", "unknown_login"),
        ("zhaolei", "certificate"),
        ("gone", "inactive"),
        *[("wangqiang", "password")] * 5,
        ("wangqiang", "locked"),
    ]
    assert {d["event"] for d in details} == {"sign_in_refused"}
    assert {(e["action"], e["staff_id"], e["staff_name"]) for e in entries} == {
        ("session", "station:登录", "登录")
    }
    assert entries[1]["target"] == "login:nobody" and entries[0]["target"] == f"staff:{lina.id}"
    assert details[-1]["until"].startswith("2026-11-27T10:01:00")
    assert all(WRONG not in str(e) and DEMO_PASSWORD not in str(e) for e in entries)


def test_wrong_passwords_at_the_screen_lock_are_counted_and_recorded(
    db: Database, now: datetime
) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    for _ in range(4):
        with pytest.raises(ValidationError, match="密码不正确"):
            session_trail.unlock(db, clerk, WRONG, now)
    with pytest.raises(SignInLockedError):
        session_trail.unlock(db, clerk, WRONG, now)
    with pytest.raises(SignInLockedError):
        session_trail.unlock(db, clerk, DEMO_PASSWORD, now)
    details = [json.loads(e["detail"]) for e in audit_log.entries(db)]
    assert [d["reason"] for d in details] == ["password"] * 5 + ["locked"]
    assert {e["staff_id"] for e in audit_log.entries(db)} == {clerk.staff.id}
    session_trail.unlock(db, clerk, DEMO_PASSWORD, now + timedelta(minutes=1))
