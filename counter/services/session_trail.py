"""The session's own record: signed in, locked, unlocked, signed out — each in the audit log.

The screen lock re-asks the signed-in person's password: a clerk who steps away leaves
no open window with an applicant's full ID number one click away.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.errors import ValidationError
from counter.services import audit_trail
from counter.services.session import (
    PasswordCheck,
    Session,
    finish_password_check,
    start_password_check,
)
from counter.store.db import immediate


def note(db: Database, session: Session, event: str, now: datetime, **detail: str) -> None:
    """One session event (``sign_in``, ``lock``, ``unlock``, ``sign_out``) in the audit log."""
    with immediate(db):
        target = f"staff:{session.staff.id}"
        audit_trail.record(
            db, session, AuditAction.SESSION, target, {"event": event, **detail}, now
        )


def unlock(db: Database, session: Session, password: str, now: datetime) -> None:
    """Only the person signed in unlocks, with their current password: the tries are
    counted as at sign-in (five wrong ones refuse her login for a while, the screen
    stays locked; 切换用户 is left) and each refusal is in the audit log. The screen
    lock takes the steps apart (:func:`start_unlock`, the hashing on a worker thread,
    :func:`finish_unlock`) so the window is not frozen while the password is hashed."""
    finish_unlock(db, session, start_unlock(db, session, password, now))


def start_unlock(db: Database, session: Session, password: str, now: datetime) -> PasswordCheck:
    """The try read from the store; a login refused for now is recorded and raised."""
    if not password:
        raise ValidationError("password", "请输入密码解锁")
    return start_password_check(
        db,
        session.staff.login,
        password,
        now,
        who=session,
        event="unlock_refused",
        wrong="密码不正确",
    )


def finish_unlock(db: Database, session: Session, check: PasswordCheck) -> None:
    """After :meth:`PasswordCheck.verify`: the try counted, the account still active,
    the unlocking recorded."""
    staff = finish_password_check(db, check)
    now, login = check.now, check.login
    if not staff.active:
        with immediate(db):
            detail = {"event": "unlock_refused", "reason": "inactive", "login": login}
            audit_trail.record(db, session, AuditAction.SESSION, f"staff:{staff.id}", detail, now)
        raise ValidationError("password", f"{staff.name} 的账号已停用")
    note(db, session, "unlock", now)
