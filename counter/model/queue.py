"""Queue tickets: categories, ticket states, the call-order rule and the day's figures.

Pure rules, no clock and no store: the moment is always passed in, so the same rules
serve the local queue today and a central-owned queue later.

The call-order rule (:class:`CallRule`)
---------------------------------------
A window calling "next" looks at the waiting tickets of the categories it serves (and
tickets transferred to it by name) in three lanes:

1. **priority** — 绿色通道 (elderly, disabled, military …; the reason is recorded);
2. **appointment** — visitors who booked and checked in at the kiosk;
3. **normal** — everyone else, first come first served.

Within a lane, the earliest place in the queue goes first (issue time; a late arrival
re-queued behind N tickets takes the place after the N-th). Lanes are taken in the
order above, except that after ``interleave`` calls in a row from the priority and
appointment lanes at this window, the next call goes to the normal lane if anyone is
waiting there: the normal queue is never starved. ``interleave = 0`` switches the
interleave off (strict lane order). Both the lane order and the ratio are settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from counter.model.clock import to_ms
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.identity import check_resident_id, mask_name, normalise
from counter.model.links import QUEUE_VIEW_URL

DEFAULT_PRIORITY_REASONS = ("老年人", "残疾人", "军人", "孕妇或携带婴幼儿")
APPOINTMENT_REASON = "预约"
#: Today's calls a board is given, one per ticket, newest first: as many as a board
#: lists at most (board_recent is 1–10). From the day's record, not the board's memory,
#: so a board restarted at noon still lists the calls a person who looked away missed.
BOARD_CALLS = 10


class Lane(IntEnum):
    PRIORITY = 0
    APPOINTMENT = 1
    NORMAL = 2

    @property
    def label(self) -> str:
        return {Lane.PRIORITY: "绿色通道", Lane.APPOINTMENT: "预约", Lane.NORMAL: "普通"}[self]


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    HELD = "held"
    DONE = "done"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    TicketState.WAITING: "等候中",
    TicketState.CALLED: "已叫号",
    TicketState.SERVING: "办理中",
    TicketState.HELD: "挂起（补材料）",
    TicketState.DONE: "已办结",
    TicketState.NO_SHOW: "过号",
}

#: The actions a ticket in each state allows, and the state each leads to.
TRANSITIONS: dict[TicketState, dict[str, TicketState]] = {
    TicketState.WAITING: {"call": TicketState.CALLED},
    TicketState.CALLED: {
        "recall": TicketState.CALLED,
        "skip": TicketState.NO_SHOW,
        "start": TicketState.SERVING,
        "finish": TicketState.DONE,
        "hold": TicketState.HELD,
        "transfer": TicketState.WAITING,
    },
    TicketState.SERVING: {
        "finish": TicketState.DONE,
        "hold": TicketState.HELD,
        "transfer": TicketState.WAITING,
        "recall": TicketState.SERVING,
    },
    TicketState.HELD: {"resume": TicketState.SERVING, "transfer": TicketState.WAITING},
    TicketState.NO_SHOW: {"call": TicketState.CALLED, "requeue": TicketState.WAITING},
    TicketState.DONE: {},
}

ACTION_LABELS = {
    "call": "叫号",
    "recall": "重呼",
    "skip": "过号",
    "start": "开始办理",
    "finish": "办结",
    "hold": "挂起",
    "resume": "恢复办理",
    "transfer": "转移",
    "requeue": "重新排队",
}


class ClerkState(StrEnum):
    SERVING = "serving"
    IDLE = "idle"
    BREAK = "break"

    @property
    def label(self) -> str:
        return {
            ClerkState.SERVING: "办理中",
            ClerkState.IDLE: "空闲",
            ClerkState.BREAK: "暂停服务",
        }[self]


@dataclass(frozen=True)
class Category:
    """A business type with its letter prefix and the windows that serve it."""

    code: str  # the letter prefix, e.g. "A"
    name: str
    windows: tuple[str, ...] = ()
    sort: int = 0
    active: bool = True

    def served_by(self, window: str) -> bool:
        return window in self.windows


def check_prefix(code: str) -> str:
    value = code.strip().upper()
    if len(value) != 1 or not ("A" <= value <= "Z"):
        raise ValidationError("code", f"业务类别代码应为一个英文字母，收到“{code}”")
    return value


def format_number(prefix: str, seq: int) -> str:
    """``A`` and 17 → ``A017``; past 999 the number simply grows (``A1000``)."""
    return f"{prefix}{seq:03d}"


def numbering_key(day: date, reset_daily: bool) -> str:
    """The key numbers count under: the day when numbering resets daily, else one run."""
    return day.isoformat() if reset_daily else "all"


def ticket_id(day: date, number: str) -> str:
    """Short and unique per hall day: fits a Code128 on a 58 mm slip."""
    return f"{day:%Y%m%d}-{number}"


@dataclass(frozen=True)
class Ticket:
    id: str
    day: date
    category: str
    number: str
    seq: int
    issued_at: datetime
    state: TicketState
    lane: Lane
    queue_key: float  # place in its lane; smaller is earlier
    priority_reason: str = ""
    appointment_code: str = ""
    person_id: str = ""
    person_name: str = ""
    target_window: str = ""  # transferred to this window by name: only it calls the ticket
    window: str = ""  # the window that called it last
    clerk_id: str = ""
    clerk_name: str = ""
    first_called_at: datetime | None = None
    last_called_at: datetime | None = None
    call_count: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    services: tuple[str, ...] = ()
    cases: tuple[str, ...] = ()

    @classmethod
    def issued(
        cls,
        category: str,
        seq: int,
        lane: Lane,
        now: datetime,
        *,
        priority_reason: str = "",
        appointment_code: str = "",
        person_id: str = "",
        person_name: str = "",
    ) -> Ticket:
        """A new number, waiting, with its reason, booking and person fields. Its
        place in the lane is the issue time plus the number's share of a millisecond, so
        no two tie — the same wherever the number is issued, centrally or offline."""
        day = now.date()
        number = format_number(category, seq)
        return cls(
            id=ticket_id(day, number),
            day=day,
            category=category,
            number=number,
            seq=seq,
            issued_at=now,
            state=TicketState.WAITING,
            lane=lane,
            queue_key=to_ms(now) + (seq % 1000) / 1000,
            priority_reason=priority_reason,
            appointment_code=appointment_code,
            person_id=person_id,
            person_name=person_name,
        )

    @property
    def masked_name(self) -> str:
        return mask_name(self.person_name) if self.person_name else ""

    @property
    def lane_text(self) -> str:
        if self.lane is Lane.PRIORITY:
            return f"绿色通道（{self.priority_reason}）"
        if self.lane is Lane.APPOINTMENT:
            return f"预约 {self.appointment_code}"
        return "普通"

    def check_action(self, action: str, today: date) -> TicketState:
        """The state ``action`` leads to, or a Chinese refusal naming the ticket's state."""
        if self.day != today:
            raise NotAllowedError(
                f"{self.number} 号是 {self.day:%m月%d日} 取的号，不是今天的号，"
                f"不能{ACTION_LABELS[action]}；请到导服台重新取号"
            )
        allowed = TRANSITIONS[self.state]
        if action not in allowed:
            raise NotAllowedError(
                f"{self.number} 号当前“{self.state.label}”，不能{ACTION_LABELS[action]}"
            )
        return allowed[action]

    def check_at_window(self, window: str) -> None:
        if self.window != window:
            raise NotAllowedError(
                f"{self.number} 号由 {self.window or '其他'} 号窗口叫号，"
                f"本窗口（{window} 号）不能操作"
            )


# --- the rulebook: what each window action does to a ticket ------------------------------
# The local queue, the central's hall queue and the counter's client only load, lock,
# store and send; what an action means, and each refusal's wording, is decided here once.

#: The states in which a window holds a ticket: it must be done with before the next.
HELD_AT_WINDOW = frozenset({TicketState.CALLED, TicketState.SERVING})
#: The states a ticket may have a case linked to it (being served, or just served).
LINKABLE = frozenset({TicketState.CALLED, TicketState.SERVING, TicketState.HELD, TicketState.DONE})
#: How the clerk stands after an action leaves her ticket in this state (absent: as she
#: was): serving once she calls, free once the ticket is done, missed or sent on.
CLERK_AFTER: dict[TicketState, ClerkState] = {
    TicketState.CALLED: ClerkState.SERVING,
    TicketState.DONE: ClerkState.IDLE,
    TicketState.NO_SHOW: ClerkState.IDLE,
    TicketState.WAITING: ClerkState.IDLE,
}


def busy_refusal(number: str) -> NotAllowedError:
    """One ticket at a time at a window: the one it holds must be done with first."""
    return NotAllowedError(f"请先办结、过号、挂起或转移当前的 {number} 号，再叫下一位")


def check_hands_free(at_window: Iterable[Ticket]) -> None:
    """Refuse a call (or a resume, or a break) while the window holds a ticket."""
    for ticket in at_window:
        if ticket.state in HELD_AT_WINDOW:
            raise busy_refusal(ticket.number)


def called(ticket: Ticket, window: str, clerk_id: str, clerk_name: str, now: datetime) -> Ticket:
    """The ticket as a window's call leaves it (call next, call specific)."""
    return replace(
        ticket,
        state=TicketState.CALLED,
        window=window,
        clerk_id=clerk_id,
        clerk_name=clerk_name,
        first_called_at=ticket.first_called_at or now,
        last_called_at=now,
        call_count=ticket.call_count + 1,
        target_window="",
    )


@dataclass(frozen=True)
class Step:
    """A window action done to a ticket: the ticket after it, and what its event records."""

    ticket: Ticket
    detail: dict[str, Any] | None = None


def stepped(
    ticket: Ticket,
    action: str,
    now: datetime,
    *,
    services: Sequence[str] = (),
    category: str = "",
    window: str = "",
) -> Step:
    """Recall, skip, hold, resume, start, finish or transfer ``ticket`` at its window.

    The state comes from :data:`TRANSITIONS` (a refusal names the ticket's state); the
    window's own checks (its ticket, its hands free for a resume) are the caller's,
    made against what it holds.
    """
    state = ticket.check_action(action, now.date())
    changes: dict[str, Any] = {}
    detail: dict[str, Any] | None = None
    if action == "resume":
        changes = {"started_at": ticket.started_at or now}
    elif action == "recall":
        changes = {"last_called_at": now, "call_count": ticket.call_count + 1}
    elif action == "start":
        changes = {"started_at": now}
    elif action == "finish":
        delivered = check_services(services)
        detail = {"services": list(delivered)}
        changes = {
            "services": delivered,
            "finished_at": now,
            "started_at": ticket.started_at or ticket.last_called_at or now,
        }
    elif action == "transfer":
        code = category or ticket.category
        detail = {"from": ticket.category, "category": code, "window": window}
        changes = {"category": code, "target_window": window}
    return Step(replace(ticket, state=state, **changes), detail)


def requeued(ticket: Ticket, keys_ahead: Sequence[float], behind: int, now: datetime) -> Ticket:
    """A late arrival after 过号, back in its lane behind ``behind`` waiting tickets."""
    ticket.check_action("requeue", now.date())
    key = requeue_key(keys_ahead, behind, float(to_ms(now)))
    return replace(ticket, state=TicketState.WAITING, queue_key=key, window="", target_window="")


def linked(ticket: Ticket, case_number: str) -> Ticket:
    """The ticket with a case opened while serving it (the same ticket if already so)."""
    number = check_case_number(case_number)
    if ticket.state not in LINKABLE:
        raise NotAllowedError(f"{ticket.number} 号当前“{ticket.state.label}”，不能关联办件")
    if number in ticket.cases:
        return ticket
    return replace(ticket, cases=(*ticket.cases, number))


def call_text(number: str, window: str) -> str:
    """What the board shows and the voice says."""
    return f"请{number}号到{window}号窗口办理"


@dataclass(frozen=True)
class CallRule:
    """Lane order plus the interleave ratio; see the module docstring for the rule."""

    lanes: tuple[Lane, ...] = (Lane.PRIORITY, Lane.APPOINTMENT, Lane.NORMAL)
    interleave: int = 3

    def __post_init__(self) -> None:
        if sorted(self.lanes) != sorted(Lane):
            raise ValidationError("lanes", "叫号顺序必须恰好包含绿色通道、预约和普通三类")
        if self.interleave < 0:
            raise ValidationError("interleave", "插叫比例不能为负数；0 表示不插叫普通号")

    def choose(self, waiting: Iterable[Lane], recent: Sequence[Lane]) -> Lane | None:
        """The lane to call from, given the lanes with someone waiting and this window's
        recent calls (most recent first)."""
        available = set(waiting)
        if not available:
            return None
        if self.interleave and Lane.NORMAL in available:
            streak = 0
            for lane in recent:
                if lane is Lane.NORMAL:
                    break
                streak += 1
            if streak >= self.interleave:
                return Lane.NORMAL
        return next(lane for lane in self.lanes if lane in available)


@dataclass(frozen=True)
class QueueRules:
    """The hall's queue settings, as plain values (see counter.model.settings)."""

    call_rule: CallRule = field(default_factory=CallRule)
    priority_reasons: tuple[str, ...] = DEFAULT_PRIORITY_REASONS
    one_waiting_per_person: bool = True
    reset_daily: bool = True
    requeue_behind: int = 3
    #: Category codes whose tickets are issued only on the visitor's ID (typed at the
    #: kiosk or read from the card): the hall's ``queue_id_required`` setting.
    id_required: frozenset[str] = frozenset()
    #: The slip's QR (扫码看排队): the hall's ``queue_view_url`` template.
    view_url: str = QUEUE_VIEW_URL

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> QueueRules:
        """The queue's rules from the hall's settings (counter.model.settings, checked)."""
        return cls(
            call_rule=CallRule(interleave=int(settings["queue_interleave"])),
            priority_reasons=tuple(str(settings["queue_priority_reasons"]).split(",")),
            one_waiting_per_person=bool(settings["queue_one_per_person"]),
            reset_daily=bool(settings["queue_reset_daily"]),
            requeue_behind=int(settings["queue_requeue_behind"]),
            id_required=frozenset(c for c in str(settings["queue_id_required"]).split(",") if c),
            view_url=str(settings.get("queue_view_url", QUEUE_VIEW_URL)),
        )

    def requires_id(self, category: str) -> bool:
        return category in self.id_required

    def check_priority_reason(self, reason: str) -> str:
        value = reason.strip()
        if value and value != APPOINTMENT_REASON and value not in self.priority_reasons:
            allowed = "、".join(self.priority_reasons)
            raise ValidationError(
                "priority_reason", f"绿色通道原因“{value}”不在可选范围内：{allowed}"
            )
        return value

    def lane_for(self, priority_reason: str) -> tuple[Lane, str]:
        """The lane a new ticket joins, with its checked 绿色通道 reason."""
        reason = self.check_priority_reason(priority_reason)
        return (Lane.PRIORITY if reason else Lane.NORMAL), reason


def check_services(services: Iterable[str]) -> tuple[str, ...]:
    """办结 records what was actually done: at least one service, each once."""
    delivered = tuple(dict.fromkeys(s.strip() for s in services if s.strip()))
    if not delivered:
        raise ValidationError("services", "请填写本次实际办理的事项（至少一项）")
    return delivered


def check_transfer(
    target: Category | None,
    window: str,
    categories: Iterable[Category],
    here: str,
    current: str = "",
) -> None:
    """A transfer goes to a named window that serves, or else to another category that
    has windows. ``current`` is the ticket's own category, where the caller knows it."""
    if window:
        if window not in {w for c in categories for w in c.windows}:
            raise ValidationError("transfer_window", f"没有 {window} 号窗口在办理业务")
        if window == here:
            raise ValidationError("transfer_window", "不能转到本窗口")
    elif target is None:
        raise ValidationError("transfer_category", "请选择另一个业务类别或指定窗口")
    elif not target.windows:
        raise ValidationError("transfer_category", f"“{target.name}”目前没有窗口办理，不能转过去")
    elif target.code == current:
        raise ValidationError("transfer_category", "请选择另一个业务类别或指定窗口")


def check_case_number(number: str) -> str:
    value = number.strip()
    if not value:
        raise ValidationError("case_number", "办件编号不能为空")
    return value


def check_in_code(code_or_id: str) -> str:
    """What the visitor types at the kiosk: a booking code or an ID number (an ID
    normalised as the intake normalises it)."""
    value = code_or_id.strip().upper()
    if not value:
        raise ValidationError("code", "请输入预约号或身份证号")
    folded = normalise(value)
    return folded if re.fullmatch(r"\d{17}[\dX]", folded) else value


def check_person(rules: QueueRules, category: Category, person_id: str, today: date) -> str:
    """The visitor's ID as a ticket keeps it: normalised (spaces, full-width digits and
    invisible characters gone), so one person is one person to the one-ticket rule
    however the number was typed. A category the hall issues only on an ID refuses a
    ticket without a valid one, at the ID field."""
    value = normalise(person_id)
    if not rules.requires_id(category.code):
        return value
    if not value:
        raise ValidationError(
            "person_id", f"“{category.name}”须凭本人身份证取号：请刷身份证或输入身份证号码"
        )
    check = check_resident_id(value, today)
    if not check.ok:
        raise ValidationError("person_id", check.errors[0])
    return check.value


def check_one_waiting(
    rules: QueueRules, person_id: str, category: Category, open_numbers: Sequence[str]
) -> None:
    """One waiting ticket per person per category, when the hall turns the rule on."""
    if rules.one_waiting_per_person and person_id and open_numbers:
        raise NotAllowedError(
            f"该证件今天已在“{category.name}”取了 {open_numbers[0]} 号，尚未办理完毕，"
            "同一类业务每人只能有一张等候中的号"
        )


def requeue_key(keys_ahead: Sequence[float], behind: int, fallback: float) -> float:
    """A place right behind the ``behind``-th waiting ticket (keys in queue order).

    Fewer waiting than that: at the end of the queue (``fallback`` if nobody waits).
    """
    if not keys_ahead:
        return fallback
    if behind <= 0:
        return keys_ahead[0] - 1.0
    if len(keys_ahead) <= behind:
        return keys_ahead[-1] + 1.0
    return (keys_ahead[behind - 1] + keys_ahead[behind]) / 2


@dataclass(frozen=True)
class Appointment:
    code: str
    day: date
    category: str
    name: str
    id_number: str
    slot: str  # e.g. "09:00-09:30"
    ticket_id: str = ""
    checked_in_at: datetime | None = None

    def check_can_check_in(self, today: date) -> None:
        if self.day != today:
            raise NotAllowedError(
                f"预约 {self.code} 的日期是 {self.day:%Y年%m月%d日}，不是今天，不能签到"
            )
        if self.ticket_id:
            raise NotAllowedError(
                f"预约 {self.code} 已签到，排队号 {self.ticket_id.split('-')[-1]}"
            )


@dataclass(frozen=True)
class ClerkSpan:
    """One stretch of a clerk's day in one state (closed at ``until``)."""

    staff_id: str
    window: str
    state: ClerkState
    since: datetime
    until: datetime


def clerk_spans(
    changes: Sequence[tuple[str, str, ClerkState, datetime]], now: datetime
) -> list[ClerkSpan]:
    """Turn (staff, window, state, at) changes, in time order, into closed spans."""
    spans: list[ClerkSpan] = []
    last: dict[str, tuple[str, ClerkState, datetime]] = {}
    for staff_id, window, state, at in changes:
        if staff_id in last:
            w, s, since = last[staff_id]
            spans.append(ClerkSpan(staff_id, w, s, since, at))
        last[staff_id] = (window, state, at)
    for staff_id, (w, s, since) in last.items():
        spans.append(ClerkSpan(staff_id, w, s, since, max(since, now)))
    return spans


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 when there are no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class QueueStats:
    day: date
    waiting: dict[str, int]  # category code → waiting now
    avg_wait: timedelta
    p90_wait: timedelta
    avg_service: timedelta
    p90_service: timedelta
    per_window: dict[str, int]  # window → tickets finished
    no_shows: int
    issued: int
    clerk_time: dict[tuple[str, ClerkState], timedelta]  # (window, state) → time today


def _seconds(values: Sequence[float]) -> tuple[timedelta, timedelta]:
    if not values:
        return timedelta(0), timedelta(0)
    return timedelta(seconds=sum(values) / len(values)), timedelta(seconds=percentile(values, 0.9))


def statistics(today: date, tickets: Sequence[Ticket], spans: Sequence[ClerkSpan]) -> QueueStats:
    """The day's figures from the day's tickets and the clerks' state spans."""
    waits = [
        (t.first_called_at - t.issued_at).total_seconds()
        for t in tickets
        if t.first_called_at is not None
    ]
    services = [
        (t.finished_at - t.started_at).total_seconds()
        for t in tickets
        if t.finished_at is not None and t.started_at is not None
    ]
    waiting: dict[str, int] = {}
    per_window: dict[str, int] = {}
    for t in tickets:
        if t.state is TicketState.WAITING:
            waiting[t.category] = waiting.get(t.category, 0) + 1
        if t.state is TicketState.DONE:
            per_window[t.window] = per_window.get(t.window, 0) + 1
    clerk_time: dict[tuple[str, ClerkState], timedelta] = {}
    for span in spans:
        key = (span.window, span.state)
        clerk_time[key] = clerk_time.get(key, timedelta(0)) + (span.until - span.since)
    avg_wait, p90_wait = _seconds(waits)
    avg_service, p90_service = _seconds(services)
    return QueueStats(
        day=today,
        waiting=waiting,
        avg_wait=avg_wait,
        p90_wait=p90_wait,
        avg_service=avg_service,
        p90_service=p90_service,
        per_window=per_window,
        no_shows=sum(1 for t in tickets if t.state is TicketState.NO_SHOW),
        issued=len(tickets),
        clerk_time=clerk_time,
    )
