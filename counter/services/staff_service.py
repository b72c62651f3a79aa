"""The demo accounts of a standalone counter, and the real ones that replace them.

A new store starts with demo accounts that share one password printed in the README.
A counter that joins a hall gets its staff from the central and drops them (sync); a
counter that works alone keeps them until its supervisor gives each person a real
password here. Until then the main window carries a 演示数据 mark.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.errors import ValidationError
from counter.model.staff import Role, Staff, check_login, hash_password
from counter.services import audit_trail
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import Session
from counter.store import sign_in_failures, staff_store
from counter.store.db import immediate


class StaffService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def demo_in_use(self) -> bool:
        """Whether anyone can still sign in with the README's password."""
        return staff_store.has_demo_accounts(self.db)

    def demo_accounts(self) -> list[Staff]:
        return [s for s in staff_store.all_staff(self.db) if staff_store.is_demo(s)]

    def replace_demo_accounts(
        self, session: Session, passwords: Mapping[str, str | None], now: datetime
    ) -> dict[str, Staff]:
        """Every demo account becomes a real one with the password given for its login,
        or is removed where the password is None (nobody works under that name). All or
        nothing: a bad password is reported at its login's field and nothing changes.

        A real account gets a new id, so nothing made under the demo one is taken for
        its work; the returned map is login → the new account.
        """
        session.require(Role.SUPERVISOR)
        demo = self.demo_accounts()
        missing = [s.login for s in demo if s.login not in passwords]
        if missing:
            raise ValidationError(missing[0], "请为每个演示账号设置密码或选择停用")
        for login, password in passwords.items():
            if password == "":
                raise ValidationError(login, "请设置密码，或勾选“停用”")
            if password is not None and password == DEMO_PASSWORD:
                raise ValidationError(login, "不能沿用演示密码")
        hashed: dict[str, str] = {}
        for login, password in passwords.items():
            if password is None:
                continue
            try:
                hashed[login] = hash_password(password)
            except ValidationError as exc:  # too short: said at that person's field
                raise ValidationError(login, exc.message) from None
        made: dict[str, Staff] = {}
        with immediate(self.db):
            for old in demo:
                staff_store.remove(self.db, old.id)
                if old.login in hashed:
                    real = Staff(
                        id=str(uuid.uuid4()),
                        login=old.login,
                        name=old.name,
                        role=old.role,
                        password_hash=hashed[old.login],
                        certificate_no=old.certificate_no,
                        certificate_expiry=old.certificate_expiry,
                    )
                    staff_store.save_staff(self.db, real, now)
                    made[old.login] = real
            detail = {"kept": sorted(made), "removed": sorted(set(passwords) - set(made))}
            audit_trail.record(self.db, session, AuditAction.STAFF, "staff:demo", detail, now)
        return made

    def unlock_sign_in(self, session: Session, login: str, now: datetime) -> int:
        """值班长解锁: a login refused after wrong passwords (counter.model.lockout) may
        sign in again at once, its count of wrong tries forgotten. Returns that count;
        recorded either way, a login that does not exist as typed."""
        session.require(Role.SUPERVISOR)
        login = check_login(login)
        with immediate(self.db):
            failures = sign_in_failures.get(self.db, login)
            sign_in_failures.clear(self.db, login)
            staff = staff_store.find_by_login(self.db, login)
            target = f"staff:{staff.id}" if staff is not None else f"login:{login}"
            detail = {"event": "unlock_sign_in", "login": login, "failures": failures.count}
            audit_trail.record(self.db, session, AuditAction.STAFF, target, detail, now)
        return failures.count
