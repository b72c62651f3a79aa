"""办件进度查询: what an applicant may learn of a case from its number and four digits.

The public progress page (issue 31) answers anyone who holds a case number and the last
four characters of the applicant's ID number or phone, so it shows what the paper
receipt already showed and nothing more: the item, the state, each step with its date,
the deadline and the working days left, the 一次性告知 list of what is still missing,
and where the result is collected. The applicant's name is masked; no ID number, phone,
address, clerk or reason text is shown (a refusal's reason is on the notice the
applicant holds). The rules live here so the page, its tests and any later channel (a
phone app, a kiosk) answer alike.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from counter.model.cases import Action, CaseState, Delivery, looks_like_case_number
from counter.model.errors import ValidationError
from counter.model.identity import mask_name, normalise
from counter.model.intake import MaterialStatus
from counter.model.workdays import HolidayCalendar, count_working_days

#: How many characters the applicant gives: the last four of the ID number or phone.
CHECK_LENGTH = 4
#: Wrong tries one case number takes before it is locked (counted across addresses).
WRONG_TRIES = 5
#: The one answer to a wrong number or wrong digits: the page must not tell which.
NOT_FOUND = "查询不到这件办件：请核对办件编号和证件号码（或手机号码）后四位"
#: What a locked case number answers, with the minutes the lock lasts.
LOCKED = "这件办件的查询错误次数过多，已暂停查询，请 {} 分钟后再试，或到大厅窗口咨询"

#: Steps the applicant sees, in their words; events not listed (a reprint, a deadline
#: recomputed) are the hall's business.
_STEP_WORDS: dict[Action, str] = {
    Action.CREATE: "收件预审",
    Action.SUPPLEMENT: "一次性告知需补正材料",
    Action.REJECT: "不予受理",
    Action.ACCEPT: "已受理",
    Action.SUPPLEMENT_ARRIVED: "补正材料收齐，已受理",
    Action.START: "开始办理",
    Action.PAUSE: "暂停计时（如听证、检验、公示）",
    Action.RESUME: "恢复计时",
    Action.APPROVE: "办结：准予",
    Action.DENY: "办结：不予",
    Action.DELIVER: "已出件",
    Action.TERMINATE: "终止办理",
    Action.EXTEND: "延长办理期限",
    Action.PROMISE_MET: "容缺材料已补齐",
}


@dataclass(frozen=True)
class Step:
    on: date
    text: str


@dataclass(frozen=True)
class CaseProgress:
    number: str
    title: str
    applicant: str  # masked
    state: str
    closed: bool
    steps: tuple[Step, ...]
    due: date | None
    days_left: int | None  # working days from today to the due day; None when closed
    overdue: bool
    missing: tuple[str, ...]  # the 一次性告知 list: what is still to be brought
    collect: str  # where and how the result is collected


def check_query(number: str, last4: str) -> tuple[str, str]:
    """The two fields as typed, checked and normalised (upper-case, half-width)."""
    number = typed_case_number(number)
    last4 = normalise(last4).upper()
    if not number:
        raise ValidationError("number", "请输入办件编号（受理通知书或回执上的编号）")
    if not looks_like_case_number(number):
        raise ValidationError("number", "办件编号由字母、数字和“-”组成，请照回执上的编号输入")
    if len(last4) != CHECK_LENGTH or not all(c.isascii() and c.isalnum() for c in last4):
        raise ValidationError(
            "last4", "请输入申请人证件号码（或统一社会信用代码）或手机号码的后四位，共 4 位"
        )
    return number, last4


_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−－"), "-")


def typed_case_number(text: str) -> str:
    """A case number as a phone keyboard or a paste gives it: full-width folded to half
    width (NFKC), any dash to ``-``, spaces and invisible format characters dropped,
    upper case. Unlike an ID number's, a case number's hyphens are part of it."""
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES)
    kept = (ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return "".join(kept).upper()


def holder_matches(case: dict[str, Any], last4: str) -> bool:
    """The applicant's (or agent's) ID number or the phone ends with ``last4``."""
    ends = (
        normalise(str(case.get(field) or "")).upper()[-CHECK_LENGTH:]
        for field in ("applicant_id_number", "applicant_phone", "agent_id_number")
    )
    return any(len(end) == CHECK_LENGTH and end == last4 for end in ends)


def _day(text: object) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text)).date()
    except ValueError:
        try:
            return date.fromisoformat(str(text)[:10])
        except ValueError:
            return None


_STILL_TO_BRING = (MaterialStatus.MISSING.value, MaterialStatus.PROMISED.value)


def _asked(material: dict[str, Any]) -> bool:
    """An optional material the clerk asked for (``asked_by`` names who) is owed too."""
    try:
        return bool(json.loads(str(material.get("asked_by") or "[]")))
    except ValueError:
        return False


def _collect(case: dict[str, Any], hall_name: str) -> str:
    if case.get("delivery_method") == Delivery.POST.value:
        return "邮寄送达（地址以受理时登记的为准）"
    window = str(case.get("window") or "")
    place = hall_name or "政务服务大厅"
    return f"{place}{window}号窗口领取" if window else f"{place}综合窗口领取"


def progress(
    case: dict[str, Any],
    events: list[dict[str, Any]],
    materials: list[dict[str, Any]],
    calendar: HolidayCalendar,
    today: date,
    hall_name: str = "",
) -> CaseProgress:
    """The applicant's view of one case, from the synced rows (the counters' columns)."""
    try:
        state = CaseState(str(case.get("state", "")))
    except ValueError:
        state = CaseState.PROCESSING
    steps: list[Step] = []
    for event in sorted(events, key=lambda e: str(e.get("at", ""))):
        try:
            action = Action(str(event.get("action", "")))
        except ValueError:
            continue
        words = _STEP_WORDS.get(action)
        on = _day(event.get("at"))
        if words and on is not None:
            steps.append(Step(on, words))
    due = None if state.closed else _day(case.get("promised_due") or case.get("legal_due"))
    days_left = None
    overdue = False
    if due is not None:
        if due >= today:
            days_left = count_working_days(today, due, calendar)
        else:
            overdue = True
    missing = (
        ()
        if state.closed
        else tuple(
            str(m.get("name", ""))
            for m in sorted(materials, key=lambda m: int(m.get("position") or 0))
            if m.get("status") in _STILL_TO_BRING and (m.get("required") or _asked(m))
        )
    )
    return CaseProgress(
        number=str(case.get("number", "")),
        title=str(case.get("title", "")),
        applicant=mask_name(str(case.get("applicant_name", ""))),
        state=state.value,
        closed=state.closed,
        steps=tuple(steps),
        due=due,
        days_left=days_left,
        overdue=overdue,
        missing=missing,
        collect=_collect(case, hall_name),
    )
