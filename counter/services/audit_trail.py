"""Writing the audit log from a service call, in the call's own transaction.

One line per audited action, inside the ``with immediate(db):`` (or ``db.atomic()``)
block that makes the change::

    audit_trail.record(self.db, session, AuditAction.DECISION, f"cases:{case.id}", {...}, now)

The entry lands in the local hash chain and in the outbox in the same transaction as
the change, so the record and the act commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from counter.log import audit
from counter.model.audit import AuditAction
from counter.store import audit_log
from counter.store.audit_log import Actor

if TYPE_CHECKING:  # the session module records its refused sign-ins here
    from counter.services.session import Session


def actor(who: Session | str) -> Actor:
    """A signed-in person at their window, or a station (the kiosk, the central) by name."""
    if isinstance(who, str):
        return Actor(f"station:{who}", who, "station")
    return Actor(who.staff.id, who.staff.name, who.staff.role.value, who.window)


def record(
    db: Database,
    who: Session | str,
    action: AuditAction,
    target: str,
    detail: Mapping[str, Any],
    now: datetime,
) -> None:
    entry = audit_log.append(db, actor(who), action, target, detail, now)
    audit.info("#%s %s %s by %s", entry["seq"], action.value, target, entry["staff_name"])
