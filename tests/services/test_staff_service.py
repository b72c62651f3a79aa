"""A standalone counter's demo accounts give way to real ones, set by its supervisor."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import RoleRefusedError, ValidationError
from counter.services.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.staff_service import StaffService
from counter.store import audit_log
from counter.sync.client import Grant, keep_token

REAL = "正式密码-2026"


def every_login(password: str | None = REAL) -> dict[str, str | None]:
    return {a.login: password for a in DEMO_ACCOUNTS}


def test_a_new_store_is_marked_as_running_on_demo_accounts(db: Database) -> None:
    assert StaffService(db).demo_in_use()


def test_the_supervisor_gives_each_person_a_real_password_and_the_demo_one_stops_working(
    db: Database, now: datetime
) -> None:
    service = StaffService(db)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    passwords = {**every_login(), "zhaolei": None}
    made = service.replace_demo_accounts(supervisor, passwords, now)
    assert sorted(made) == sorted(a.login for a in DEMO_ACCOUNTS if a.login != "zhaolei")
    assert not service.demo_in_use()
    with pytest.raises(ValidationError, match="密码不正确"):
        sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    assert sign_in(db, "lina", REAL, "1", now).staff.id == made["lina"].id
    with pytest.raises(ValidationError, match="工号或密码不正确"):
        sign_in(db, "zhaolei", DEMO_PASSWORD, "1", now)
    entry = audit_log.for_target(db, "staff:demo")[-1]
    assert entry["staff_id"] == supervisor.staff.id and "zhaolei" in entry["detail"]


def test_a_clerk_cannot_replace_the_demo_accounts(db: Database, now: datetime) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    with pytest.raises(RoleRefusedError):
        StaffService(db).replace_demo_accounts(clerk, every_login(), now)


@pytest.mark.parametrize(("password", "message"), [("short", "至少"), (DEMO_PASSWORD, "演示密码")])
def test_a_weak_or_demo_password_is_refused_at_its_login_and_nothing_changes(
    db: Database, now: datetime, password: str, message: str
) -> None:
    service = StaffService(db)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    with pytest.raises(ValidationError, match=message):
        service.replace_demo_accounts(supervisor, {**every_login(), "lina": password}, now)
    assert len(service.demo_accounts()) == len(DEMO_ACCOUNTS)


def test_every_demo_account_must_be_given_a_password_or_removed(
    db: Database, now: datetime
) -> None:
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    partial = {"zhangwei": REAL}
    with pytest.raises(ValidationError) as refused:
        StaffService(db).replace_demo_accounts(supervisor, partial, now)
    assert refused.value.field != "zhangwei"


def test_no_demo_account_signs_in_once_the_counter_has_enrolled(
    db: Database, now: datetime
) -> None:
    """The README's public password opens nothing on a counter that joined a hall."""
    keep_token(db, "https://10.0.0.5:8443", Grant("token", "", "window", "3"))
    for account in DEMO_ACCOUNTS:
        with pytest.raises(ValidationError, match="工号或密码不正确"):
            sign_in(db, account.login, DEMO_PASSWORD, "3", now)
    assert not StaffService(db).demo_in_use()
