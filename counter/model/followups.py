"""Follow-ups: bad-review rectification, the 办不成事 register, 涉企诉求, reception-day problems.

All four share one shape — who, what, which items, why, a handler, deadlines, notes, an
outcome, linked cases — and differ in their deadlines and states:

* a bad review (差评) must be called back within 1 working day and fixed within 15
  (**configurable**); the clerk may appeal a mistaken or malicious rating (申诉复核);
* an enterprise complaint (涉企诉求) is answered within 7 days and resolved within
  2 months (**configurable**, calendar time as the 信访 rules count it); a period that
  ends on a holiday or a weekend ends on the next working day instead (民法典 Art. 203);
* a 办不成事 matter or a reception-day problem gets a deadline in working days that the
  supervisor sets (default **configurable**).

Every step needs a note saying what was done: the record is what the hall shows when
asked how a complaint was handled.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from counter.model.deadlines import Light, traffic_light
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.workdays import HolidayCalendar, WorkingHours, add_working_days, next_workday

MAX_NOTE = 1000


class FollowUpKind(StrEnum):
    BAD_REVIEW = "差评整改"
    CANNOT_DO = "办不成事"
    ENTERPRISE = "涉企诉求"
    RECEPTION = "接待日问题"


class FollowUpState(StrEnum):
    CALLBACK = "待回访"
    FIXING = "整改中"
    FIXED = "已整改"
    APPEALING = "申诉中"
    APPEAL_UPHELD = "申诉成立"
    APPEAL_REJECTED = "申诉驳回"
    OPEN = "待办理"
    IN_PROGRESS = "办理中"
    DONE = "已办结"

    @property
    def closed(self) -> bool:
        return self in (FollowUpState.FIXED, FollowUpState.APPEAL_UPHELD, FollowUpState.DONE)


class Step(StrEnum):
    """What the handler records; each step carries a note."""

    CALLED_BACK = "已回访"
    FIXED = "整改完成"
    APPEAL = "提出申诉"
    UPHOLD = "申诉成立"
    REJECT_APPEAL = "申诉驳回"
    RESPOND = "已答复"
    CLOSE = "办结"
    NOTE = "补充记录"


_S = FollowUpState
TRANSITIONS: dict[tuple[FollowUpState, Step], FollowUpState] = {
    (_S.CALLBACK, Step.CALLED_BACK): _S.FIXING,
    (_S.CALLBACK, Step.FIXED): _S.FIXED,  # 立行立改: fixed at once, called back with it
    (_S.CALLBACK, Step.APPEAL): _S.APPEALING,
    (_S.FIXING, Step.FIXED): _S.FIXED,
    (_S.FIXING, Step.APPEAL): _S.APPEALING,
    (_S.APPEALING, Step.UPHOLD): _S.APPEAL_UPHELD,
    (_S.APPEALING, Step.REJECT_APPEAL): _S.APPEAL_REJECTED,
    (_S.APPEAL_REJECTED, Step.FIXED): _S.FIXED,
    (_S.OPEN, Step.RESPOND): _S.IN_PROGRESS,
    (_S.OPEN, Step.CLOSE): _S.DONE,
    (_S.IN_PROGRESS, Step.CLOSE): _S.DONE,
}

#: Steps that meet the first deadline (call back / respond).
FIRST_STEPS = (Step.CALLED_BACK, Step.FIXED, Step.APPEAL, Step.RESPOND, Step.CLOSE)


def steps_allowed(state: FollowUpState) -> tuple[Step, ...]:
    found = tuple(step for (s, step) in TRANSITIONS if s is state)
    return found if state.closed else (*found, Step.NOTE)


@dataclass(frozen=True)
class DeadlineRules:
    callback_days: float = 1
    fix_days: float = 15
    enterprise_response_days: int = 7
    enterprise_resolution_months: int = 2
    register_days: float = 5


@dataclass(frozen=True)
class Note:
    id: str
    followup_id: str
    at: datetime
    step: Step
    from_state: FollowUpState
    to_state: FollowUpState
    text: str
    staff_id: str
    staff_name: str


@dataclass(frozen=True)
class FollowUp:
    id: str
    kind: FollowUpKind
    state: FollowUpState
    opened_at: datetime
    who: str
    contact: str
    matter: str
    items: tuple[str, ...]
    why: str
    handler: str
    first_due: datetime | None
    final_due: datetime
    first_done_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str = ""
    cases: tuple[str, ...] = ()
    rating_id: str = ""
    department: str = ""
    window: str = ""
    clerk_id: str = ""
    clerk_name: str = ""
    due_provisional: bool = False
    staff_id: str = ""
    staff_name: str = ""
    updated_at: datetime | None = None

    @property
    def next_due(self) -> datetime | None:
        """The deadline that matters now: the call-back until done, then the fix."""
        if self.state.closed:
            return None
        if self.first_due is not None and self.first_done_at is None:
            return self.first_due
        return self.final_due

    def overdue(self, now: datetime) -> bool:
        due = self.next_due
        return due is not None and now > due

    def light(self, now: datetime, yellow_share: float = 0.25) -> Light | None:
        due = self.next_due
        return None if due is None else traffic_light(self.opened_at, due, now, yellow_share)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or that month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, _calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def on_a_working_day(due: datetime, holidays: HolidayCalendar) -> tuple[datetime, bool]:
    """``due``, or the same time on the next working day when ``due`` falls on a holiday
    or a weekend (民法典 Art. 203: a period whose last day is a rest day ends on the day
    after the rest); and whether a year it looked at lacks the hall's table (暂定)."""
    day = due.date()
    moved = day if holidays.is_workday(day) else next_workday(day, holidays)
    unsure = not (holidays.is_known(day) and holidays.is_known(moved))
    return due.replace(year=moved.year, month=moved.month, day=moved.day), unsure


@dataclass(frozen=True)
class Deadlines:
    first: datetime | None
    final: datetime
    provisional: bool


def deadlines_for(
    kind: FollowUpKind,
    opened_at: datetime,
    rules: DeadlineRules,
    holidays: HolidayCalendar,
    hours: WorkingHours,
    register_days: float | None = None,
) -> Deadlines:
    if kind is FollowUpKind.BAD_REVIEW:
        first = add_working_days(opened_at, rules.callback_days, holidays, hours)
        final = add_working_days(opened_at, rules.fix_days, holidays, hours)
        return Deadlines(first.due, final.due, first.provisional or final.provisional)
    if kind is FollowUpKind.ENTERPRISE:
        reply, reply_unsure = on_a_working_day(
            opened_at + timedelta(days=rules.enterprise_response_days), holidays
        )
        resolved, resolved_unsure = on_a_working_day(
            add_months(opened_at, rules.enterprise_resolution_months), holidays
        )
        return Deadlines(reply, resolved, reply_unsure or resolved_unsure)
    days = rules.register_days if register_days is None else register_days
    final = add_working_days(opened_at, days, holidays, hours)
    return Deadlines(None, final.due, final.provisional)


@dataclass(frozen=True)
class Matter:
    """What a person registers: the shared shape of the hall's follow-ups."""

    kind: FollowUpKind
    who: str
    matter: str
    contact: str = ""
    items: tuple[str, ...] = ()
    why: str = ""
    handler: str = ""
    cases: tuple[str, ...] = ()
    due_days: float | None = None  # 办不成事 / 接待日: working days, else the default


def check_matter(matter: Matter) -> Matter:
    if matter.kind is FollowUpKind.BAD_REVIEW:
        raise ValidationError("kind", "差评整改由差评自动生成，不能手工登记")
    who = matter.who.strip()
    if not who:
        raise ValidationError("who", "请填写诉求人（个人姓名或企业名称）")
    what = matter.matter.strip()
    if not what:
        raise ValidationError("matter", "请填写诉求内容：要办什么事")
    why = matter.why.strip()
    if matter.kind is FollowUpKind.CANNOT_DO and not why:
        raise ValidationError("why", "请填写办不成的原因")
    if matter.due_days is not None and not 0.5 <= matter.due_days <= 60:
        raise ValidationError("due_days", "办理期限应在 0.5 到 60 个工作日之间")
    items = tuple(dict.fromkeys(i.strip() for i in matter.items if i.strip()))
    cases = tuple(dict.fromkeys(c.strip() for c in matter.cases if c.strip()))
    return replace(
        matter,
        who=who,
        matter=what,
        why=why,
        contact=matter.contact.strip(),
        handler=matter.handler.strip(),
        items=items,
        cases=cases,
    )


def check_note(text: str) -> str:
    note = text.strip()
    if not note:
        raise ValidationError("note", "请填写办理情况说明（回访、整改或办结都要留下记录）")
    if len(note) > MAX_NOTE:
        raise ValidationError("note", f"说明最多 {MAX_NOTE} 字")
    return note


def apply_step(
    followup: FollowUp, step: Step, note: str, now: datetime, *, outcome: str = ""
) -> FollowUp:
    """The follow-up after ``step``; raises when the state does not allow it."""
    note = check_note(note)
    if step is Step.NOTE:
        if followup.state.closed:
            raise NotAllowedError("已结束的事项不能再补充记录")
        return replace(followup, updated_at=now)
    target = TRANSITIONS.get((followup.state, step))
    if target is None:
        raise NotAllowedError(f"“{followup.state.value}”状态下不能“{step.value}”")
    changed = replace(followup, state=target, updated_at=now)
    if step in FIRST_STEPS and followup.first_done_at is None:
        changed = replace(changed, first_done_at=now)
    if target.closed:
        changed = replace(changed, closed_at=now, outcome=outcome.strip() or note)
    return changed


def sort_for_supervisor(followups: list[FollowUp]) -> list[FollowUp]:
    """Open ones first by the deadline that matters now; closed ones after, newest first."""
    far = datetime.max.replace(tzinfo=None)

    def key(f: FollowUp) -> tuple[int, object, float]:
        due = f.next_due
        if due is None:
            return (1, far, -(f.closed_at or f.opened_at).timestamp())
        return (0, due.replace(tzinfo=None), 0.0)

    return sorted(followups, key=key)
