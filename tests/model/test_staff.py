from __future__ import annotations

from datetime import date

import pytest

from counter.model.errors import NotAllowedError, ValidationError
from counter.model.staff import (
    Role,
    Staff,
    check_login,
    check_window,
    hash_password,
    password_matches,
)


def clerk(expiry: date | None, certificate: str = "ZW-1") -> Staff:
    return Staff("s1", "lina", "李娜", Role.CLERK, "x", certificate, expiry)


def test_passwords_are_stored_as_argon2_hashes() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2")
    assert password_matches(hashed, "correct horse")
    assert not password_matches(hashed, "wrong horse")


def test_a_garbage_hash_never_matches() -> None:
    assert not password_matches("not-a-hash", "anything")


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        hash_password("short")
    assert err.value.field == "password"


def test_an_expired_certificate_cannot_open_a_window() -> None:
    with pytest.raises(NotAllowedError, match="过期"):
        clerk(date(2026, 1, 31)).check_can_open_window(date(2026, 2, 1))


def test_a_certificate_is_valid_through_its_expiry_day() -> None:
    clerk(date(2026, 2, 1)).check_can_open_window(date(2026, 2, 1))


def test_a_clerk_without_a_certificate_cannot_open_a_window() -> None:
    with pytest.raises(NotAllowedError, match="上岗证"):
        clerk(None, "").check_can_open_window(date(2026, 2, 1))


def test_specialists_do_not_need_a_window_certificate() -> None:
    specialist = Staff("s2", "wq", "王强", Role.SPECIALIST, "x")
    specialist.check_can_open_window(date(2026, 2, 1))


def test_login_and_window_are_checked_with_chinese_messages() -> None:
    assert check_login(" LiNa ") == "lina"
    with pytest.raises(ValidationError, match="工号"):
        check_login("")
    assert check_window("03") == "3"
    with pytest.raises(ValidationError, match="窗口号"):
        check_window("A3")
