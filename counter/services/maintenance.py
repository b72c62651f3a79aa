"""The supervisor's store maintenance: backup (logged as an export), restore on the next
start, the audit check, and compacting the store (``counter compact``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from counter.model.audit import AuditAction, ChainReport
from counter.model.settings import Settings
from counter.model.staff import Role
from counter.services import audit_trail
from counter.services.session import Session
from counter.services.upkeep import upkeep
from counter.store import audit_log, backup, vacuum
from counter.store.db import immediate


def backup_store(
    db: Database, store_path: Path, dest: str | Path, who: Session | str, now: datetime
) -> Path:
    """Copy the store; the copy leaves the counter, so it is logged as an export first.

    ``dest`` is a file, or a folder to name the file in (see
    :func:`~counter.store.backup.backup_target`); a folder that is not there (a USB
    stick not plugged in) is refused before anything is logged or written."""
    if isinstance(who, Session):
        who.require(Role.SUPERVISOR)
    target = backup.backup_target(dest, store_path, now)
    with immediate(db):
        detail = {"to": str(target)}
        audit_trail.record(db, who, AuditAction.EXPORT, "store:backup", detail, now)
    return backup.backup(store_path, target, now)


def schedule_restore(
    db: Database,
    store_path: Path,
    backup_path: Path,
    who: Session,
    now: datetime,
    *,
    keep_token: bool = False,
) -> Path:
    """Stage a backup to replace the store when Counter next starts (the running app
    holds the store open, so the swap waits until no connection is left); logged as an
    override in the current store, which is kept aside as ``*.before-restore-*``.

    Backups carry no device token: by default the restored counter re-enrols with the
    central; ``keep_token`` keeps this store's token, for a backup of this same device
    only (another device's backup is refused)."""
    who.require(Role.SUPERVISOR)
    pending = backup.stage_restore(backup_path, store_path, keep_token=keep_token)
    with immediate(db):
        detail = {"from": str(backup_path), "keep_token": keep_token}
        audit_trail.record(db, who, AuditAction.OVERRIDE, "store:restore", detail, now)
    return pending


def verify_audit(db: Database) -> list[ChainReport]:
    return audit_log.verify(db)


@dataclass(frozen=True)
class Compacted:
    """What ``counter compact`` did, and the file's bytes before and after."""

    dropped_ops: int
    audit_sealed: int
    cases_packed: int
    days_packed: int
    before: int
    after: int


def compact_store(db: Database, settings: Settings, now: datetime) -> Compacted:
    """What the spool's upkeep cannot finish on a large store (issue 32): every step of
    the upkeep (the outbox of a counter never enrolled compacted, print bytes past
    their days dropped, the audit chain sealed, history nobody works on packed) run to
    the end, then the file rewritten by one full ``VACUUM`` and switched to incremental
    vacuum, so the upkeep hands freed pages back from then on. The caller holds the
    store alone: the ``VACUUM`` holds the whole file, a window's write would wait
    behind it. Nothing is logged to the audit trail: no record changes, and an entry
    would be one more op for the outbox this makes smaller."""
    dropped = sealed = cases = days = 0
    while True:
        done = upkeep(db, settings, now)
        dropped += done.outbox.dropped_ops
        sealed += done.audit_sealed
        cases += done.cases_packed
        days += done.days_packed
        if not done.more:
            break
    before, after = vacuum.rewrite(db)
    return Compacted(dropped, sealed, cases, days, before, after)
