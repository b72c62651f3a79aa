"""Working-day arithmetic for statutory time limits (行政许可法 Art. 82).

Every statutory period in the hall is counted in *working days*: weekends and
statutory holidays do not count, while the weekend make-up days (调休) do. The
official table only exists for the years the State Council has announced, so the
calendar here is data handed in by the store (seeded from ``chinese_calendar`` and
editable by the supervisor), never something this module looks up or guesses.

When a computation touches a year the table does not know, it still answers: such
days are judged by the table's own rows if any, otherwise by Monday–Friday alone, and
the resulting :class:`Deadline` is marked provisional (暂定) with the missing years, so
the UI and the printed slip can say so and the supervisor is told to enter the table.

Counting rules (legal practice, 期间开始之日不计算在内):

* The *received day* is the day of the start moment, or the next working day when
  the start falls on a non-working day or after closing (民法典 Art. 201, 行政许可法
  Art. 82: a period counts from the day after the act, and what arrives when the hall
  is closed arrives on its next working day). Counting from the calendar date would
  make a 1-day limit end with the 0-day one whenever the start is on a holiday.
* ``N`` whole days (N > 0) end at closing time of the N-th working day *after* the
  received day.
* ``0`` days (即办件) end at closing time of the received day.
* ``0.5`` days is half the day's working minutes counted in working time from the
  start moment (morning intake → due the same afternoon; late afternoon intake →
  due the next working morning).
* ``k + 0.5`` days (k >= 1) is the k-day deadline followed by half a day of working
  time, i.e. the middle of the next working day. Counting the half from the k-day
  deadline, rather than from the start moment, keeps a 1.5-day limit from ever being
  earlier than a 1-day one.

This module is pure: no clock, no I/O. "Today" is always a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from counter.model.errors import ValidationError

__all__ = [
    "MAX_DAYS",
    "Deadline",
    "HolidayCalendar",
    "WorkingHours",
    "add_working_days",
    "count_working_days",
    "next_workday",
    "received_day",
    "working_time_between",
]

#: Upper bound on a time limit, in working days. The longest statutory periods are
#: tens of days; anything in the thousands is a typo, and refusing it keeps the
#: day-by-day walk bounded.
MAX_DAYS = 1000

_ONE_DAY = timedelta(days=1)

_DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)


def _hhmm(t: time) -> str:
    """Format a session boundary the way the hall writes it (09:00)."""
    return t.strftime("%H:%M")


@dataclass(frozen=True)
class WorkingHours:
    """The hall's opening sessions on a working day (**configurable** in settings).

    Needed only for half-day limits and for the closing time a whole-day deadline ends
    at. Sessions are wall-clock times in the hall's zone, whole minutes, in order and
    not overlapping, so that "working time" is a simple union of intervals.
    """

    sessions: tuple[tuple[time, time], ...] = _DEFAULT_SESSIONS

    def __post_init__(self) -> None:
        # Accept lists from settings files but store tuples, so the object stays hashable.
        sessions = tuple((start, end) for start, end in self.sessions)
        object.__setattr__(self, "sessions", sessions)
        if not sessions:
            raise ValidationError("working_hours", "至少需要一个工作时间段")
        for start, end in sessions:
            for t in (start, end):
                if not isinstance(t, time) or t.tzinfo is not None:
                    raise ValidationError("working_hours", "工作时间必须是不带时区的时刻")
                if t.second or t.microsecond:
                    raise ValidationError("working_hours", "工作时间只精确到分钟，例如 09:00")
            if start >= end:
                raise ValidationError(
                    "working_hours",
                    f"时间段 {_hhmm(start)}-{_hhmm(end)} 的开始时间必须早于结束时间",
                )
        for (s1, e1), (s2, e2) in pairwise(sessions):
            if s2 < e1:
                raise ValidationError(
                    "working_hours",
                    f"时间段 {_hhmm(s1)}-{_hhmm(e1)} 与 {_hhmm(s2)}-{_hhmm(e2)} "
                    "顺序颠倒或相互重叠，请按先后顺序填写且互不重叠",
                )

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in one working day; half of it is a half-day limit."""
        total = 0
        for start, end in self.sessions:
            total += (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        return total

    @property
    def opening(self) -> time:
        """Start of the first session: where counting resumes on the next working day."""
        return self.sessions[0][0]

    @property
    def closing(self) -> time:
        """End of the last session: the moment a whole-day deadline expires."""
        return self.sessions[-1][1]

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Read the settings form ``"09:00-12:00,13:30-17:30"``.

        Clerks type this by hand, often with a Chinese input method on, so full-width
        digits and punctuation, ``、``/``；`` as separators and ``~``/``至`` as the dash
        are accepted; every rejection says what is wrong in Chinese.
        """
        cleaned = _to_half_width(text).strip()
        if not cleaned:
            raise ValidationError("working_hours", "请输入工作时间，例如 09:00-12:00,13:30-17:30")
        sessions: list[tuple[time, time]] = []
        for piece in re.split(r"[,;、]", cleaned):
            piece = piece.strip()
            if not piece:
                continue
            parts = re.split(r"\s*(?:-|~|–|—|至)\s*", piece)
            if len(parts) != 2:
                raise ValidationError(
                    "working_hours",
                    f"“{piece}”不是“开始-结束”形式的时间段，例如 09:00-12:00",
                )
            sessions.append((_parse_clock(parts[0]), _parse_clock(parts[1])))
        if not sessions:
            raise ValidationError("working_hours", "请输入工作时间，例如 09:00-12:00,13:30-17:30")
        return cls(tuple(sessions))

    def to_text(self) -> str:
        """The inverse of :meth:`parse`, for writing settings back."""
        return ",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in self.sessions)


def _parse_clock(text: str) -> time:
    """Read one ``H:MM`` clock time (``：`` already folded to ``:``)."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if match is None:
        raise ValidationError(
            "working_hours", f"“{text.strip()}”不是有效的时间，应为“时:分”，例如 09:00"
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValidationError("working_hours", f"“{text.strip()}”不是有效的时间")
    return time(hour, minute)


def _to_half_width(text: str) -> str:
    """Fold full-width ASCII (U+FF01–U+FF5E) and the ideographic space to half width."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class HolidayCalendar:
    """The hall's holiday table: which dates deviate from Monday–Friday, and for which
    years the table is complete.

    ``holidays`` holds every statutory rest day, including the weekend days inside a
    holiday period; ``makeup_workdays`` the weekend days worked instead (调休).
    ``known_years`` is the supervisor's statement that a year's official notice has
    been entered in full — it is what separates a trustworthy deadline from a
    provisional one, so it is kept apart from the rows themselves.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        object.__setattr__(self, "known_years", frozenset(self.known_years))
        clash = sorted(self.holidays & self.makeup_workdays)
        if clash:
            raise ValidationError(
                "holiday_table",
                f"{clash[0].isoformat()} 不能既是节假日又是调休上班日",
            )

    @classmethod
    def weekends_only(cls) -> HolidayCalendar:
        """A calendar with no table at all: every deadline from it is provisional.

        Used before the store has seeded a table, so nothing crashes and nothing
        pretends to know the holidays.
        """
        return cls()

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[date, str]], known_years: Iterable[int]
    ) -> HolidayCalendar:
        """Build from the store's rows ``(date, kind)``, kind ``"holiday"`` or ``"workday"``.

        The same shape as the importable file the supervisor loads each November,
        so both paths share one validation.
        """
        holidays: set[date] = set()
        workdays: set[date] = set()
        for number, (day, kind) in enumerate(rows, start=1):
            if kind == "holiday":
                holidays.add(day)
            elif kind == "workday":
                workdays.add(day)
            else:
                raise ValidationError(
                    "holiday_table",
                    f"第{number}行（{day.isoformat()}）的类型“{kind}”无效，"
                    "应为 holiday（放假）或 workday（调休上班）",
                )
        return cls(frozenset(holidays), frozenset(workdays), frozenset(known_years))

    def is_workday(self, d: date) -> bool:
        """Make-up day → work; holiday → rest; otherwise Monday–Friday.

        Rows are honoured even for a year not yet declared known (a partial entry is
        information, not a guess); :meth:`is_known` is what marks such dates doubtful.
        """
        if d in self.makeup_workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def is_known(self, d: date) -> bool:
        """Whether the official table covers ``d``'s year."""
        return d.year in self.known_years

    @property
    def last_known_year(self) -> int | None:
        """The latest year with a complete table, for the "enter next year's table"
        warning; ``None`` when no year is known."""
        return max(self.known_years, default=None)


@dataclass(frozen=True)
class Deadline:
    """A computed due moment, with whether it rests on an incomplete holiday table.

    ``provisional`` travels with the deadline onto screens and paper (暂定) and tells
    the store to recompute once the missing years are entered.
    """

    due: datetime
    provisional: bool = False
    missing_years: tuple[int, ...] = ()

    def label(self) -> str:
        """Text for screens and slips, e.g. ``2026-10-13 17:30`` or ``… (暂定)``."""
        text = self.due.strftime("%Y-%m-%d %H:%M")
        return f"{text} (暂定)" if self.provisional else text


class _Walker:
    """Asks the calendar about dates and remembers which unknown years it asked about.

    A deadline is provisional exactly when some date it depended on lies in a year
    the table does not cover, so the record is kept at the single point of asking.
    """

    def __init__(self, calendar: HolidayCalendar) -> None:
        self._calendar = calendar
        self.missing: set[int] = set()

    def is_workday(self, d: date) -> bool:
        if not self._calendar.is_known(d):
            self.missing.add(d.year)
        return self._calendar.is_workday(d)

    def next_workday(self, d: date) -> date:
        d += _ONE_DAY
        while not self.is_workday(d):
            d += _ONE_DAY
        return d


def _half_days(days: float | Decimal) -> int:
    """Validate a limit and return it as a count of half days.

    Decimal keeps 2.5 exact and lets 0.1 (binary float) be refused rather than rounded.
    """
    message = f"工作日数必须是0到{MAX_DAYS}之间、以0.5为单位的数，例如 0.5、1、20"
    if isinstance(days, bool) or not isinstance(days, int | float | Decimal):
        raise ValidationError("days", message)
    try:
        value = Decimal(days)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError("days", message) from None
    if not value.is_finite() or value < 0 or value > MAX_DAYS:
        raise ValidationError("days", message)
    doubled = value * 2
    if doubled != doubled.to_integral_value():
        raise ValidationError("days", message)
    return int(doubled)


def _advance_working_time(
    start: datetime, amount: timedelta, walker: _Walker, hours: WorkingHours
) -> datetime:
    """Move a naive wall-clock moment forward by ``amount`` of working time.

    A start outside working time begins at the next session. When the amount runs out
    exactly at the end of a session the result is that session's end, not the next
    session's start, so a half day from opening ends at the midday mark.
    """
    remaining = amount
    moment = start
    day = start.date()
    while True:
        if walker.is_workday(day):
            for session_start, session_end in hours.sessions:
                begin = datetime.combine(day, session_start)
                end = datetime.combine(day, session_end)
                if end <= moment:
                    continue
                begin = max(begin, moment)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += _ONE_DAY
        moment = datetime.combine(day, time.min)


def _received_day(local: datetime, walker: _Walker, hours: WorkingHours) -> date:
    """The working day a moment counts as received on (see the module docstring)."""
    day = local.date()
    if walker.is_workday(day) and local.time() <= hours.closing:
        return day
    return walker.next_workday(day)


def received_day(
    start: datetime, calendar: HolidayCalendar, hours: WorkingHours | None = None
) -> date:
    """The working day ``start`` counts as received on: the day itself, or the next
    working day for a holiday, a weekend or after closing."""
    return _received_day(
        start.replace(tzinfo=None),
        _Walker(calendar),
        hours if hours is not None else WorkingHours(),
    )


def add_working_days(
    start: datetime,
    days: float | Decimal,
    calendar: HolidayCalendar,
    hours: WorkingHours | None = None,
) -> Deadline:
    """The deadline ``days`` working days after ``start`` (see the module docstring).

    ``start`` must be timezone-aware and in the hall's zone: its wall-clock date and
    time are what the rules count from, and the result keeps the same tzinfo.
    ``days`` must be in [0, :data:`MAX_DAYS`] and a multiple of 0.5, else
    :class:`ValidationError` on field ``"days"``. Years missing from the table never
    raise; they make the result provisional.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        # A naive moment is a programming error, not something a person typed.
        raise ValueError("add_working_days needs a timezone-aware start")
    halves = _half_days(days)
    hours = hours if hours is not None else WorkingHours()
    tz = start.tzinfo
    local = start.replace(tzinfo=None)
    walker = _Walker(calendar)
    whole, half = divmod(halves, 2)

    if whole == 0 and half == 0:
        due = datetime.combine(_received_day(local, walker, hours), hours.closing)
    elif whole == 0:
        half_day = timedelta(minutes=hours.minutes_per_day) / 2
        due = _advance_working_time(local, half_day, walker, hours)
    else:
        day = _received_day(local, walker, hours)
        for _ in range(whole):
            day = walker.next_workday(day)
        due = datetime.combine(day, hours.closing)
        if half:
            half_day = timedelta(minutes=hours.minutes_per_day) / 2
            due = _advance_working_time(due, half_day, walker, hours)

    missing = tuple(sorted(walker.missing))
    return Deadline(due=due.replace(tzinfo=tz), provisional=bool(missing), missing_years=missing)


def working_time_between(
    start: datetime,
    end: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours | None = None,
) -> timedelta:
    """Working time in ``[start, end]``: the sum of the hall's sessions on working days
    that fall inside it; zero when ``end`` is not after ``start``.

    What the traffic light measures: a limit of five working days due on Monday has one
    fifth of its time left at Friday's closing, whatever the weekend in between.
    Both moments must be aware; they are compared in ``start``'s zone.
    """
    hours = hours if hours is not None else WorkingHours()
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("working_time_between needs timezone-aware moments")
    local_start = start.replace(tzinfo=None)
    local_end = end.astimezone(start.tzinfo).replace(tzinfo=None)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        if calendar.is_workday(day):
            for session_start, session_end in hours.sessions:
                begin = max(datetime.combine(day, session_start), local_start)
                finish = min(datetime.combine(day, session_end), local_end)
                if finish > begin:
                    total += finish - begin
        day += _ONE_DAY
    return total


def next_workday(d: date, calendar: HolidayCalendar) -> date:
    """The first working day strictly after ``d`` (where counting starts, Art. 82)."""
    return _Walker(calendar).next_workday(d)


def count_working_days(start: date, end: date, calendar: HolidayCalendar) -> int:
    """Working days in ``(start, end]``: the days a case has taken, or the working
    days a pause (暂停计时) covered; 0 when ``end`` is not after ``start``.

    The half-open interval matches the deadline rule (the start day is not counted),
    so ``count_working_days(d, add_working_days(d, n).due.date()) == n``.
    """
    count = 0
    d = start + _ONE_DAY
    while d <= end:
        if calendar.is_workday(d):
            count += 1
        d += _ONE_DAY
    return count
