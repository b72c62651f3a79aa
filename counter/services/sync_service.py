"""What a supervisor may do about ops the central refused, and about conflicts.

A refused op is never deleted (it is the record of what the window did). The
supervisor either resubmits it — the same change as a new op under the present clock,
for instance once the window's clock is put right — or dismisses it; both are noted
with who and when, and the page then stops listing it.

A conflict is a change that met another window's change to the same thing while one
of them was offline (counter.model.merge): the central kept one and lists the other on
the hall's 同步冲突 list, which every window holds. A supervisor settles each entry —
keep what the hall has, or take the other version — as an op signed by her, which the
central checks and carries out, and which the audit chain records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from counter.log import audit
from counter.log import sync as log
from counter.model.audit import AuditAction
from counter.model.clock import iso, parse_iso
from counter.model.enrolment import check_enrolment
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.staff import Role
from counter.services import audit_trail
from counter.services.devices_service import DevicesService
from counter.services.session import Session
from counter.store import outbox, sync_state
from counter.store.db import connect, immediate, store_path
from counter.sync import pinning, row_shapes
from counter.sync.client import (
    CLOCK_WARNING_MS,
    Grant,
    StepResult,
    SyncBlocked,
    SyncClient,
    SyncOffline,
    SyncStatus,
    keep_token,
    read_pull_failures,
    read_status,
    request_token,
    transport_for,
)
from counter.sync.history import Imported
from counter.sync.history_tables import HISTORY_KINDS
from counter.sync.protocol import Change
from counter.sync.tables import REGISTRY, write_change

__all__ = ["Conflict", "Grant", "StepResult", "SyncService", "SyncStatus", "sync_step"]

#: The tables a conflict can be on, as a supervisor calls them.
CONFLICT_TABLES = {
    "cases": "办件",
    "applicants": "申请人",
    "case_materials": "材料",
    "case_drafts": "预审草稿",
    "appointments": "预约",
    "followups": "差评回访",
    "giftpacks": "企业开办大礼包",
    "giftpack_lines": "大礼包事项",
    "holidays": "节假日",
    "queue_categories": "排队类别",
}
#: The fields a conflict most often names, as the screens call them.
FIELD_LABELS = {
    "state": "办件状态",
    "decision": "决定",
    "decided_at": "决定时间",
    "closed_at": "办结时间",
    "reason": "理由",
    "note": "备注",
    "promised_due": "承诺办结期限",
    "legal_due": "法定办结期限",
    "delivery": "送达方式",
    "delivery_method": "送达方式",
    "delivery_address": "送达地址",
    "phone": "电话",
    "contact": "联系人",
    "name": "名称",
    "status": "状态",
    "windows": "服务窗口",
    "kind": "类型",
}


def describe_skew(offset_ms: int) -> str:
    """ "本机时钟比中心慢 10 分钟": what the status bar and the sync page say when this
    PC's clock is off by a minute or more; "" when it is close enough."""
    if abs(offset_ms) < CLOCK_WARNING_MS:
        return ""
    minutes = round(abs(offset_ms) / 60_000)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else ""]
    parts.append(f"{minutes} 分钟" if minutes or not (days or hours) else "")
    way = "慢" if offset_ms > 0 else "快"
    return f"本机时钟比中心{way} {' '.join(p for p in parts if p)}"


@dataclass(frozen=True)
class Author:
    """Who made one version of a conflicting change, from the central's records."""

    window: str
    staff_name: str
    device_name: str
    at: str

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Author:
        return cls(
            str(record.get("window", "")),
            str(record.get("staff_name", "")),
            str(record.get("device_name", "")),
            str(record.get("at", "")),
        )

    def __str__(self) -> str:
        where = f"{self.window} 号窗口" if self.window else self.device_name or "未知设备"
        who = f" {self.staff_name}" if self.staff_name else ""
        return f"{where}{who} {self.at[5:16].replace('T', ' ')}".strip()


@dataclass(frozen=True)
class Clash:
    field: str
    label: str
    kept: str
    lost: str


@dataclass(frozen=True)
class Conflict:
    id: str
    table_name: str
    table_label: str
    row_id: str
    label: str
    clashes: tuple[Clash, ...]
    kept_by: Author
    lost_by: Author
    detected_at: str
    state: str
    choice: str
    resolved_by_name: str
    resolved_at: str


def _shown(value: Any) -> str:
    """A value as a supervisor reads it: a stored time as "2026-12-23 17:30"."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if len(text) >= 16 and text[4] == "-" and text[10] == "T":
        try:
            return parse_iso(text).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text
    return text


def _conflict(row: dict[str, Any]) -> Conflict:
    clashes = tuple(
        Clash(
            str(c.get("field", "")),
            FIELD_LABELS.get(str(c.get("field", "")), str(c.get("field", ""))),
            _shown(c.get("kept")),
            _shown(c.get("lost")),
        )
        for c in json.loads(row["clashes"] or "[]")
    )
    table = str(row["table_name"])
    return Conflict(
        id=row["id"],
        table_name=table,
        table_label=CONFLICT_TABLES.get(table, table),
        row_id=row["row_id"],
        label=row["label"],
        clashes=clashes,
        kept_by=Author.from_record(json.loads(row["kept_by"] or "{}")),
        lost_by=Author.from_record(json.loads(row["lost_by"] or "{}")),
        detected_at=row["detected_at"],
        state=row["state"],
        choice=row["choice"],
        resolved_by_name=row["resolved_by_name"],
        resolved_at=row["resolved_at"],
    )


#: The conflict's own fields that travel as JSON (decoded before they go back up, so
#: the central sees the record unchanged but for the settling).
_JSON_FIELDS = ("clashes", "kept_by", "lost_by")


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
class UnappliedChange:
    """A change from the central this counter could not apply: kept, tried again on
    every sync, listed for the supervisor and the hall's IT (中心数据无法在本机应用)."""

    cursor: int
    table_name: str
    #: The table as people call it (办件, 材料清单).
    table_label: str
    row_id: str
    kind: str
    #: Why, in words the supervisor can pass on to IT.
    reason: str
    #: SQLite's own words, for IT.
    error: str
    first_seen_at: str
    attempts: int


#: What SQLite's refusals of a pulled row mean at this counter.
_FAILURE_REASONS = (
    ("FOREIGN KEY", "所关联的数据在本机不存在，或仍有其他数据关联着它"),
    ("NOT NULL constraint failed: ", "缺少必填字段 {}"),
    ("UNIQUE constraint failed: ", "与本机已有数据重复（{}）"),
    ("CHECK constraint failed", "数值不符合本机的数据规则"),
)
#: Tables only the central publishes, which have no row shape of their own.
_PUBLISHED_LABELS = {"catalog": "事项目录", "staff": "工作人员", "hall_settings": "大厅设置"}


def explain_failure(error: str) -> str:
    """SQLite's message for a pulled row it would not take, said for people."""
    for marker, reason in _FAILURE_REASONS:
        if marker in error:
            columns = error.split(marker, 1)[1].strip()
            names = ", ".join(c.rpartition(".")[2] for c in columns.split(", ") if c)
            return reason.format(names)
    return "本机无法写入这条数据"


@dataclass(frozen=True)
class Enrolled:
    """Where the counter is enrolled now, and what became of the casework it did alone
    before (counter.sync.history)."""

    url: str
    history: Imported


@dataclass(frozen=True)
class Enrolment:
    """An enrolment under way: the checked address, and the call that asks the central."""

    url: str
    ask: Callable[[], Enrolled]


class SyncService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def refused(self) -> list[RefusedOp]:
        """Refused ops nobody has acted on yet, oldest first."""
        acted = sync_state.acted_refusals(self.db)
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

    def pull_failures(self) -> list[UnappliedChange]:
        """Changes from the central this counter could not apply, oldest first. They
        stay listed until a retry lands them (a parent that arrived later) or a newer
        version of the row makes them moot; the pull has gone on past them."""
        return [
            UnappliedChange(
                failure.cursor,
                failure.table_name,
                _PUBLISHED_LABELS.get(failure.table_name) or row_shapes.label(failure.table_name),
                failure.row_id,
                failure.kind,
                explain_failure(failure.error),
                failure.error,
                failure.first_seen_at,
                failure.attempts,
            )
            for failure in read_pull_failures(self.db)
        ]

    def _find(self, op_id: str) -> outbox.Op:
        for op in outbox.refused(self.db):
            if op.op_id == op_id:
                return op
        raise NotFoundError(f"没有编号为 {op_id} 的被拒数据")

    def _note(
        self, session: Session, op_id: str, action: str, new_op: str | None, now: datetime
    ) -> None:
        if sync_state.refusal_acted_on(self.db, op_id):
            raise NotAllowedError("这条被拒数据已经处理过了")
        sync_state.note_refusal_action(
            self.db, op_id, action, new_op, session.staff.id, session.staff.name, now
        )
        detail = {"action": action, "new_op_id": new_op}
        audit_trail.record(self.db, session, AuditAction.OVERRIDE, f"outbox:{op_id}", detail, now)

    def resubmit(self, session: Session, op_id: str, now: datetime) -> str:
        """Send the same change again as a new op; returns the new op id. A refused
        history import goes again as an ordinary change of its table, in her name: the
        import itself closed with the counter's first ordinary op."""
        session.require(Role.SUPERVISOR)
        # Sent again in her name, signed by her: a hall-wide change needs it.
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            op = self._find(op_id)
            if op.kind == "import":
                op = replace(op, kind=HISTORY_KINDS[op.table_name])
            before = self._put_back(op)
            new = outbox.record(
                self.db,
                table=op.table_name,
                row_id=op.row_id,
                kind=op.kind,
                payload=op.payload,
                now=now,
                before=before,
            )
            self._note(session, op_id, "resubmitted", new.op_id, now)
        return new.op_id

    def _put_back(self, op: outbox.Op) -> dict[str, Any] | outbox.Unknown | None:
        """A refused change is not the hall's, so this counter's row took the hall's
        version meanwhile (a refused op does not hold pulls back). Resubmitted, it is
        this counter's change again: written back into the row, and sent with what it
        changes there, so the central merges it with what others did since."""
        table = REGISTRY.get(op.table_name)
        if table is None or table.apply is not None or op.kind != "upsert":
            return outbox.UNKNOWN
        pk = (table.pk,) if isinstance(table.pk, str) else table.pk
        if len(pk) == 1:
            key = {pk[0]: op.payload.get(pk[0], op.row_id)}
        else:
            key = {name: op.payload.get(name) for name in pk}
        columns = outbox.table_columns(self.db, op.table_name)
        if any(value is None for value in key.values()) or not columns:
            return outbox.UNKNOWN
        before = outbox.prior(self.db, op.table_name, key)
        change = Change(
            cursor=0,
            table_name=op.table_name,
            row_id=op.row_id,
            kind="upsert",
            payload=op.payload,
            hlc=op.hlc,
            origin="",
        )
        write_change(self.db, table, change, columns)
        return before

    def dismiss(self, session: Session, op_id: str, now: datetime) -> None:
        session.require(Role.SUPERVISOR)
        with immediate(self.db):
            self._find(op_id)
            self._note(session, op_id, "dismissed", None, now)

    def conflicts(self, *, settled: bool = False) -> list[Conflict]:
        """The hall's open conflicts, newest first (or, with ``settled``, every one)."""
        return [_conflict(r) for r in sync_state.conflict_rows(self.db, settled=settled)]

    def resolve_conflict(
        self,
        session: Session,
        conflict_id: str,
        choice: Literal["kept", "taken"],
        now: datetime,
    ) -> None:
        """Settle a conflict: keep what the hall has, or take the listed version. Sent as
        an op in her name and signed by her; the central checks it and, for "taken",
        puts the listed version in place at every window. The audit chain records it."""
        session.require(Role.SUPERVISOR)
        if choice not in ("kept", "taken"):
            raise ValidationError("choice", "请选择“保留现状”或“采用另一版本”")
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            before = outbox.prior(self.db, "sync_conflicts", {"id": conflict_id})
            if before is None:
                raise NotFoundError(f"没有编号为 {conflict_id} 的同步冲突")
            if before["state"] != "open":
                raise NotAllowedError("这条同步冲突已经处理过了")
            settled = {
                "state": "resolved",
                "choice": choice,
                "resolved_by_id": session.staff.id,
                "resolved_by_name": session.staff.name,
                "resolved_at": iso(now),
            }
            sync_state.settle_conflict(self.db, conflict_id, settled)
            payload = {**before, **settled}
            for name in _JSON_FIELDS:
                payload[name] = json.loads(payload[name] or "null")
            outbox.record(
                self.db,
                table="sync_conflicts",
                row_id=conflict_id,
                kind="upsert",
                payload=payload,
                now=now,
            )
            detail = {
                "choice": choice,
                "table": before["table_name"],
                "row_id": before["row_id"],
            }
            target = f"sync_conflicts:{conflict_id}"
            audit_trail.record(self.db, session, AuditAction.OVERRIDE, target, detail, now)

    def clock_note(self) -> str:
        """How far this PC's clock is off the central's, in words ("" when close)."""
        offset = sync_state.clock_offset_ms(self.db)
        return describe_skew(offset) if offset is not None else ""

    def central(self) -> str:
        """The central this counter is enrolled with, or "" when it works alone."""
        link = sync_state.central_link(self.db)
        return link.url if link.url and link.token else ""

    def devices(self) -> DevicesService:
        """The 设备 section's service, on the same store: the central's address, the
        hall's devices (re-enrolment is :meth:`start_enrolment` with a code for this
        device)."""
        return DevicesService(self.db)

    def enrol(self, session: Session, url: str, code: str, name: str, now: datetime) -> str:
        """Both steps below in one call, for callers that may wait."""
        session.require(Role.SUPERVISOR)
        enrolment = self.start_enrolment(session, url, code, name, now)
        return self.finish_enrolment(session, enrolment, enrolment.ask()).url

    def start_enrolment(
        self, session: Session, url: str, code: str, name: str, now: datetime
    ) -> Enrolment:
        """Check what the supervisor typed, now; the returned ``ask`` exchanges the
        one-time code for this device's token and keeps it (blocking, from any thread:
        the page runs it off the GUI thread). The central's refusal (used or expired
        code) is reported at the code field, an unreachable central at the address
        field, so the supervisor knows which to fix. For an https central the code
        carries the fingerprint of the hall's CA; a central whose CA does not match it
        is refused at the code field before the code is sent
        (counter.sync.client.request_token).

        The token is kept by ``ask`` too, on a connection of its own thread: a counter
        that ran alone hands its casework over in that transaction (counter.sync.history,
        queued as imports when the central's code allowed it, else kept here), which for
        a year's store is a minute's work the window must not freeze for."""
        session.require(Role.SUPERVISOR)
        url, code = check_enrolment(url, code)
        pinning.enrol_parts(url, code)  # an https address with a bare code: said at once
        device_id = outbox.device_id(self.db)
        label = name or f"{session.window} 号窗口"
        path = store_path(self.db)

        def ask() -> Enrolled:
            try:
                grant = request_token(url, device_id, code, label)
            except SyncOffline as exc:
                raise ValidationError("central_url", f"连不上中心 {url}：{exc}") from None
            except SyncBlocked as exc:
                raise ValidationError("code", f"中心不接受此登记码：{exc.reason}") from None
            own = connect(path)
            try:
                done = keep_token(own, url, grant, now)
            finally:
                own.close()
            return Enrolled(url, done)

        return Enrolment(url, ask)

    def finish_enrolment(
        self, session: Session, enrolment: Enrolment, enrolled: Enrolled
    ) -> Enrolled:
        """Back on the page's thread once ``ask`` kept the token: the agent syncs from
        now on. Logged with what became of a history."""
        session.require(Role.SUPERVISOR)
        audit.info(
            "device enrolled with %s by %s (history: %d rows imported, %d kept here)",
            enrolled.url,
            session.staff.login,
            enrolled.history.imports,
            enrolled.history.kept,
        )
        return enrolled


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
