"""网上预约 (issue 31, point 3) and the hall's public notices (point 6): the rules alone.

A booking is for one queue category and one half-day (上午/下午) of a working day. The
supervisor sets how many bookings each category takes per half-day, for working days
in general and, where a day differs, for that day (:func:`places_for`). What may be
booked is decided here (:func:`check_slot`): not a half-day that is over, not a day
the hall is closed (the holiday calendar with its 调休 days, or a closure notice), not
beyond the booking window of the next working days. Each booking holds a numbered
place 1…capacity, and the central's unique index on the places of a half-day is what
keeps two phones from taking the last place at once (:func:`free_place` only proposes).

The appointment code is what the kiosk's check-in takes, typed on its pad or by a
scanner reading the QR: a letter first (the kiosk then shows it in clear rather than
masked as an ID number) and characters nobody confuses (no 0/O, 1/I/L).

The notices (working hours as the public reads them, closures over a range of days)
travel to every counter as one hall setting, :data:`NOTICES_KEY`; :class:`Notices`
reads and writes its value. Pure: no clock, no storage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from counter.model.errors import NotAllowedError, ValidationError, ValidationErrors
from counter.model.identity import check_mobile, check_resident_id, normalise
from counter.model.workdays import HolidayCalendar, WorkingHours

#: The hall setting that carries the public notices down to every counter.
NOTICES_KEY = "public_notices"
#: Working days ahead that may be booked, unless the supervisor sets otherwise.
DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 30
#: Bookings one half-day of one category can take at most (a typing slip guard).
MAX_PLACES = 500
#: The code: a letter, then letters and digits, none that reads as another.
CODE_FIRST = "ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_REST = CODE_FIRST + "23456789"
CODE_LENGTH = 8
MAX_NAME = 30
MAX_NOTICE = 300
MAX_CLOSURES = 50
NOON = time(12, 0)

FULL = "该时段已约满，请选择其他时段"
TAKEN = "该身份证号当天已预约过这项业务（每人每天每项业务限一个预约），如需改期请先取消原预约"
CANCEL_WRONG = "预约号或身份证号后四位不正确"
CANCEL_LOCKED = "输错次数过多，该预约号已暂停取消 {} 分钟，请稍后再试或到大厅咨询"
WHAT_TO_BRING = (
    "本人有效身份证件原件",
    "办理该业务所需的申请材料（可先在办件指南中查阅）",
    "本预约号或二维码（到大厅后在取号机“预约签到”输入或扫码）",
)


@dataclass(frozen=True)
class Half:
    """One bookable half of a working day: its key in storage, its name and its hours."""

    key: str  # "am" or "pm"
    label: str  # 上午 / 下午
    start: time
    end: time

    @property
    def slot(self) -> str:
        """How the booking names its time on the kiosk and at the window."""
        return f"{self.label} {self.start:%H:%M}-{self.end:%H:%M}"


HALF_LABELS = {"am": "上午", "pm": "下午"}


def halves(hours: WorkingHours) -> tuple[Half, ...]:
    """The half-days of the hall's working hours: sessions starting before noon are the
    morning, the rest the afternoon; a half with no session is not offered."""
    found: list[Half] = []
    for key, label in HALF_LABELS.items():
        mine = [s for s in hours.sessions if (s[0] < NOON) == (key == "am")]
        if mine:
            found.append(Half(key, label, mine[0][0], mine[-1][1]))
    return tuple(found)


def half_of(hours: WorkingHours, key: str) -> Half:
    for half in halves(hours):
        if half.key == key:
            return half
    raise ValidationError("slot", "请选择预约时段")


# --- notices ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    """The hall closed from ``start`` to ``end`` (both included), and why, publicly."""

    start: date
    end: date
    text: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Notices:
    """The hall's public notices: its hours as the public reads them, and closures."""

    hours: str = ""
    closures: tuple[Closure, ...] = ()

    def closure_on(self, day: date) -> Closure | None:
        return next((c for c in self.closures if c.covers(day)), None)

    def current(self, today: date) -> tuple[Closure, ...]:
        """Closures not yet over, soonest first: what a page shows."""
        return tuple(sorted((c for c in self.closures if c.end >= today), key=lambda c: c.start))

    def to_value(self) -> dict[str, Any]:
        return {
            "hours": self.hours,
            "closures": [
                {"start": c.start.isoformat(), "end": c.end.isoformat(), "text": c.text}
                for c in self.closures
            ],
        }

    @classmethod
    def from_value(cls, value: Any) -> Notices:
        """The notices from a synced value; what this version cannot read is left out
        (a newer central's shape must not stop a page or a counter)."""
        if not isinstance(value, Mapping):
            return cls()
        closures: list[Closure] = []
        for item in value.get("closures") or ():
            try:
                closures.append(
                    Closure(
                        date.fromisoformat(str(item["start"])),
                        date.fromisoformat(str(item["end"])),
                        str(item.get("text", "")),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        return cls(str(value.get("hours") or ""), tuple(closures))


def check_hours_text(text: str) -> str:
    value = text.strip()
    if len(value) > MAX_NOTICE:
        raise ValidationError("hours", f"办公时间说明最多 {MAX_NOTICE} 个字")
    return value


def check_closure(start: str, end: str, text: str, today: date) -> Closure:
    """A closure as the supervisor typed it: real dates, in order, not over, a reason."""
    errors: dict[str, str] = {}
    first = last = None
    try:
        first = date.fromisoformat(start.strip())
    except ValueError:
        errors["start"] = "请选择闭厅开始日期"
    try:
        last = date.fromisoformat(end.strip() or start.strip())
    except ValueError:
        errors["end"] = "请选择闭厅结束日期"
    if first is not None and last is not None:
        if last < first:
            errors["end"] = "结束日期不能早于开始日期"
        elif last < today:
            errors["end"] = "这段日期已经过去，不必再公告"
        elif (last - first).days > 366:
            errors["end"] = "一次闭厅公告最长一年"
    reason = text.strip()
    if not reason:
        errors["text"] = "请填写公告内容，例如“元旦假期闭厅”"
    elif len(reason) > MAX_NOTICE:
        errors["text"] = f"公告内容最多 {MAX_NOTICE} 个字"
    if errors or first is None or last is None:
        raise ValidationErrors(errors)
    return Closure(first, last, reason)


# --- capacity and slots -------------------------------------------------------------------


def check_places(text: str, field: str) -> int | None:
    """A capacity as typed: blank is "not set" (None), else 0…MAX_PLACES."""
    value = normalise(text)
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError(field, "名额应为 0 或正整数")
    places = int(value)
    if places > MAX_PLACES:
        raise ValidationError(field, f"每半天名额最多 {MAX_PLACES} 个")
    return places


def check_window_days(text: str) -> int:
    value = normalise(text)
    if not value.isdigit() or not 1 <= int(value) <= MAX_WINDOW_DAYS:
        raise ValidationError("window_days", f"可预约天数应为 1 到 {MAX_WINDOW_DAYS} 个工作日")
    return int(value)


def places_for(
    general: Mapping[tuple[str, str], int],
    overrides: Mapping[tuple[date, str, str], int],
    day: date,
    category: str,
    half: str,
) -> int:
    """Places of ``category`` on ``day``'s ``half``: the day's own number if the
    supervisor set one, else the working days' number, else none (not bookable)."""
    held = overrides.get((day, category, half))
    return held if held is not None else general.get((category, half), 0)


def booking_days(
    today: date, calendar: HolidayCalendar, notices: Notices, window_days: int
) -> list[date]:
    """The days that may be booked: the next ``window_days`` working days from today
    (today included if the hall works), less the days a closure notice covers."""
    days: list[date] = []
    day = today
    while len(days) < window_days and (day - today).days <= 4 * MAX_WINDOW_DAYS:
        if calendar.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return [d for d in days if notices.closure_on(d) is None]


def check_slot(
    day: date,
    half: Half,
    now: datetime,
    calendar: HolidayCalendar,
    notices: Notices,
    window_days: int,
) -> None:
    """Refuse a half-day that is over, a closed day or one beyond the window (the
    form offers none of them; a hand-made post is refused all the same)."""
    today = now.date()
    if day < today or (day == today and now.time() >= half.end):
        raise ValidationError("slot", "该时段已经过去，不能预约，请选择以后的时段")
    closure = notices.closure_on(day)
    if closure is not None:
        raise ValidationError("slot", f"{day:%m月%d日}大厅闭厅（{closure.text}），不能预约")
    if not calendar.is_workday(day):
        raise ValidationError("slot", f"{day:%m月%d日}是节假日或休息日，大厅不办公，不能预约")
    if day not in booking_days(today, calendar, Notices(), window_days):
        raise ValidationError("slot", f"只能预约今天起 {window_days} 个工作日内的时段")


def free_place(taken: Iterable[int], places: int) -> int | None:
    """The lowest place of 1…``places`` nobody holds, or None when all are held."""
    held = set(taken)
    return next((p for p in range(1, places + 1) if p not in held), None)


# --- the applicant ------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    phone: str

    @property
    def person(self) -> str:
        """The key of the one-booking-per-person rule (the ID itself is not needed)."""
        return hashlib.sha256(self.id_number.encode()).hexdigest()


def check_applicant(name: str, id_number: str, phone: str, today: date) -> Applicant:
    """Name, 居民身份证号 and mobile as typed, every wrong field's message at once."""
    errors: dict[str, str] = {}
    clean_name = normalise(name)
    if not clean_name:
        errors["name"] = "请输入姓名"
    elif len(clean_name) > MAX_NAME:
        errors["name"] = f"姓名最多 {MAX_NAME} 个字"
    checked_id = check_resident_id(id_number, today)
    if not checked_id.ok:
        errors["id_number"] = checked_id.errors[0]
    checked_phone = check_mobile(phone)
    if not checked_phone.ok:
        errors["phone"] = checked_phone.errors[0]
    if errors:
        raise ValidationErrors(errors)
    return Applicant(clean_name, checked_id.value, checked_phone.value)


# --- codes and the synced row -------------------------------------------------------------


def new_code(choice: Callable[[str], str]) -> str:
    """A fresh code from ``choice`` (the caller's cryptographic random choice; the model
    draws nothing itself): about 6×10¹¹ of them, so
    guessing one under the per-address rate limit is hopeless."""
    return choice(CODE_FIRST) + "".join(choice(CODE_REST) for _ in range(CODE_LENGTH - 1))


def check_code(text: str) -> str:
    value = re.sub(r"\s+", "", normalise(text)).upper()
    if not value:
        raise ValidationError("code", "请输入预约号")
    if len(value) != CODE_LENGTH or any(ch not in CODE_REST for ch in value):
        raise ValidationError("code", f"预约号是 {CODE_LENGTH} 位字母和数字，请核对")
    return value


def check_last4(text: str) -> str:
    value = normalise(text).upper()
    if not re.fullmatch(r"\d{3}[\dX]", value):
        raise ValidationError("last4", "请输入身份证号码的后四位")
    return value


def check_cancellable(day: date, checked_in: bool, today: date) -> None:
    if checked_in:
        raise NotAllowedError("该预约已签到取号，不能再取消")
    if day < today:
        raise NotAllowedError("该预约的日期已经过去，无需取消")


def appointment_payload(
    code: str, day: date, category: str, applicant: Applicant, half: Half
) -> dict[str, Any]:
    """The ``appointments`` row the counters pull: the fields of
    :class:`counter.model.queue.Appointment` as the counter's store writes them."""
    return {
        "code": code,
        "day": day.isoformat(),
        "category": category,
        "name": applicant.name,
        "id_number": applicant.id_number,
        "slot": half.slot,
        "ticket_id": "",
        "checked_in_at": None,
    }
