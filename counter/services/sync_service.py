"""What a supervisor may do about ops the central refused.

A refused op is never deleted (it is the record of what the window did). The
supervisor either resubmits it — the same change as a new op under the present clock,
for instance once the window's clock is put right — or dismisses it; both are noted
with who and when, and the page then stops listing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from counter.log import audit
from counter.log import sync as log
from counter.model.audit import AuditAction
from counter.model.clock import iso
from counter.model.enrolment import check_enrolment
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.staff import Role
from counter.services import audit_trail
from counter.services.session import Session
from counter.store import outbox
from counter.store.db import connect, immediate
from counter.sync import pinning
from counter.sync.client import (
    Grant,
    StepResult,
    SyncBlocked,
    SyncClient,
    SyncOffline,
    SyncStatus,
    keep_token,
    read_status,
    request_token,
    transport_for,
)

__all__ = ["Grant", "StepResult", "SyncService", "SyncStatus", "sync_step"]


@dataclass(frozen=True)
class RefusedOp:
    op_id: str
    seq: int
    table_name: str
    row_id: str
    kind: str
    created_at: str
    reason: str


@dataclass(frozen=True)
class Enrolment:
    """An enrolment under way: the checked address, and the call that asks the central."""

    url: str
    ask: Callable[[], Grant]


class SyncService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def refused(self) -> list[RefusedOp]:
        """Refused ops nobody has acted on yet, oldest first."""
        acted = {r[0] for r in self.db.execute("SELECT op_id FROM sync_refusal_actions")}
        return [
            RefusedOp(
                op.op_id,
                op.seq,
                op.table_name,
                op.row_id,
                op.kind,
                op.created_at,
                op.refused_reason or "",
            )
            for op in outbox.refused(self.db)
            if op.op_id not in acted
        ]

    def _find(self, op_id: str) -> outbox.Op:
        for op in outbox.refused(self.db):
            if op.op_id == op_id:
                return op
        raise NotFoundError(f"没有编号为 {op_id} 的被拒数据")

    def _note(
        self, session: Session, op_id: str, action: str, new_op: str | None, now: datetime
    ) -> None:
        if self.db.execute(
            "SELECT 1 FROM sync_refusal_actions WHERE op_id = ?", [op_id]
        ).fetchone():
            raise NotAllowedError("这条被拒数据已经处理过了")
        self.db["sync_refusal_actions"].insert(
            {
                "op_id": op_id,
                "action": action,
                "new_op_id": new_op,
                "staff_id": session.staff.id,
                "staff_name": session.staff.name,
                "at": iso(now),
            }
        )
        detail = {"action": action, "new_op_id": new_op}
        audit_trail.record(self.db, session, AuditAction.OVERRIDE, f"outbox:{op_id}", detail, now)

    def resubmit(self, session: Session, op_id: str, now: datetime) -> str:
        """Send the same change again as a new op; returns the new op id."""
        session.require(Role.SUPERVISOR)
        # Sent again in her name, signed by her: a hall-wide change needs it.
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            op = self._find(op_id)
            new = outbox.record(
                self.db,
                table=op.table_name,
                row_id=op.row_id,
                kind=op.kind,
                payload=op.payload,
                now=now,
            )
            self._note(session, op_id, "resubmitted", new.op_id, now)
        return new.op_id

    def dismiss(self, session: Session, op_id: str, now: datetime) -> None:
        session.require(Role.SUPERVISOR)
        with immediate(self.db):
            self._find(op_id)
            self._note(session, op_id, "dismissed", None, now)

    def central(self) -> str:
        """The central this counter is enrolled with, or "" when it works alone."""
        url, token = self.db.execute(
            "SELECT central_url, device_token FROM sync_state WHERE id = 1"
        ).fetchone()
        return str(url) if url and token else ""

    def enrol(self, session: Session, url: str, code: str, name: str) -> str:
        """Both steps below in one call, for callers that may wait."""
        session.require(Role.SUPERVISOR)
        enrolment = self.start_enrolment(session, url, code, name)
        return self.finish_enrolment(session, enrolment, enrolment.ask())

    def start_enrolment(self, session: Session, url: str, code: str, name: str) -> Enrolment:
        """Check what the supervisor typed, now; the returned ``ask`` exchanges the
        one-time code for this device's token (blocking, from any thread: the page runs
        it off the GUI thread). The central's refusal (used or expired code) is reported
        at the code field, an unreachable central at the address field, so the
        supervisor knows which to fix. For an https central the code carries the
        fingerprint of the hall's CA; a central whose CA does not match it is refused at
        the code field before the code is sent (counter.sync.client.request_token)."""
        session.require(Role.SUPERVISOR)
        url, code = check_enrolment(url, code)
        pinning.enrol_parts(url, code)  # an https address with a bare code: said at once
        device_id = outbox.device_id(self.db)
        label = name or f"{session.window} 号窗口"

        def ask() -> Grant:
            try:
                return request_token(url, device_id, code, label)
            except SyncOffline as exc:
                raise ValidationError("central_url", f"连不上中心 {url}：{exc}") from None
            except SyncBlocked as exc:
                raise ValidationError("code", f"中心不接受此登记码：{exc.reason}") from None

        return Enrolment(url, ask)

    def finish_enrolment(self, session: Session, enrolment: Enrolment, grant: Grant) -> str:
        """Keep the token and the pinned CA; the agent syncs from then on. Returns the
        central's address."""
        session.require(Role.SUPERVISOR)
        keep_token(self.db, enrolment.url, grant)
        audit.info("device enrolled with %s by %s", enrolment.url, session.staff.login)
        return enrolment.url


def sync_step(
    store_path: Path, clock: Callable[[], datetime]
) -> tuple[StepResult | None, SyncStatus | None]:
    """One push and pull on a connection of its own (the sync agent's thread), and the
    state the status bar shows; the store failing is logged and tried again next tick."""
    result = status = None
    try:
        db = connect(store_path)
        try:
            transport = transport_for(db, timeout=15.0)
            if transport is not None:
                try:
                    result = SyncClient(db, transport, clock=clock).step()
                finally:
                    transport.close()
            status = read_status(db)
        finally:
            db.close()
    except Exception:  # the store failed: the next tick tries again
        log.exception("sync step failed")
    return result, status
