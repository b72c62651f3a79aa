"""Where this counter stands with the central: its enrolment and clock (``sync_state``),
what supervisors did about refused ops (``sync_refusal_actions``) and the hall's
conflict list (``sync_conflicts``).

Plain reads and writes; the caller (counter.services.sync_service, counter.sync.client)
holds the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlite_utils import Database

from counter.model.clock import iso


class CentralLink(NamedTuple):
    """The central this store is enrolled with; empty strings while it works alone."""

    url: str
    token: str
    #: The hall CA pinned at enrolment (PEM), "" for a plain-http central.
    ca: str


def central_link(db: Database) -> CentralLink:
    row = db.execute(
        "SELECT central_url, device_token, central_ca FROM sync_state WHERE id = 1"
    ).fetchone()
    if row is None:
        return CentralLink("", "", "")
    return CentralLink(*(str(value or "") for value in row))


def clock_offset_ms(db: Database) -> int | None:
    """How far this PC's clock is behind the central's at the last reading (None before
    the store has a sync state)."""
    row = db.execute("SELECT clock_offset_ms FROM sync_state WHERE id = 1").fetchone()
    return int(row[0] or 0) if row else None


# --- refused ops ------------------------------------------------------------------


def acted_refusals(db: Database) -> set[str]:
    """The refused ops a supervisor has resubmitted or dismissed."""
    return {str(row[0]) for row in db.execute("SELECT op_id FROM sync_refusal_actions")}


def refusal_acted_on(db: Database, op_id: str) -> bool:
    found = db.execute("SELECT 1 FROM sync_refusal_actions WHERE op_id = ?", [op_id]).fetchone()
    return found is not None


def note_refusal_action(
    db: Database,
    op_id: str,
    action: str,
    new_op_id: str | None,
    staff_id: str,
    staff_name: str,
    at: datetime,
) -> None:
    db.table("sync_refusal_actions").insert(
        {
            "op_id": op_id,
            "action": action,
            "new_op_id": new_op_id,
            "staff_id": staff_id,
            "staff_name": staff_name,
            "at": iso(at),
        }
    )


# --- conflicts --------------------------------------------------------------------


def conflict_rows(db: Database, *, settled: bool = False) -> list[dict[str, Any]]:
    """The open conflicts (with ``settled``, every one) as stored, newest first."""
    where = "" if settled else "WHERE state = 'open'"
    return list(db.query(f"SELECT * FROM sync_conflicts {where} ORDER BY detected_at DESC"))


def settle_conflict(db: Database, conflict_id: str, settled: dict[str, Any]) -> None:
    """Write the settling fields (state, choice, who, when) onto one conflict."""
    db.table("sync_conflicts").update(conflict_id, settled)
