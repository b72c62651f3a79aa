"""Signing in at a window: who, in which role, at which window, since when."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.clock import iso
from counter.model.errors import NotAllowedError, RoleRefusedError, ValidationError
from counter.model.lockout import Failures, SignInLockedError
from counter.model.staff import (
    WINDOW_ROLES,
    Role,
    Staff,
    check_login,
    check_window,
    hash_password,
    password_matches,
)
from counter.services import audit_trail
from counter.store import outbox, sign_in_failures, staff_store
from counter.store.db import immediate

# The signing key's maths (cryptography) is imported when a password derives one: the
# stations open queues and settings, which name a Session, without signing anything.
if TYPE_CHECKING:
    from counter.model.staff_key import StaffKey

#: Who the audit log names for a refused sign-in: the sign-in dialog, before anyone is in.
SIGN_IN_STATION = "登录"
#: One answer for a wrong password and a login that does not exist.
WRONG_LOGIN_OR_PASSWORD = "工号或密码不正确"


@dataclass(frozen=True)
class Session:
    staff: Staff
    window: str
    signed_in_at: datetime
    #: Her signing key, derived from the password she typed (staff_key.py); None where
    #: the central published no key for her (a clerk, or a standalone counter).
    key: StaffKey | None = field(default=None, repr=False, compare=False)

    @property
    def where(self) -> str:
        """Where she works this session, as the status bar and the lock screen say it:
        her window, or 外勤 for a specialist signed in without one (out on visits)."""
        return f"{self.window} 号窗口" if self.window.strip() else "外勤"

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
    """Check every field. A wrong password and an unknown login get the same answer, and
    five of either in a row refuse the login for a while (:mod:`counter.model.lockout`);
    each refusal past the fields is in the audit log with the login typed, never the
    password. A specialist (帮代办专员, out on visits) may leave the window empty.

    The sign-in dialog takes the same three steps apart (:func:`start_sign_in`,
    :meth:`PasswordCheck.verify` on a worker thread, :func:`finish_sign_in`), so the
    password hashing does not stop the window painting; this is all three at once."""
    return finish_sign_in(db, start_sign_in(db, login, password, window, now))


def start_sign_in(
    db: Database, login: str, password: str, window: str, now: datetime
) -> PasswordCheck:
    """The fields checked and the account read, on the store's own thread; a login
    refused for now is recorded and raised here, before any hashing."""
    login = check_login(login)
    window = check_window(window) if window.strip() else ""
    if not password:
        raise ValidationError("password", "请输入密码")
    return start_password_check(db, login, password, now, window=window, key=True)


def finish_sign_in(db: Database, check: PasswordCheck) -> Session:
    """After :meth:`PasswordCheck.verify` (run here if it has not been): the try
    counted or the count reset, the window and the account's standing checked, and
    the session whose ops the outbox signs."""
    staff = finish_password_check(db, check)
    login, window, now = check.login, check.window, check.now
    if not window and staff.role is not Role.SPECIALIST:
        check_window(window)  # raises: everyone else signs in at a window
    try:
        staff.check_can_open_window(now.date())
    except NotAllowedError:
        reason = "inactive" if not staff.active else "certificate"
        _refused(db, None, "sign_in_refused", login, staff, reason, now, window=window)
        raise
    session = Session(staff=staff, window=window, signed_in_at=now, key=check.staff_key)
    outbox.act_as(db, session.acting)
    return session


@dataclass
class PasswordCheck:
    """One try of a password, read from the store but not yet checked.

    Checking it is argon2 hashing, 0.1–0.16 s (twice that when her signing key is
    derived too): :meth:`verify` touches no store and no widget, so the sign-in dialog
    and the screen lock run it on a worker thread while the window stays painted. What
    the store learns from the try is written by :func:`finish_password_check`, on the
    store's thread, exactly as a check made in one go would write it."""

    login: str
    password: str = field(repr=False)
    now: datetime
    staff: Staff | None
    failures: Failures
    who: Session | None = None
    event: str = "sign_in_refused"
    wrong: str = WRONG_LOGIN_OR_PASSWORD
    window: str = ""
    #: Derive her signing key as well (at sign-in; the screen lock keeps the session's).
    key: bool = False
    matched: bool | None = None
    staff_key: StaffKey | None = field(default=None, repr=False)

    def verify(self) -> PasswordCheck:
        """The slow part, safe on any thread: the hash compared (a decoy's for a login
        that does not exist, so both take as long) and, when it matches, her key."""
        if self.staff is None:
            password_matches(_decoy_hash(), self.password)
            self.matched = False
        else:
            self.matched = password_matches(self.staff.password_hash, self.password)
            if self.matched and self.key:
                self.staff_key = signing_key(self.staff, self.password)
        return self


def check_password(
    db: Database,
    login: str,
    password: str,
    now: datetime,
    *,
    who: Session | None = None,
    event: str = "sign_in_refused",
    wrong: str = WRONG_LOGIN_OR_PASSWORD,
    window: str = "",
) -> Staff:
    """``login``'s account, if ``password`` is its own and the login is not refused for
    now; the tries counted and every refusal recorded (by ``who`` when someone is signed
    in: the screen lock), before it is raised. The right password resets the count."""
    check = start_password_check(
        db, login, password, now, who=who, event=event, wrong=wrong, window=window
    )
    return finish_password_check(db, check)


def start_password_check(
    db: Database,
    login: str,
    password: str,
    now: datetime,
    *,
    who: Session | None = None,
    event: str = "sign_in_refused",
    wrong: str = WRONG_LOGIN_OR_PASSWORD,
    window: str = "",
    key: bool = False,
) -> PasswordCheck:
    """The first step of :func:`check_password`: a login refused for now is recorded
    and raised at once (its password is not checked at all)."""
    failures = sign_in_failures.get(db, login)
    staff = staff_store.find_by_login(db, login)
    until = failures.locked_until
    if until is not None and now < until:
        _refused(db, who, event, login, staff, "locked", now, window=window, until=iso(until))
        raise SignInLockedError(until)
    return PasswordCheck(login, password, now, staff, failures, who, event, wrong, window, key)


def finish_password_check(db: Database, check: PasswordCheck) -> Staff:
    """The last step of :func:`check_password`, after :meth:`PasswordCheck.verify`."""
    if check.matched is None:
        check.verify()
    staff, login, now, window = check.staff, check.login, check.now, check.window
    if staff is None or not check.matched:
        failed = check.failures.after_failure(now)
        reason = "unknown_login" if staff is None else "password"
        locked = failed.locked_until
        extra = {"until": iso(locked)} if locked is not None else {}
        _refused(
            db, check.who, check.event, login, staff, reason, now, failed, window=window, **extra
        )
        if locked is not None:  # the fifth: refused from now on, for a while
            raise SignInLockedError(locked)
        raise ValidationError("password", check.wrong)
    if check.failures.count:
        with immediate(db):
            sign_in_failures.clear(db, login)
    return staff


def _refused(
    db: Database,
    who: Session | None,
    event: str,
    login: str,
    staff: Staff | None,
    reason: str,
    now: datetime,
    failures: Failures | None = None,
    **detail: Any,
) -> None:
    """One refusal in the audit log (and a failed try counted), committed before the
    refusal is raised. An unknown login is recorded as typed."""
    target = f"staff:{staff.id}" if staff is not None else f"login:{login}"
    record: dict[str, Any] = {"event": event, "reason": reason, "login": login}
    record.update((k, v) for k, v in detail.items() if v)
    with immediate(db):
        if failures is not None:
            sign_in_failures.save(db, failures)
            record["failures"] = failures.count
        audit_trail.record(db, who or SIGN_IN_STATION, AuditAction.SESSION, target, record, now)


@functools.cache
def _decoy_hash() -> str:
    """A hash no typed password matches, checked for a login that does not exist."""
    return hash_password(secrets.token_urlsafe(24))


def signing_key(staff: Staff, password: str) -> StaffKey | None:
    """Her key, when the central published its public half and the password makes it;
    a password changed locally but not on the central makes another key, and then her
    hall-wide changes are refused there until the two agree."""
    if not staff.sign_key:
        return None
    from counter.model.staff_key import derive_key

    key = derive_key(staff.id, password)
    return key if key.public == staff.sign_key else None


def sign_out(db: Database) -> None:
    """Ops made on this connection from now on name nobody."""
    outbox.act_as(db, None)
