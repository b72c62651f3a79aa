"""The hall's staff as a central publishes them (``create-staff``), for tests.

Logins and passwords are the demo ones, so tests sign in as before; the ids are the
central's own (not ``demo-…``), as after a real enrolment, when the demo accounts go.
Supervisors and the admin get a signing key (counter.model.staff_key), as create-staff
gives them.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlite_utils import Database

from counter.central.authority import RULES, TableRule
from counter.central.engine import Engine
from counter.model.devices import DeviceKind
from counter.model.staff import Role, hash_password
from counter.model.staff_key import StaffKey, derive_key
from counter.services.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD
from counter.store import outbox

SIGNING = (Role.SUPERVISOR, Role.ADMIN)


def staff_id(login: str) -> str:
    return f"hall-{login}"


@functools.cache
def hall_staff_rows() -> tuple[dict[str, Any], ...]:
    """Made once a test session: each key and hash costs an argon2 run."""
    rows = []
    for account in DEMO_ACCOUNTS:
        row: dict[str, Any] = {
            "id": staff_id(account.login),
            "login": account.login,
            "name": account.name,
            "role": account.role.value,
            "password_hash": hash_password(DEMO_PASSWORD),
            "certificate_no": account.certificate_no,
            "certificate_expiry": (
                account.certificate_expiry.isoformat() if account.certificate_expiry else None
            ),
            "active": 1,
        }
        if account.role in SIGNING:
            row["sign_key"] = derive_key(row["id"], DEMO_PASSWORD).public
        rows.append(row)
    return tuple(rows)


def publish_hall_staff(engine: Engine, now_ms: int) -> None:
    for row in hall_staff_rows():
        engine.publish("staff", row["id"], row, now_ms)


def allow_probe() -> None:
    """The tests' own shared table (``sync_probe``): any device, nobody signed in."""
    every = frozenset(DeviceKind)
    RULES["sync_probe"] = TableRule(every, unattended=every, shared=True)


@functools.cache
def supervisor_key() -> StaffKey:
    """The hall supervisor's signing key, as her sign-in derives it (an argon2 run)."""
    return derive_key(staff_id("zhangwei"), DEMO_PASSWORD)


def as_supervisor(db: Database) -> None:
    """From now on ``db``'s ops are the hall supervisor's, signed: what a change to the
    holiday table needs on the central (publish_hall_staff there first)."""
    outbox.act_as(db, outbox.Acting(staff_id("zhangwei"), supervisor_key()))
