"""The holiday file the supervisor imports each November from the State Council notice.

One line per day that differs from Monday–Friday::

    # 2027 年部分节假日安排
    2027-01-01,holiday,元旦
    2027-02-06,workday,春节调休

A year the file *covers* is declared complete: it replaces the year's table and turns
provisional deadlines into firm ones. A file covers a year when it has that year's
元旦 (1 January) and 国庆 (1 October) holidays, the two fixed dates every State Council
notice lists, first and last (:func:`complete_years`). Rows of any other year are
entries, added to the table without declaring the year known: a few 2027 dates typed
in November do not make every 2027 deadline firm. The supervisor can still declare
such a year complete by hand once every date is in (``CalendarService.confirm_year``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from counter.model.errors import ValidationError

KINDS = {"holiday": "holiday", "放假": "holiday", "workday": "workday", "上班": "workday"}


@dataclass(frozen=True)
class HolidayRow:
    day: date
    kind: str
    name: str = ""


def parse_holiday_file(text: str) -> tuple[list[HolidayRow], set[int]]:
    rows: dict[date, HolidayRow] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) < 2:
            raise ValidationError(
                "holiday_file", f"第 {number} 行应为“日期,类型[,名称]”，如 2027-01-01,holiday,元旦"
            )
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise ValidationError(
                "holiday_file", f"第 {number} 行的日期“{parts[0]}”无效，应为 YYYY-MM-DD"
            ) from None
        kind = KINDS.get(parts[1].lower())
        if kind is None:
            raise ValidationError(
                "holiday_file",
                f"第 {number} 行的类型“{parts[1]}”无效，应为 holiday（放假）或 workday（调休上班）",
            )
        if kind == "workday" and day.weekday() < 5:
            raise ValidationError(
                "holiday_file", f"第 {number} 行：{day.isoformat()} 本来就是工作日，不是调休上班日"
            )
        if day in rows and rows[day].kind != kind:
            raise ValidationError("holiday_file", f"第 {number} 行：{day.isoformat()} 前后矛盾")
        rows[day] = HolidayRow(day, kind, ",".join(parts[2:]))
    if not rows:
        raise ValidationError("holiday_file", "文件中没有任何日期")
    return sorted(rows.values(), key=lambda r: r.day), {d.year for d in rows}


#: (month, day) holidays every year's official notice contains: 元旦 and 国庆.
FIXED_HOLIDAYS = ((1, 1), (10, 1))


def complete_years(rows: list[HolidayRow]) -> set[int]:
    """The years these rows cover in full (see the module docstring)."""
    holidays = {(r.day.year, r.day.month, r.day.day) for r in rows if r.kind == "holiday"}
    years = {r.day.year for r in rows}
    return {y for y in years if all((y, m, d) in holidays for m, d in FIXED_HOLIDAYS)}


#: Where the shipped table comes from (a year entered by a supervisor says "manual").
PACKAGE_SOURCE = "chinesecalendar"


def package_rows() -> tuple[list[HolidayRow], set[int]]:
    """The official table as the ``chinesecalendar`` package ships it: the same for a
    counter seeding its store and for the central's report, so it lives here."""
    import chinese_calendar.constants as official  # only a new store's seeding reads it

    rows = [HolidayRow(d, "holiday", str(name)) for d, name in official.holidays.items()]
    rows += [HolidayRow(d, "workday", str(name)) for d, name in official.workdays.items()]
    years = {d.year for d in official.holidays} | {d.year for d in official.workdays}
    return sorted(rows, key=lambda r: r.day), years
