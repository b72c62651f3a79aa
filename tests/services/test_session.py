from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, ValidationError
from counter.model.staff import Role
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in


def test_the_demo_supervisor_signs_in(db: Database, now: datetime) -> None:
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "3", now)
    assert session.staff.role is Role.SUPERVISOR and session.window == "3"


def test_a_wrong_password_is_named_as_such(db: Database, now: datetime) -> None:
    with pytest.raises(ValidationError) as err:
        sign_in(db, "lina", "not-the-password", "3", now)
    assert err.value.field == "password" and err.value.message == "密码不正确"


def test_unknown_staff_is_named_as_such(db: Database, now: datetime) -> None:
    with pytest.raises(ValidationError) as err:
        sign_in(db, "nobody", DEMO_PASSWORD, "3", now)
    assert err.value.field == "login" and "nobody" in err.value.message


def test_an_expired_certificate_is_refused_with_its_date(db: Database, now: datetime) -> None:
    with pytest.raises(NotAllowedError, match="2024-12-31"):
        sign_in(db, "zhaolei", DEMO_PASSWORD, "3", now)


def test_a_bad_window_number_is_refused(db: Database, now: datetime) -> None:
    with pytest.raises(ValidationError) as err:
        sign_in(db, "lina", DEMO_PASSWORD, "0", now)
    assert err.value.field == "window"
