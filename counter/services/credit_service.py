"""The hall's 失信 list: the supervisor imports or edits it; intake asks it before 容缺."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.credit import (
    CreditEntry,
    check_entry,
    check_rongque_allowed,
    normalise_identifier,
    parse_credit_file,
)
from counter.model.errors import NotFoundError
from counter.services import audit_trail, roles
from counter.services.session import Session
from counter.store import credit_store, outbox
from counter.store.db import immediate


class CreditListService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def entries(self, session: Session) -> list[CreditEntry]:
        """The list names people and firms: shown to the supervisor who keeps it."""
        session.require(*roles.SUPERVISORS)
        return credit_store.entries(self.db)

    def import_file(self, session: Session, text: str, now: datetime) -> int:
        """Add or update every entry of the file (all or nothing); returns how many."""
        session.require(*roles.SUPERVISORS)
        entries = parse_credit_file(text)
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            for entry in entries:
                credit_store.save(self.db, entry, "file", now)
            detail = {"rows": len(entries)}
            audit_trail.record(self.db, session, AuditAction.CATALOG, "credit_list", detail, now)
        return len(entries)

    def add(
        self, session: Session, id_number: str, name: str, reason: str, now: datetime
    ) -> CreditEntry:
        session.require(*roles.SUPERVISORS)
        entry = check_entry(id_number, name, reason)
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            credit_store.save(self.db, entry, "manual", now)
            target = f"credit_list:{entry.id_number}"
            detail = {"name": entry.name, "reason": entry.reason}
            audit_trail.record(self.db, session, AuditAction.CATALOG, target, detail, now)
        return entry

    def remove(self, session: Session, id_number: str, now: datetime) -> None:
        session.require(*roles.SUPERVISORS)
        value = normalise_identifier(id_number)
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            if not credit_store.remove(self.db, value, now):
                raise NotFoundError(f"失信名单中没有 {value}")
            target = f"credit_list:{value}"
            audit_trail.record(
                self.db, session, AuditAction.CATALOG, target, {"removed": True}, now
            )

    def check_rongque(self, *id_numbers: str) -> None:
        """Refuse 容缺 when the applicant or the agent is listed (model/credit.py)."""
        listed = credit_store.find(self.db, [normalise_identifier(n) for n in id_numbers])
        check_rongque_allowed(listed)
