"""Staff accounts in the store (central-authoritative once sync runs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter.model.clock import iso
from counter.model.staff import Role, Staff


def _staff(row: dict[str, Any]) -> Staff:
    expiry = row["certificate_expiry"]
    return Staff(
        id=row["id"],
        login=row["login"],
        name=row["name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        certificate_no=row["certificate_no"],
        certificate_expiry=date.fromisoformat(expiry) if expiry else None,
        active=bool(row["active"]),
        sign_key=row.get("sign_key") or "",
    )


def save_staff(db: Database, staff: Staff, now: datetime) -> None:
    with db.atomic():
        db.table("staff").upsert(
            {
                "id": staff.id,
                "login": staff.login,
                "name": staff.name,
                "role": staff.role.value,
                "password_hash": staff.password_hash,
                "certificate_no": staff.certificate_no,
                "certificate_expiry": (
                    staff.certificate_expiry.isoformat() if staff.certificate_expiry else None
                ),
                "active": int(staff.active),
                "sign_key": staff.sign_key,
                "updated_at": iso(now),
            },
            pk="id",
        )


def find_by_login(db: Database, login: str) -> Staff | None:
    rows = list(db.query("SELECT * FROM staff WHERE login = ?", [login]))
    return _staff(rows[0]) if rows else None


def all_staff(db: Database) -> list[Staff]:
    return [_staff(r) for r in db.query("SELECT * FROM staff ORDER BY login")]


def count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM staff").fetchone()[0])


#: The demo accounts' ids (counter.services.bootstrap): one public password for all.
DEMO_ID_PREFIX = "demo-"


def remove_demo_accounts(db: Database) -> int:
    """Drop the demo accounts: done when the counter joins a hall (enrolment, or the
    central's first staff record), after which nobody signs in with the README's
    password. Their past work stays attributed by id and name in the records."""
    found = db.execute("DELETE FROM staff WHERE id LIKE ?", [DEMO_ID_PREFIX + "%"]).rowcount
    return int(found)


def is_demo(staff: Staff) -> bool:
    return staff.id.startswith(DEMO_ID_PREFIX)


def remove(db: Database, staff_id: str) -> None:
    db.execute("DELETE FROM staff WHERE id = ?", [staff_id])


def has_demo_accounts(db: Database) -> bool:
    found = db.execute("SELECT 1 FROM staff WHERE id LIKE ? LIMIT 1", [DEMO_ID_PREFIX + "%"])
    return found.fetchone() is not None
