"""Signing in at a window: who, in which role, at which window, since when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from counter.model.errors import NotAllowedError, RoleRefusedError, ValidationError
from counter.model.staff import (
    WINDOW_ROLES,
    Role,
    Staff,
    check_login,
    check_window,
    password_matches,
)
from counter.model.staff_key import StaffKey, derive_key
from counter.store import outbox, staff_store


@dataclass(frozen=True)
class Session:
    staff: Staff
    window: str
    signed_in_at: datetime
    #: Her signing key, derived from the password she typed (staff_key.py); None where
    #: the central published no key for her (a clerk, or a standalone counter).
    key: StaffKey | None = field(default=None, repr=False, compare=False)

    @property
    def acting(self) -> outbox.Acting:
        return outbox.Acting(self.staff.id, self.key)

    def require(self, *roles: Role) -> None:
        """Refuse a service call to a role that may not make it (checked in services, not UI).

        The table of who may call what is in :mod:`counter.model.roles`. Staff who
        sit at a window act only at the window they signed in at, so one with no
        window is refused too.
        """
        if self.staff.role not in roles and self.staff.role is not Role.ADMIN:
            allowed = "、".join(r.label for r in roles)
            raise RoleRefusedError(
                f"只有{allowed}可以进行此操作，当前登录的是{self.staff.description}"
            )
        if self.staff.role in WINDOW_ROLES and not self.window.strip():
            raise RoleRefusedError(f"{self.staff.description}须在窗口登录后才能办理")


def sign_in(db: Database, login: str, password: str, window: str, now: datetime) -> Session:
    """Check every field and say precisely which one is wrong."""
    login = check_login(login)
    window = check_window(window)
    if not password:
        raise ValidationError("password", "请输入密码")
    staff = staff_store.find_by_login(db, login)
    if staff is None:
        raise ValidationError("login", f"没有工号为“{login}”的人员，请核对或联系值班长")
    if not password_matches(staff.password_hash, password):
        raise ValidationError("password", "密码不正确")
    staff.check_can_open_window(now.date())
    if not staff.active:
        raise NotAllowedError(f"{staff.name} 的账号已停用")
    session = Session(
        staff=staff, window=window, signed_in_at=now, key=signing_key(staff, password)
    )
    outbox.act_as(db, session.acting)
    return session


def signing_key(staff: Staff, password: str) -> StaffKey | None:
    """Her key, when the central published its public half and the password makes it;
    a password changed locally but not on the central makes another key, and then her
    hall-wide changes are refused there until the two agree."""
    if not staff.sign_key:
        return None
    key = derive_key(staff.id, password)
    return key if key.public == staff.sign_key else None


def sign_out(db: Database) -> None:
    """Ops made on this connection from now on name nobody."""
    outbox.act_as(db, None)
