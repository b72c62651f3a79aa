"""The supervisor's store maintenance: backup (logged as an export) and the audit check."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from counter.model.audit import AuditAction, ChainReport
from counter.model.staff import Role
from counter.services import audit_trail
from counter.services.session import Session
from counter.store import audit_log, backup
from counter.store.db import immediate


def backup_store(
    db: Database, store_path: Path, dest: Path, who: Session | str, now: datetime
) -> Path:
    """Copy the store; the copy leaves the counter, so it is logged as an export first."""
    if isinstance(who, Session):
        who.require(Role.SUPERVISOR)
    with immediate(db):
        detail = {"to": str(dest)}
        audit_trail.record(db, who, AuditAction.EXPORT, "store:backup", detail, now)
    return backup.backup(store_path, dest)


def verify_audit(db: Database) -> list[ChainReport]:
    return audit_log.verify(db)
