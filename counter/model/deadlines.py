"""A case's deadlines: promised and legal, paused time left out, extensions, the 5-day
rule for the one-time notice, 容缺 promises, and the traffic light.

Every deadline counts working days from the acceptance moment (half days honoured,
see :mod:`counter.model.workdays`). Time spent stopped (暂停计时: hearings, testing,
expert review) does not count: the working days each pause covered are added back.
Nothing here reads the clock; "now" is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from counter.model.errors import NotAllowedError, ValidationError
from counter.model.workdays import (
    Deadline,
    HolidayCalendar,
    WorkingHours,
    add_working_days,
    count_working_days,
    working_time_between,
)

#: Art. 42: the head of the office may extend the decision period by ten working days.
EXTENSION_DAYS = 10
#: Art. 32: the one-time notice of missing materials is due within five days.
NOTICE_DAYS = 5
DEFAULT_YELLOW_SHARE = 0.25


@dataclass(frozen=True)
class Pause:
    """One stop of the clock; ``end`` is None while it lasts."""

    start: datetime
    end: datetime | None = None


def paused_working_days(pauses: Iterable[Pause], now: datetime, calendar: HolidayCalendar) -> int:
    """Working days the clock stood still, an ongoing pause counted up to ``now``.

    Counted in whole days the way the deadline rule counts (the day a pause starts is
    not counted, the day it ends is): a pause from Monday to Wednesday gives back two.
    """
    total = 0
    for pause in pauses:
        end = pause.end or now
        total += count_working_days(pause.start.date(), end.date(), calendar)
    return total


@dataclass(frozen=True)
class CaseDeadlines:
    promised: Deadline
    legal: Deadline
    paused_days: int
    extended: bool

    @property
    def target(self) -> Deadline:
        """What the light watches: the promise, or after an extension the extended limit."""
        return self.legal if self.extended else self.promised

    @property
    def provisional(self) -> bool:
        return self.promised.provisional or self.legal.provisional


def case_deadlines(
    accepted_at: datetime,
    *,
    promised_days: float,
    legal_days: float,
    extension_days: int = 0,
    paused_days: int = 0,
    paused_since: datetime | None = None,
    now: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours,
) -> CaseDeadlines:
    """Both deadlines of an accepted case as of ``now``.

    ``paused_days`` are the working days of pauses already ended; a pause still
    running (``paused_since``) is counted up to ``now``, so a paused case's deadline
    moves on day by day until the clock restarts.
    """
    paused = paused_days
    if paused_since is not None:
        paused += paused_working_days([Pause(paused_since)], now, calendar)
    promised = add_working_days(accepted_at, promised_days + paused, calendar, hours)
    legal = add_working_days(accepted_at, legal_days + extension_days + paused, calendar, hours)
    return CaseDeadlines(promised, legal, paused, extension_days > 0)


def check_extension(extension_days: int, reason: str) -> str:
    """One extension per case, with a reason that is told to the applicant."""
    if extension_days > 0:
        raise NotAllowedError(f"本件已延长过 {extension_days} 个工作日，不能再次延长")
    text = reason.strip()
    if not text:
        raise ValidationError("reason", "延长期限须写明理由（将告知申请人）")
    return text


def notice_due(received_at: datetime, calendar: HolidayCalendar, hours: WorkingHours) -> Deadline:
    """When the one-time notice of missing materials must have been given at the latest."""
    return add_working_days(received_at, NOTICE_DAYS, calendar, hours)


def deemed_accepted(
    received_at: datetime,
    notice_at: datetime | None,
    now: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours,
) -> bool:
    """视为受理: no one-time notice within five working days of the materials arriving.

    ``notice_at`` None means no notice yet, judged as of ``now``.
    """
    due = notice_due(received_at, calendar, hours).due
    return (notice_at or now) > due


def check_notice_in_time(
    received_at: datetime, now: datetime, calendar: HolidayCalendar, hours: WorkingHours
) -> None:
    """A one-time notice after the five working days is no longer a 补正 request: the
    application already counts as accepted (Art. 32), so the clerk is sent to 受理, whose
    limits then run from the day the materials arrived (:func:`decision_start`)."""
    due = notice_due(received_at, calendar, hours)
    if now > due.due:
        raise NotAllowedError(
            f"材料于 {received_at:%Y-%m-%d} 收到，应在 {due.due:%Y-%m-%d %H:%M} 前一次性告知补正；"
            "逾期未告知的，依《行政许可法》第三十二条自收到材料之日起即为受理，"
            "不能再告知补正。请办理受理，办理期限自收件之日起算"
        )


def decision_start(
    received_at: datetime,
    notice_at: datetime | None,
    deemed: bool,
    now: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours,
) -> tuple[datetime, bool]:
    """When a case accepted at ``now`` starts its decision period, and whether it was
    deemed accepted (视为受理).

    Art. 32: without a one-time notice within five working days of receipt, the
    application is accepted *from the day the materials were received*. So a late
    受理 counts every limit from ``received_at`` and keeps the flag, and the office
    gains no time by deciding late. ``notice_at`` is the one-time notice given, if any
    (in time, or it would have been refused by :func:`check_notice_in_time`).
    """
    if deemed or deemed_accepted(received_at, notice_at, now, calendar, hours):
        return received_at, True
    return now, False


def latest_promise_date(
    accepted_at: datetime, promised_days: float, calendar: HolidayCalendar, hours: WorkingHours
) -> date:
    """A 容缺 promise may run up to the promised completion day, not beyond."""
    return add_working_days(accepted_at, promised_days, calendar, hours).due.date()


def overdue_promises(promises: Iterable[tuple[str, date]], today: date) -> tuple[str, ...]:
    """Materials promised under 容缺 and not brought by their date: the case may be ended."""
    return tuple(name for name, due in promises if due < today)


class Light(StrEnum):
    GREEN = "绿"
    YELLOW = "黄"
    RED = "红"


def check_yellow_share(value: float) -> float:
    if not 0 < value < 1:
        raise ValidationError("light_yellow_share", "黄灯比例应在 0 和 1 之间，例如 0.25")
    return value


def traffic_light(
    start: datetime, due: datetime, now: datetime, yellow_share: float = DEFAULT_YELLOW_SHARE
) -> Light:
    """Red when overdue; yellow when the share of *calendar* time left is at most
    ``yellow_share``. For follow-ups, whose periods are calendar days and months; a
    case's limit is in working days and uses :func:`case_light`."""
    if now > due:
        return Light.RED
    span = (due - start).total_seconds()
    if span <= 0:
        return Light.YELLOW
    left = (due - now).total_seconds() / span
    return Light.YELLOW if left <= yellow_share else Light.GREEN


def case_light(
    start: datetime,
    due: datetime,
    now: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours,
    yellow_share: float = DEFAULT_YELLOW_SHARE,
) -> Light:
    """A case's light on *working* time (issue 27, docs/domain.md): red when overdue,
    yellow when the working time left is at most ``yellow_share`` of the working time
    of the whole limit. Counting calendar time would show a five-day case due on
    Monday green at Friday's closing, with one working day of five left."""
    if now > due:
        return Light.RED
    span = working_time_between(start, due, calendar, hours)
    if span <= timedelta():
        return Light.YELLOW
    left = working_time_between(now, due, calendar, hours) / span
    return Light.YELLOW if left <= yellow_share else Light.GREEN
