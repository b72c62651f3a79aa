"""The session's own record: signed in, locked, unlocked, signed out — each in the audit log.

The screen lock re-asks the signed-in person's password: a clerk who steps away leaves
no open window with an applicant's full ID number one click away.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.errors import ValidationError
from counter.model.staff import password_matches
from counter.services import audit_trail
from counter.services.session import Session
from counter.store import staff_store
from counter.store.db import immediate


def note(db: Database, session: Session, event: str, now: datetime, **detail: str) -> None:
    """One session event (``sign_in``, ``lock``, ``unlock``, ``sign_out``) in the audit log."""
    with immediate(db):
        target = f"staff:{session.staff.id}"
        audit_trail.record(
            db, session, AuditAction.SESSION, target, {"event": event, **detail}, now
        )


def unlock(db: Database, session: Session, password: str, now: datetime) -> None:
    """Only the person signed in unlocks, with their current password."""
    if not password:
        raise ValidationError("password", "请输入密码解锁")
    staff = staff_store.find_by_login(db, session.staff.login)
    if staff is None or not staff.active or not password_matches(staff.password_hash, password):
        raise ValidationError("password", "密码不正确")
    note(db, session, "unlock", now)
