"""Who may change what, decided on the central from its own records alone.

A counter's store is a file on a PC in a public hall; whoever holds the PC can write
anything into it and into what it pushes. So the central never takes a device's word
for who it is, where it stands or who is signed in there: the device, its kind and
window come from the token (the central's ``devices`` table); the staff member an op
names must be in the central's own staff records, active, in a role that the project's
one role table (:mod:`counter.model.roles`) allows for the calls that write the table;
and a change to a hall-wide table must carry that supervisor's signature
(:mod:`counter.model.staff_key`), which a compromised counter cannot make.

Each synced table has one :class:`TableRule` below. A refusal is a reason in Chinese
(the supervisor reads it on the 数据同步 page) and the op is kept, refused, in the
central's ``ops`` table: the record of the attempt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from counter.model.cases import OPENING_STATES, CaseState, can_become
from counter.model.devices import DeviceKind
from counter.model.merge import Policy
from counter.model.roles import roles_for
from counter.model.staff import Role
from counter.model.staff_key import op_message, verify
from counter.sync.protocol import ErrorCode, WireOp

if TYPE_CHECKING:
    from counter.central.engine import Device

CENTRAL = "central"
#: (kind, payload JSON, version, owner device, writer "device|staff id") of a row as
#: the central holds it.
Held = tuple[str, str, str, str, str]
Refusal = tuple[ErrorCode, str]


@dataclass(frozen=True)
class CentralStaff:
    """A staff member as the central published her (``create-staff``)."""

    id: str
    login: str
    name: str
    role: Role | None
    active: bool
    sign_key: str

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> CentralStaff:
        try:
            role: Role | None = Role(payload.get("role", ""))
        except ValueError:
            role = None
        return cls(
            id=str(payload.get("id", "")),
            login=str(payload.get("login", "")),
            name=str(payload.get("name", "")),
            role=role,
            active=bool(payload.get("active", 1)),
            sign_key=str(payload.get("sign_key", "")),
        )


@dataclass(frozen=True)
class Proposed:
    """A change a device asks for, with what the central knows around it."""

    device: Device
    op: WireOp
    #: The row as the central holds it, or None for a new row.
    old: dict[str, Any] | None
    #: The row as it would be stored: the op's payload, or that merged with changes
    #: another device made meanwhile (counter.model.merge).
    row: dict[str, Any]
    #: Whether the asking device wrote the row first.
    owner: bool
    #: The central's record of the staff member the op names, if it has one.
    staff: CentralStaff | None


#: A table's own rule: why the change may not be stored, or None.
Check = Callable[[Proposed], str | None]


@dataclass(frozen=True)
class TableRule:
    #: Device kinds that may push the table at all.
    kinds: frozenset[DeviceKind]
    #: The service calls (ROLE_TABLE keys) that write it: the staff an op names must
    #: hold a role one of them allows.
    calls: tuple[str, ...] = ()
    #: Kinds whose ops may name nobody: a station, the print spool, the rating pad.
    unattended: frozenset[DeviceKind] = frozenset()
    #: Whether a device may change a row another device wrote (else only its own).
    shared: bool = False
    #: A row, once there, never changes (events, ratings, the audit chain).
    append_only: bool = False
    #: Hall-wide: only a supervisor, with her signature, may change it.
    proof: bool = False
    #: Rows may be removed (a day taken out of the holiday table).
    deletable: bool = False
    #: The domain's own rule for a change (the case state machine, the audit chain).
    check: Check | None = None
    #: How two devices' concurrent changes to a row meet (None: the newer version wins
    #: whole, for rows only one device writes, or that are replaced whole).
    merge: Policy | None = None

    @property
    def roles(self) -> frozenset[Role]:
        return roles_for(self.calls)


def _kinds(*kinds: DeviceKind) -> frozenset[DeviceKind]:
    return frozenset(kinds)


W, L, K, B, P = (
    DeviceKind.WINDOW,
    DeviceKind.LAPTOP,
    DeviceKind.KIOSK,
    DeviceKind.BOARD,
    DeviceKind.PAD,
)
EVERY_KIND = frozenset(DeviceKind)

#: A case as it was registered: who it is for and who took it in. Another window
#: continues a case (出件, 补正收齐, 办结) but never rewrites these.
CASE_IDENTITY = (
    "number",
    "title",
    "applicant_id",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "clerk_id",
    "clerk_name",
    "window",
    "catalog_version",
    "created_at",
    "received_at",
    "parent_id",
    "position",
    "item_code",
    "bundle_code",
    "department",
    "agent_name",
    "agent_id_number",
    # The intake form's request id: which form made the case (issue 28's one decision
    # per form); another window rewriting it could make a retried decision a new case.
    "request_id",
)
#: What the station itself recomputes with nobody signed in (a new holiday table moves
#: open deadlines: CasesService.recompute_open_deadlines).
CASE_DERIVED = frozenset({"promised_due", "legal_due", "due_provisional", "updated_at"})


def _check_case(change: Proposed) -> str | None:
    device, op, old, owner, row = change.device, change.op, change.old, change.owner, change.row
    try:
        new_state = CaseState(row.get("state", ""))
    except ValueError:
        return f"办件状态“{row.get('state')}”不存在"
    if old is None:
        if new_state not in OPENING_STATES:
            return f"新办件不能直接处于“{new_state.value}”状态"
        if device.window and str(op.payload.get("window", "")) != device.window:
            return f"本机登记为 {device.window} 号窗口，不能以其他窗口的名义受理"
        return None
    try:
        old_state = CaseState(old.get("state", ""))
    except ValueError:
        old_state = new_state
    if not op.actor:
        moved = {k for k in set(old) | set(row) if old.get(k) != row.get(k)}
        if not owner or not moved <= CASE_DERIVED:
            return "无人登录时只能重算本机办件的期限"
    if not can_become(old_state, new_state):
        return f"办件不能从“{old_state.value}”变为“{new_state.value}”"
    if not owner:
        changed = [k for k in CASE_IDENTITY if old.get(k) != row.get(k)]
        if changed:
            return "不能改写其他窗口受理的办件信息（" + "、".join(changed) + "）"
    return None


def _check_audit(change: Proposed) -> str | None:
    device, op, staff = change.device, change.op, change.staff
    if op.payload.get("device_id") != device.device_id:
        return "审计记录属于另一台设备：每台设备只能上传自己的审计链"
    claimed = str(op.payload.get("role", "") or "")
    named = staff is not None and op.payload.get("staff_id") == staff.id and staff.role
    if named and staff and staff.role and claimed and claimed != staff.role.value:
        return (
            f"审计记录称 {staff.name} 为“{claimed}”，中心登记为{staff.role.label}"
            "（本机人员数据被改动过）"
        )
    return None


def _check_own_device(change: Proposed) -> str | None:
    """A row that names its device names the one pushing it (the token's, not the
    body's): a kiosk cannot raise an alert in another kiosk's name."""
    if change.row.get("device_id") != change.device.device_id:
        return "提醒记录属于另一台设备：每台设备只能上传自己的记录"
    return None


def _check_own_window(change: Proposed) -> str | None:
    device, op = change.device, change.op
    window = str(op.payload.get("window", "") or "")
    if device.window and window and window != device.window:
        return f"本机登记为 {device.window} 号窗口，不能以 {window} 号窗口的名义操作"
    return None


#: What a supervisor's settling of a conflict may change, and nothing else.
RESOLUTION_FIELDS = frozenset(
    {"state", "choice", "resolved_by_id", "resolved_by_name", "resolved_at"}
)


def _check_resolution(change: Proposed) -> str | None:
    old, row = change.old, change.row
    if old is None:
        return "同步冲突只由中心登记，窗口不能新建"
    if old.get("state") != "open":
        return "该同步冲突已经处理过了"
    if row.get("state") != "resolved" or row.get("choice") not in ("kept", "taken"):
        return "处理同步冲突须选择“保留现状”或“采用另一版本”"
    moved = {k for k in set(old) | set(row) if old.get(k) != row.get(k)}
    if not moved <= RESOLUTION_FIELDS:
        return "处理同步冲突不能改动冲突记录本身（" + "、".join(sorted(moved)) + "）"
    if change.staff is None or row.get("resolved_by_id") != change.staff.id:
        return "处理人须是签名确认的值班长本人"
    return None


_CASE_CALLS = (
    "IntakeService.decide",
    "CasesService.act",
    "CasesService.supplement_arrived",
    "CasesService.promise_met",
    "CasesService.notice",
)
_QUEUE_CALLS = (
    "LocalQueue.call_next",
    "LocalQueue.call_specific",
    "LocalQueue.finish",
    "LocalQueue.hold",
    "LocalQueue.resume",
    "LocalQueue.skip",
    "LocalQueue.transfer",
    "LocalQueue.recall",
    "LocalQueue.start",
    "LocalQueue.link_case",
)
_VISIT_CALLS = (
    "VisitsService.save_visit",
    "VisitsService.add_task",
    "VisitsService.finish_task",
    "VisitsService.prereview",
    "VisitsService.authorise",
    "VisitsService.make_draft",
)
_GIFTPACK_CALLS = (
    "GiftPackService.open_pack",
    "GiftPackService.set_readiness",
    "GiftPackService.hand_over",
    "GiftPackService.issue_voucher",
)
_HOLIDAY_CALLS = (
    "CalendarService.confirm_year",
    "CalendarService.import_file",
    "CalendarService.set_day",
)

RULES: dict[str, TableRule] = {
    # Hall-wide: every counter's deadlines and every kiosk's buttons follow them.
    "holidays": TableRule(
        _kinds(W, L), _HOLIDAY_CALLS, shared=True, proof=True, deletable=True, merge=Policy.FIELDS
    ),
    "holiday_years": TableRule(_kinds(W, L), _HOLIDAY_CALLS, shared=True, proof=True),
    "credit_list": TableRule(
        _kinds(W, L),
        ("CreditListService.import_file", "CreditListService.add", "CreditListService.remove"),
        shared=True,
        proof=True,
        deletable=True,
        merge=Policy.FIELDS,
    ),
    "queue_categories": TableRule(
        _kinds(W, L),
        ("LocalQueue.set_category_windows",),
        shared=True,
        proof=True,
        merge=Policy.FIELDS,
    ),
    # Cases: taken in at one window, continued at any, as the state machine allows.
    "applicants": TableRule(_kinds(W, L), _CASE_CALLS, shared=True, merge=Policy.FIELDS),
    "cases": TableRule(
        _kinds(W, L),
        _CASE_CALLS,
        unattended=_kinds(W, L),
        shared=True,
        check=_check_case,
        merge=Policy.CASE,
    ),
    "case_events": TableRule(_kinds(W, L), _CASE_CALLS, append_only=True),
    "case_materials": TableRule(_kinds(W, L), _CASE_CALLS, shared=True, merge=Policy.FIELDS),
    "unmask_log": TableRule(_kinds(W, L), ("CasesService.unmask",), append_only=True),
    # The queue offline: a kiosk issues with nobody signed in, a window serves.
    "tickets": TableRule(
        _kinds(W, K), _QUEUE_CALLS, unattended=_kinds(W, K), check=_check_own_window
    ),
    "appointments": TableRule(
        _kinds(W, K), _QUEUE_CALLS, unattended=_kinds(W, K), shared=True, merge=Policy.FIELDS
    ),
    "clerk_states": TableRule(
        _kinds(W, L), ("LocalQueue.set_clerk_state",), check=_check_own_window
    ),
    "print_log": TableRule(
        _kinds(W, L, K, P), ("PrintService.submit",), unattended=_kinds(W, L, K, P)
    ),
    # A kiosk's slip that did not print, pushed by that kiosk alone and never changed.
    "missed_tickets": TableRule(
        _kinds(K), (), unattended=_kinds(K), append_only=True, check=_check_own_device
    ),
    "audit_log": TableRule(
        EVERY_KIND, (), unattended=EVERY_KIND, append_only=True, check=_check_audit
    ),
    # 好差评: the pad beside a window rates with nobody signed in; follow-ups are the
    # hall's, stepped by whoever handles them.
    # A service's ratings share one id (model.ratings.rating_id): a second — the pad's,
    # made offline after the phone rated through the central — is kept out silently
    # (append-only: the first stays) and the counter takes the first on its next pull.
    "ratings": TableRule(
        _kinds(W, P),
        ("RatingsService.rate_case",),
        unattended=_kinds(W, P),
        shared=True,
        append_only=True,
    ),
    "followups": TableRule(
        _kinds(W, L, P),
        ("RatingsService.register", "RatingsService.step"),
        unattended=_kinds(W, P),
        shared=True,
        merge=Policy.FIELDS,
    ),
    "followup_notes": TableRule(_kinds(W, L), ("RatingsService.step",), append_only=True),
    # 帮代办 on a specialist's laptop; the draft is picked up at a window.
    "visits": TableRule(_kinds(W, L), _VISIT_CALLS),
    "visit_tasks": TableRule(_kinds(W, L), _VISIT_CALLS),
    "prereviews": TableRule(_kinds(W, L), _VISIT_CALLS),
    "agent_authorisations": TableRule(_kinds(W, L), _VISIT_CALLS),
    "case_drafts": TableRule(
        _kinds(W, L), (*_VISIT_CALLS, *_CASE_CALLS), shared=True, merge=Policy.FIELDS
    ),
    # The gift pack of a case taken anywhere is handed over at any window.
    "giftpacks": TableRule(_kinds(W), _GIFTPACK_CALLS, shared=True, merge=Policy.FIELDS),
    "giftpack_lines": TableRule(_kinds(W), _GIFTPACK_CALLS, shared=True, merge=Policy.FIELDS),
    "giftpack_handovers": TableRule(_kinds(W), _GIFTPACK_CALLS, append_only=True),
    # The 同步冲突 list is the central's: a supervisor settles a conflict, signed, and
    # the central then puts the chosen version in place (Engine._settle_conflict).
    "sync_conflicts": TableRule(
        _kinds(W, L),
        ("SyncService.resolve_conflict",),
        shared=True,
        proof=True,
        check=_check_resolution,
    ),
}


def merge_policy(table: str) -> Policy | None:
    rule = RULES.get(table)
    return rule.merge if rule is not None else None


def _refuse(detail: str) -> Refusal:
    return ErrorCode.NOT_PERMITTED, ErrorCode.NOT_PERMITTED.reason(detail)


def refusal_for(
    device: Device,
    op: WireOp,
    held: Held | None,
    staff: CentralStaff | None,
    row: dict[str, Any] | None = None,
) -> Refusal | None:
    """Why the central will not store ``op`` from ``device``, or None when it may.

    ``held`` is the row as the central holds it now (with its owner), ``staff`` the
    central's record of the staff member the op names, if any, and ``row`` what would
    be stored when that is not the op's payload as sent (a merge).
    """
    rule = RULES.get(op.table_name)
    if rule is None:
        return _refuse(f"中心没有“{op.table_name}”的权限规则")
    if device.kind not in rule.kinds:
        return _refuse(f"{device.kind.label}不能修改“{op.table_name}”")
    if op.kind == "delete" and not rule.deletable:
        return _refuse(f"“{op.table_name}”的数据不能删除")
    refusal = _staff_refusal(device, op, rule, staff)
    if refusal is not None:
        return _refuse(refusal)
    old: dict[str, Any] | None = None
    owner = True
    if held is not None:
        if rule.append_only and op.kind not in ("insert", "event"):
            return _refuse(f"“{op.table_name}”的记录只能新增，不能修改")
        owner = held[3] == device.device_id
        if not owner and not rule.shared:
            return _refuse(f"不能修改其他设备的“{op.table_name}”数据")
        old = json.loads(held[1])
    if rule.check is not None:
        # Twice: the step the device itself took, from the row as it saw it (its base
        # over what the central holds), and the row as it would be stored after a
        # merge. A forged base thus neither makes an illegal step legal nor slips a
        # change of another window's case in through the merge.
        seen, asked = old, op.payload
        if old is not None and op.base is not None:
            seen = {**old, **op.base}
            asked = {**seen, **{k: op.payload[k] for k in op.base if k in op.payload}}
        why = rule.check(Proposed(device, op, seen, asked, owner, staff))
        if why is None and row is not None:
            why = rule.check(Proposed(device, op, old, row, owner, staff))
        if why is not None:
            return ErrorCode.ILLEGAL_CHANGE, ErrorCode.ILLEGAL_CHANGE.reason(why)
    return None


def _staff_refusal(
    device: Device, op: WireOp, rule: TableRule, staff: CentralStaff | None
) -> str | None:
    if not op.actor:
        if rule.proof or device.kind not in rule.unattended:
            return "须由登录的工作人员操作（本操作没有登录人员）"
        return None
    if staff is None:
        return f"中心没有工号为 {op.actor} 的人员（本机的人员数据不被中心采信）"
    if not staff.active:
        return f"{staff.name} 的账号已在中心停用"
    if rule.calls and staff.role not in rule.roles:
        label = staff.role.label if staff.role else "未知角色"
        return f"{staff.name} 在中心登记为{label}，无权修改“{op.table_name}”"
    if rule.proof:
        message = op_message(
            device.device_id,
            op.seq,
            op.table_name,
            op.row_id,
            op.kind,
            op.payload,
            op.hlc,
            op.actor,
        )
        if not staff.sign_key or not op.proof or not verify(staff.sign_key, message, op.proof):
            return f"全厅数据须由{staff.name}本人登录确认（缺少或无效的值班长签名）"
    return None
