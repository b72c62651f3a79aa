"""Site visits (帮代办上门服务): the visit log, 预审, 代办委托 and the draft case.

A specialist works on a laptop at the enterprise, often without a network for days, so
everything here is plain data checked on the spot: a bad USCC, an expired authorisation
or one that does not cover the item is refused before anything is saved, with the reason
in Chinese at the field that must change. The hall's clerk later opens the draft and
accepts it with the checklist the specialist already worked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from counter.model.catalog import Checklist
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.identity import check_mobile, check_resident_id, check_uscc
from counter.model.intake import LineState, MaterialStatus, missing_lines
from counter.model.workdays import HolidayCalendar, next_workday


def _text(value: str, field: str, what: str, *, required: bool = True, limit: int = 200) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise ValidationError(field, f"请填写{what}")
    if len(text) > limit:
        raise ValidationError(field, f"{what}最多 {limit} 个字，现在是 {len(text)} 个")
    return text


def check_enterprise_uscc(text: str) -> tuple[str, tuple[str, ...]]:
    """The USCC normalised, with its soft warnings; what can never be right is refused."""
    check = check_uscc(text)
    if not check.ok:
        raise ValidationError("uscc", check.errors[0])
    return check.value, check.warnings


@dataclass(frozen=True)
class Visit:
    """One visit to an enterprise, as the specialist logs it."""

    id: str
    uscc: str
    enterprise_name: str
    address: str
    contact: str
    contact_phone: str
    visited_on: date
    place: str
    purpose: str
    items: tuple[str, ...]  # item or bundle codes discussed
    notes: str
    specialist_id: str
    specialist_name: str
    created_at: datetime
    updated_at: datetime
    uscc_warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisitForm:
    """The visit fields as typed."""

    uscc: str = ""
    enterprise_name: str = ""
    address: str = ""
    contact: str = ""
    contact_phone: str = ""
    visited_on: date | None = None
    place: str = ""
    purpose: str = ""
    items: tuple[str, ...] = ()
    notes: str = ""


VISIT_FIELDS = (
    "uscc",
    "enterprise_name",
    "address",
    "contact",
    "contact_phone",
    "visited_on",
    "place",
    "purpose",
    "notes",
)


@dataclass(frozen=True)
class CheckedVisit:
    uscc: str
    enterprise_name: str
    address: str
    contact: str
    contact_phone: str
    visited_on: date
    place: str
    purpose: str
    items: tuple[str, ...]
    notes: str
    warnings: tuple[str, ...]


def check_visit(form: VisitForm, today: date) -> CheckedVisit:
    """Every field in screen order; the first problem is raised at its field."""
    uscc, warnings = check_enterprise_uscc(form.uscc)
    name = _text(form.enterprise_name, "enterprise_name", "企业名称")
    if len(name) < 4:
        raise ValidationError("enterprise_name", "企业名称至少 4 个字")
    address = _text(form.address, "address", "企业地址")
    contact = _text(form.contact, "contact", "联系人")
    phone = check_mobile(form.contact_phone)
    if not phone.ok:
        raise ValidationError("contact_phone", phone.errors[0])
    if form.visited_on is None:
        raise ValidationError("visited_on", "请填写走访日期")
    if form.visited_on > today:
        raise ValidationError("visited_on", "走访日期不能晚于今天")
    place = _text(form.place, "place", "走访地点")
    purpose = _text(form.purpose, "purpose", "走访目的")
    notes = _text(form.notes, "notes", "备注", required=False, limit=2000)
    items = tuple(dict.fromkeys(c.strip().upper() for c in form.items if c.strip()))
    return CheckedVisit(
        uscc, name, address, contact, phone.value, form.visited_on, place, purpose, items,
        notes, warnings,
    )  # fmt: skip


@dataclass(frozen=True)
class FollowUpTask:
    """跟跑: something to do for the enterprise after the visit, by a date."""

    id: str
    visit_id: str
    text: str
    due: date
    done_at: datetime | None = None

    def overdue(self, today: date) -> bool:
        return self.done_at is None and self.due < today


def default_task_due(visited_on: date, calendar: HolidayCalendar) -> date:
    """When a 跟跑 task is due unless the specialist says otherwise: the next working
    day after the visit (never the visit's own day, which is nearly over)."""
    return next_workday(visited_on, calendar)


def check_task(text: str, due: date | None, visited_on: date) -> tuple[str, date]:
    what = _text(text, "task_text", "跟跑事项", limit=500)
    if due is None:
        raise ValidationError("task_due", "请填写跟跑事项的完成期限")
    if due < visited_on:
        raise ValidationError("task_due", "完成期限不能早于走访日期")
    return what, due


# --- 预审 -----------------------------------------------------------------------------


class Readiness(StrEnum):
    """What the specialist marks per line at the enterprise."""

    READY = "已备齐"
    MISSING = "待准备"
    EXEMPT = "免提交"


def readiness(state: LineState) -> Readiness:
    if state.status is MaterialStatus.EXEMPT:
        return Readiness.EXEMPT
    return Readiness.READY if state.status.received else Readiness.MISSING


@dataclass(frozen=True)
class PreReview:
    """A checklist worked at the enterprise against the catalog of the day."""

    id: str
    visit_id: str
    target_code: str
    target_name: str
    states: tuple[LineState, ...]
    catalog_version: str
    created_at: datetime


@dataclass(frozen=True)
class PrepareLine:
    name: str
    form: str
    copies: int
    why: str


@dataclass(frozen=True)
class PrepareList:
    """一次性告知 of the visit: everything still to prepare, listed once."""

    hall_name: str
    enterprise_name: str
    uscc: str
    target_name: str
    specialist: str
    made_at: datetime
    ready: tuple[str, ...]
    to_prepare: tuple[PrepareLine, ...]
    exempt: tuple[str, ...]
    contact: str = ""


def prepare_list(
    checklist: Checklist,
    states: Sequence[LineState],
    *,
    hall_name: str,
    enterprise_name: str,
    uscc: str,
    target_name: str,
    specialist: str,
    made_at: datetime,
    contact: str = "",
) -> PrepareList:
    """Every line still keeping the case from acceptance, with its reason, all at once."""
    if len(states) != len(checklist.lines):
        raise ValidationError("checklist", "预审记录与当前材料清单不一致，请重新预审")
    missing = missing_lines(checklist, states)
    return PrepareList(
        hall_name=hall_name,
        enterprise_name=enterprise_name,
        uscc=uscc,
        target_name=target_name,
        specialist=specialist,
        made_at=made_at,
        ready=tuple(
            line.material.name
            for line, state in zip(checklist.lines, states, strict=True)
            if state.status.received
        ),
        to_prepare=tuple(
            PrepareLine(
                line.material.name,
                line.form.value,
                line.copies,
                "" if why.startswith("缺少") else why,
            )
            for line, why in missing
        ),
        exempt=tuple(line.material.name for line in checklist.lines if line.exempt),
        contact=contact,
    )


# --- 代办委托 -----------------------------------------------------------------------


@dataclass(frozen=True)
class Authorisation:
    """代办委托: ``agent`` acts for the enterprise on ``scope`` (item or bundle codes)
    until ``valid_until`` inclusive."""

    id: str
    uscc: str
    enterprise_name: str
    agent_name: str
    agent_id_number: str
    scope: tuple[str, ...]
    valid_from: date
    valid_until: date
    visit_id: str
    created_at: datetime

    def check_covers(self, code: str, today: date, names: dict[str, str] | None = None) -> None:
        """Refuse an act this authorisation does not allow, saying which rule."""
        label = (names or {}).get(code, code)
        if today > self.valid_until:
            raise NotAllowedError(
                f"{self.agent_name} 的代办委托已于 {self.valid_until.isoformat()} 到期，"
                "请企业重新出具委托"
            )
        if today < self.valid_from:
            raise NotAllowedError(
                f"{self.agent_name} 的代办委托自 {self.valid_from.isoformat()} 起生效，尚未生效"
            )
        if code not in self.scope:
            raise NotAllowedError(
                f"{self.agent_name} 的代办委托不包括“{label}”，委托事项为："
                + "、".join((names or {}).get(c, c) for c in self.scope)
            )


@dataclass(frozen=True)
class AuthorisationForm:
    agent_name: str = ""
    agent_id_number: str = ""
    scope: tuple[str, ...] = ()
    valid_until: date | None = None


#: How long a 代办委托 runs unless the enterprise says otherwise.
AUTHORISATION_DAYS = 30


def default_valid_until(today: date) -> date:
    """A 代办委托's end unless the enterprise says otherwise: a month from today."""
    return today + timedelta(days=AUTHORISATION_DAYS)


def check_authorisation(
    form: AuthorisationForm, today: date, enterprise_name: str
) -> tuple[str, str, tuple[str, ...], date]:
    name = _text(form.agent_name, "agent_name", "代办人姓名", limit=50)
    if any(ch.isdigit() for ch in name):
        raise ValidationError("agent_name", "代办人姓名不应包含数字")
    check = check_resident_id(form.agent_id_number, today)
    if not check.ok:
        raise ValidationError("agent_id", f"代办人{check.errors[0]}")
    scope = tuple(dict.fromkeys(c.strip().upper() for c in form.scope if c.strip()))
    if not scope:
        raise ValidationError("scope", f"请写明{enterprise_name}委托代办的事项")
    if form.valid_until is None:
        raise ValidationError("valid_until", "请填写委托有效期")
    if form.valid_until < today:
        raise ValidationError("valid_until", "委托有效期不能早于今天")
    return name, check.value, scope, form.valid_until


def find_cover(
    authorisations: Iterable[Authorisation], agent_id: str, code: str, today: date
) -> Authorisation:
    """The authorisation that lets ``agent_id`` act on ``code`` today, or the reason none does.

    Of several, the refusal names the one that comes closest (the latest to expire).
    """
    mine = sorted(
        (a for a in authorisations if a.agent_id_number == agent_id),
        key=lambda a: a.valid_until,
        reverse=True,
    )
    if not mine:
        raise NotAllowedError("没有查到此人的代办委托记录，请核对代办人身份证号或由申请人本人办理")
    for auth in mine:
        try:
            auth.check_covers(code, today)
        except NotAllowedError:
            continue
        return auth
    mine[0].check_covers(code, today)
    raise AssertionError("unreachable")


# --- The draft case -------------------------------------------------------------------


class DraftState(StrEnum):
    OPEN = "待受理"
    TAKEN = "已受理"


@dataclass(frozen=True)
class CaseDraft:
    """A case prepared on a visit; the hall's intake opens it with everything filled."""

    id: str
    visit_id: str
    prereview_id: str
    target_code: str
    target_name: str
    uscc: str
    enterprise_name: str
    legal_rep: str
    contact: str
    phone: str
    agent_name: str
    agent_id_number: str
    authorisation_id: str
    states: tuple[LineState, ...]
    specialist_id: str
    specialist_name: str
    created_at: datetime
    state: DraftState = DraftState.OPEN
    case_number: str = ""
    taken_at: datetime | None = None
    taken_by: str = ""


# --- Monthly figures -----------------------------------------------------------------


@dataclass(frozen=True)
class VisitCounts:
    """One month's site work, for the hall's figures (issue 8 statistics page)."""

    month: str  # YYYY-MM
    visits: int
    enterprises: int
    prereviews: int
    drafts: int
    agent_services: int  # drafts taken in at the hall under an authorisation
