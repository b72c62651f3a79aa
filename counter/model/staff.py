"""Staff accounts: who may sign in, in which role, and whether they may open a window.

Clerks work certified (持证上岗): an expired certificate keeps the window shut however
right the password is.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from counter.model.errors import NotAllowedError, ValidationError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

_LOGIN = re.compile(r"^[a-z0-9_.-]{2,32}$")
MIN_PASSWORD = 8


class Role(StrEnum):
    CLERK = "clerk"
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.CLERK: "窗口受理员",
    Role.SPECIALIST: "帮代办专员",
    Role.SUPERVISOR: "值班长",
    Role.ADMIN: "系统管理员",
}

# Roles that sit at a window and therefore must hold a valid certificate.
WINDOW_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR})


@functools.cache
def _hasher() -> PasswordHasher:
    """argon2, loaded when a password is first hashed or checked: the kiosk and the
    board start without it, and the clerk's start loads it while she types
    (counter.ui.application.WARM_UP)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"密码至少需要 {MIN_PASSWORD} 位")
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_login(login: str) -> str:
    value = login.strip().lower()
    if not value:
        raise ValidationError("login", "请输入工号")
    if not _LOGIN.match(value):
        raise ValidationError("login", "工号只能含小写字母、数字、点、下划线和短横线，2–32 位")
    return value


def check_window(window: str) -> str:
    value = window.strip()
    if not value:
        raise ValidationError("window", "请输入窗口号")
    # isdecimal, not isdigit: '²' is a digit that int() refuses (found by fuzzing).
    if not value.isdecimal() or not 1 <= int(value) <= 999:
        raise ValidationError("window", "窗口号应为 1–999 的数字")
    return str(int(value))


@dataclass(frozen=True)
class Staff:
    id: str
    login: str
    name: str
    role: Role
    password_hash: str
    certificate_no: str = ""
    certificate_expiry: date | None = None
    active: bool = True
    #: The public half of her signing key, as the central published it (staff_key.py).
    sign_key: str = ""

    def check_can_open_window(self, day: date) -> None:
        """Refuse a window to anyone whose work there would be uncertified."""
        if not self.active:
            raise NotAllowedError(f"{self.name} 的账号已停用")
        if self.role not in WINDOW_ROLES:
            return
        if not self.certificate_no or self.certificate_expiry is None:
            raise NotAllowedError(f"{self.name} 没有登记上岗证，不能开窗受理")
        if day > self.certificate_expiry:
            raise NotAllowedError(
                f"{self.name} 的上岗证（{self.certificate_no}）已于 "
                f"{self.certificate_expiry.isoformat()} 过期，不能开窗受理，请联系值班长"
            )

    @property
    def description(self) -> str:
        return f"{self.name}（{self.role.label}）"
