"""Cases (办件): their states, the transitions the rules allow, events, and case numbers.

A case's life is a small state machine. Every change of state is an event (who, when,
at which window, why), and every transition the rules do not allow is refused with a
Chinese reason naming the current state and what is possible from it, so the clerk
never has to guess why a button did nothing.

Case numbers are made on the device, offline, from a configurable pattern. The
pattern must contain the device's short code or the window number, and the running
sequence: two counters working offline on the same day can then never hand out the
same number.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from counter.model.case_numbers import (
    DEFAULT_CASE_NUMBER_PATTERN as DEFAULT_CASE_NUMBER_PATTERN,
)
from counter.model.case_numbers import CaseNumberPattern as CaseNumberPattern
from counter.model.case_numbers import device_code as device_code
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.identity import check_resident_id


class CaseState(StrEnum):
    DRAFT = "预审"
    SUPPLEMENT = "待补正"
    REJECTED = "不予受理"
    ACCEPTED = "已受理"
    PROCESSING = "办理中"
    PAUSED = "暂停计时"
    APPROVED = "办结（准予）"
    DENIED = "办结（不予）"
    DELIVERED = "已出件"
    TERMINATED = "终止"

    @property
    def closed(self) -> bool:
        """No deadline runs any more: the hall's part is over or never began."""
        return self in _CLOSED

    @property
    def clock_running(self) -> bool:
        """States in which the decision deadline counts down."""
        return self in (CaseState.ACCEPTED, CaseState.PROCESSING)


_CLOSED = frozenset(
    {
        CaseState.REJECTED,
        CaseState.APPROVED,
        CaseState.DENIED,
        CaseState.DELIVERED,
        CaseState.TERMINATED,
    }
)


class Action(StrEnum):
    """What a person does to a case; the label is what buttons and events say."""

    CREATE = "登记预审"
    SUPPLEMENT = "一次性告知补正"
    REJECT = "不予受理"
    ACCEPT = "受理"
    SUPPLEMENT_ARRIVED = "补正材料收齐"
    START = "开始办理"
    PAUSE = "暂停计时"
    RESUME = "恢复计时"
    APPROVE = "办结（准予）"
    DENY = "办结（不予）"
    DELIVER = "出件"
    TERMINATE = "终止"
    # Events that do not change the state.
    EXTEND = "延长期限"
    PROMISE_MET = "容缺材料补齐"
    CORRECTED = "当场更正"
    REPRINT = "补打通知书"


TRANSITIONS: dict[tuple[CaseState, Action], CaseState] = {
    (CaseState.DRAFT, Action.SUPPLEMENT): CaseState.SUPPLEMENT,
    (CaseState.DRAFT, Action.REJECT): CaseState.REJECTED,
    (CaseState.DRAFT, Action.ACCEPT): CaseState.ACCEPTED,
    (CaseState.DRAFT, Action.TERMINATE): CaseState.TERMINATED,
    (CaseState.SUPPLEMENT, Action.SUPPLEMENT_ARRIVED): CaseState.ACCEPTED,
    (CaseState.SUPPLEMENT, Action.REJECT): CaseState.REJECTED,
    (CaseState.SUPPLEMENT, Action.TERMINATE): CaseState.TERMINATED,
    (CaseState.ACCEPTED, Action.START): CaseState.PROCESSING,
    (CaseState.ACCEPTED, Action.PAUSE): CaseState.PAUSED,
    (CaseState.ACCEPTED, Action.APPROVE): CaseState.APPROVED,
    (CaseState.ACCEPTED, Action.DENY): CaseState.DENIED,
    (CaseState.ACCEPTED, Action.TERMINATE): CaseState.TERMINATED,
    (CaseState.PROCESSING, Action.PAUSE): CaseState.PAUSED,
    (CaseState.PROCESSING, Action.APPROVE): CaseState.APPROVED,
    (CaseState.PROCESSING, Action.DENY): CaseState.DENIED,
    (CaseState.PROCESSING, Action.TERMINATE): CaseState.TERMINATED,
    (CaseState.PAUSED, Action.RESUME): CaseState.PROCESSING,
    (CaseState.PAUSED, Action.TERMINATE): CaseState.TERMINATED,
    (CaseState.APPROVED, Action.DELIVER): CaseState.DELIVERED,
    (CaseState.DENIED, Action.DELIVER): CaseState.DELIVERED,
}

_OPEN_FOR_DECISION = (CaseState.ACCEPTED, CaseState.PROCESSING, CaseState.PAUSED)

#: Actions that record an event but leave the state as it is, and where they may happen.
EVENT_ONLY: dict[Action, tuple[CaseState, ...]] = {
    Action.EXTEND: _OPEN_FOR_DECISION,
    Action.PROMISE_MET: _OPEN_FOR_DECISION,
    Action.CORRECTED: (CaseState.DRAFT,),
    Action.REPRINT: tuple(CaseState),
}

#: Actions whose reason the event must carry (the notice or the file repeats it).
NEEDS_REASON = frozenset(
    {
        Action.REJECT,
        Action.PAUSE,
        Action.DENY,
        Action.TERMINATE,
        Action.EXTEND,
        Action.CORRECTED,
    }
)

# Refusals worth more than "not allowed": the rule behind them.
_WHY_NOT = {
    (CaseState.SUPPLEMENT, Action.SUPPLEMENT): (
        "一次性告知只能一次：所有缺少的材料应在第一次告知时全部列明"
    ),
    (CaseState.PAUSED, Action.APPROVE): "暂停计时中的办件须先恢复计时再办结",
    (CaseState.PAUSED, Action.DENY): "暂停计时中的办件须先恢复计时再办结",
    (CaseState.PAUSED, Action.PAUSE): "办件已在暂停计时中",
    (CaseState.ACCEPTED, Action.ACCEPT): "办件已受理，不能重复受理",
    (CaseState.PROCESSING, Action.ACCEPT): "办件已受理，不能重复受理",
    (CaseState.SUPPLEMENT, Action.ACCEPT): "待补正的办件须在补正材料收齐后受理",
}


def allowed_actions(state: CaseState) -> tuple[Action, ...]:
    """Every action possible from ``state``, in the order buttons show them."""
    return tuple(
        a
        for a in Action
        if (state, a) in TRANSITIONS or (a in EVENT_ONLY and state in EVENT_ONLY[a])
    )


def can_become(old: CaseState, new: CaseState) -> bool:
    """Whether some one action takes a case from ``old`` to ``new`` (or leaves it): what
    the central checks of a case another device changed, with this same table."""
    return old == new or any(to == new for (at, _), to in TRANSITIONS.items() if at == old)


#: The states a case is created in: registered as a draft, or decided at intake.
OPENING_STATES = frozenset(
    {CaseState.DRAFT, *(to for (at, _), to in TRANSITIONS.items() if at == CaseState.DRAFT)}
)


def next_state(state: CaseState, action: Action) -> CaseState:
    """The state after ``action``, or :class:`NotAllowedError` saying why not."""
    if (state, action) in TRANSITIONS:
        return TRANSITIONS[(state, action)]
    if action in EVENT_ONLY and state in EVENT_ONLY[action]:
        return state
    why = _WHY_NOT.get((state, action))
    if why is None:
        if state.closed:
            why = f"办件已{state.value}，不能再办理"
        else:
            possible = "、".join(a.value for a in allowed_actions(state)) or "无"
            why = f"当前可进行的操作：{possible}"
    raise NotAllowedError(f"办件当前状态为“{state.value}”，不能“{action.value}”。{why}")


def check_reason(action: Action, reason: str) -> str:
    """Refusals, pauses, extensions and the like must say why, for the file and the notice."""
    text = reason.strip()
    if action in NEEDS_REASON and not text:
        raise ValidationError("reason", f"“{action.value}”必须填写原因")
    if len(text) > 500:
        raise ValidationError("reason", f"原因最多 500 字，现在是 {len(text)} 字")
    return text


class Delivery(StrEnum):
    PICKUP = "当场领取"
    POST = "邮寄"


def check_delivery(method: Delivery, address: str, waybill: str) -> tuple[str, str]:
    """Posted results need an address and a waybill number; picked-up ones need neither."""
    address, waybill = address.strip(), waybill.strip().upper()
    if method is Delivery.PICKUP:
        return "", ""
    if not address:
        raise ValidationError("address", "邮寄出件须填写收件地址")
    if len(address) < 6:
        raise ValidationError("address", "收件地址太短，请写到街道门牌")
    if not waybill:
        raise ValidationError("waybill", "邮寄出件须填写运单号")
    if not re.fullmatch(r"[A-Z0-9]{8,30}", waybill):
        raise ValidationError("waybill", "运单号应为 8–30 位字母或数字")
    return address, waybill


def check_recipient(name: str, id_number: str, today: date) -> tuple[str, str]:
    """Who collects at the window (出件, a gift pack): a name and an ID number that passes
    its checks, both normalised (full-width digits, spaces and a lower-case x folded)."""
    who = " ".join(name.split())
    if len(who) < 2:
        raise ValidationError("recipient_name", "请填写领取人姓名")
    check = check_resident_id(id_number, today)
    if not check.ok:
        raise ValidationError("recipient_id", f"领取人{check.errors[0]}")
    return who, check.value


@dataclass(frozen=True)
class CaseEvent:
    """One thing that happened to a case; append-only, so sync never conflicts on it."""

    id: str
    case_id: str
    action: Action
    from_state: CaseState | None
    to_state: CaseState
    at: datetime
    staff_id: str
    staff_name: str
    window: str
    reason: str = ""
    data: str = "{}"  # JSON: overrides, delivery, recipient, extension approver …

    @property
    def recipient(self) -> tuple[str, str]:
        """出件: who collected, ``(name, ID number)``; empty for any other event."""
        try:
            data = json.loads(self.data or "{}")
        except ValueError:
            return "", ""
        if not isinstance(data, dict):
            return "", ""
        return str(data.get("recipient_name", "")), str(data.get("recipient_id", ""))


# --- Case numbers (counter.model.case_numbers) -----------------------------------


def sub_case_number(parent_number: str, position: int) -> str:
    """Sub-cases of a bundle: the parent's number with ``-01``, ``-02`` …"""
    return f"{parent_number}-{position:02d}"


CASE_NUMBER_SHAPE = re.compile(r"^[A-Za-z0-9-]{6,40}$")


def looks_like_case_number(text: str) -> bool:
    """What a barcode scanner types: used to jump straight to the case."""
    return bool(CASE_NUMBER_SHAPE.match(text.strip())) and any(c.isdigit() for c in text)


@dataclass(frozen=True)
class Case:
    """A case as stored: a single item, a bundle's parent, or one of its sub-cases.

    A bundle's parent carries the applicant, the checklist and the notice; each
    sub-case carries its own item, department and deadlines.
    """

    id: str
    number: str
    title: str
    state: CaseState
    applicant_id: str
    applicant_kind: str
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    clerk_id: str
    clerk_name: str
    window: str
    catalog_version: str
    created_at: datetime
    received_at: datetime
    updated_at: datetime
    parent_id: str | None = None
    position: int = 0
    item_code: str | None = None
    bundle_code: str | None = None
    department: str = ""
    rongque: bool = False
    deemed_accepted: bool = False
    agent_name: str = ""
    agent_id_number: str = ""
    ticket_id: str | None = None  # the serving ticket (queue), when the visit had one
    notice_at: datetime | None = None
    accepted_at: datetime | None = None
    promised_days: float = 0.0
    legal_days: float = 0.0
    extension_days: int = 0
    promised_due: datetime | None = None
    legal_due: datetime | None = None
    due_provisional: bool = False
    paused_at: datetime | None = None
    paused_days: int = 0
    decision: str = ""
    reason: str = ""
    other_office: str = ""
    delivery_method: str = ""
    delivery_address: str = ""
    waybill: str = ""
    asked_count: int = 0
    naive_count: int = 0
    exempt_count: int = 0
    #: The day a 容缺 promise of this case first lapsed; kept after closing, so a missed
    #: promise stays on the list and in the statistics.
    promise_lapsed_on: date | None = None
    #: The intake form that made it (a bundle's parent only): one form, one case.
    request_id: str | None = None
    #: 扫码评价: the unguessable token of the hand-over receipt's rating link (a top case
    #: only; "" for sub-cases and cases from before tokens). See docs/security.md.
    rating_token: str = ""

    @property
    def is_parent(self) -> bool:
        return self.bundle_code is not None and self.item_code is None

    @property
    def is_sub_case(self) -> bool:
        return self.parent_id is not None
