"""The duty supervisor's pages for what the public side offers (issue 31, points 3
and 6): ``/staff/appointments``, the places of 网上预约 per category and half-day
(working days in general, a given day where it differs, and how many working days
ahead may be booked), and ``/staff/notices``, the hall's public notices.

Only a supervisor changes them (:data:`~counter.central.web_staff.EDIT_ROLES`), as the
central's own staff rows say on every request (:func:`~counter.central.web_staff.signed_in`);
an administrator may look but not change, and a post without a session or without
the form's token changes nothing. Every change is logged with who made it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from counter.central.authority import CentralStaff
from counter.central.engine import Engine
from counter.central.web_booking import (
    Category,
    Places,
    categories,
    read_places,
    read_window,
    set_places,
    set_window,
    taken,
    working_hours,
)
from counter.central.web_notices import notices_changed, publish_notices, read_notices
from counter.central.web_pages import HallFacts, Pages, guard
from counter.central.web_staff import EDIT_ROLES, signed_in
from counter.model import booking
from counter.model.booking import Closure, Half, Notices, check_closure, check_places, halves
from counter.model.errors import ValidationError, ValidationErrors
from counter.model.workdays import HolidayCalendar

log = logging.getLogger(__name__)

_PLACES_TITLE = "网上预约名额"
_NOTICES_TITLE = "大厅公告"
_SAVED = "已保存"


@dataclass(frozen=True)
class DayLine:
    """One day of the window as the supervisor sees it: per category and half, how
    many are booked of how many places."""

    day: date
    closed: str
    cells: tuple[tuple[str, str, int, int, bool], ...]  # category, half, booked, places, own


@dataclass(frozen=True)
class PlacesView:
    categories: tuple[Category, ...]
    halves: tuple[Half, ...]
    places: Places
    window_days: int
    days: tuple[DayLine, ...]


def places_view(engine: Engine, calendar: HolidayCalendar, today: date) -> PlacesView:
    listed = tuple(categories(engine))
    parts = halves(working_hours(engine))
    places = read_places(engine, today)
    window = read_window(engine)
    notices = read_notices(engine)
    days = booking.booking_days(today, calendar, Notices(), window)
    counts = taken(engine, days)
    lines = []
    for day in days:
        closure = notices.closure_on(day)
        cells = tuple(
            (c.code, h.key, counts.get((day, c.code, h.key), 0), places.of(day, c.code, h.key),
             (day, c.code, h.key) in places.overrides)
            for c in listed
            for h in parts
        )  # fmt: skip
        lines.append(DayLine(day, closure.text if closure else "", cells))
    return PlacesView(listed, parts, places, window, tuple(lines))


def _by_field(exc: ValidationError) -> dict[str, str]:
    """Each field's message: all of them for a form checked whole, else the one."""
    return exc.messages if isinstance(exc, ValidationErrors) else {exc.field: exc.message}


def _redirect(path: str) -> Response:
    answer = RedirectResponse(path, status_code=303)
    guard(answer.headers)
    return answer


def add_hall_admin_routes(app: FastAPI, pages: Pages) -> None:
    async def places_page(
        hall: HallFacts, staff: CentralStaff, status: int = 200, **values: Any
    ) -> HTMLResponse:
        view = await pages.in_thread(places_view, pages.engine, hall.calendar, pages.today())
        values.setdefault("typed", {})
        return pages.form_page(
            "staff_appointments.html", hall, status, title=_PLACES_TITLE, v=view,
            staff=staff, labels=booking.HALF_LABELS, **values,
        )  # fmt: skip

    async def notices_page(
        hall: HallFacts, staff: CentralStaff, status: int = 200, **values: Any
    ) -> HTMLResponse:
        notices = await pages.in_thread(read_notices, pages.engine)
        values.setdefault("typed", {})
        return pages.form_page(
            "staff_notices.html", hall, status, title=_NOTICES_TITLE, notices=notices,
            closures=[(c, _closure_key(c)) for c in notices.closures], today=pages.today(),
            staff=staff, **values,
        )  # fmt: skip

    def edit_routes(
        path: str,
        page: Callable[..., Awaitable[HTMLResponse]],
        change: Callable[[dict[str, str], CentralStaff], None],
        width: int,
        after: Callable[[], None] = lambda: None,
    ) -> None:
        """GET shows ``page`` to a signed-in supervisor; POST checks the session, the
        form's token and ``change`` (in a database thread, each value cut to ``width``),
        then shows the page again with the errors beside their fields, or goes back to
        it saying 已保存."""

        @app.get(path, include_in_schema=False)
        async def show(request: Request, saved: str = "") -> Response:
            staff = await signed_in(pages, request, EDIT_ROLES)
            if isinstance(staff, Response):
                return staff
            return await page(await pages.hall(), staff, message=_SAVED if saved else "")

        @app.post(path, include_in_schema=False)
        async def save(request: Request) -> Response:
            staff = await signed_in(pages, request, EDIT_ROLES)
            if isinstance(staff, Response):
                return staff
            hall = await pages.hall()
            fields = {k: str(v)[:width] for k, v in (await pages.form(request)).items()}
            if not pages.token_ok(request, fields):
                return await page(hall, staff, 403, message="页面已过期，请重新修改后保存")
            try:
                await pages.in_thread(change, fields, staff)
            except ValidationError as exc:
                return await page(hall, staff, 400, errors=_by_field(exc), typed=fields)
            after()
            return _redirect(f"{path}?saved=1")

    edit_routes(
        "/staff/appointments",
        places_page,
        lambda fields, staff: _change_places(pages.engine, fields, pages.today(), staff),
        200,
    )
    edit_routes(
        "/staff/notices",
        notices_page,
        lambda fields, staff: _change_notices(
            pages.engine, fields, pages.now(), pages.now_ms(), staff
        ),
        1000,
        after=lambda: notices_changed(pages),
    )


def _change_places(
    engine: Engine, fields: dict[str, str], today: date, staff: CentralStaff
) -> None:
    """One of the page's three forms, checked whole before anything is written."""
    action = fields.get("action", "")
    listed = {c.code for c in categories(engine)}
    keys = {h.key for h in halves(working_hours(engine))}
    if action == "window":
        days = booking.check_window_days(fields.get("window_days", ""))
        set_window(engine, days)
        log.info("booking window set to %d working days by %s", days, staff.login)
    elif action == "general":
        wanted: list[tuple[str, str, int | None]] = []
        errors: dict[str, str] = {}
        for code in sorted(listed):
            for half in sorted(keys):
                name = f"g-{code}-{half}"
                try:
                    wanted.append((code, half, check_places(fields.get(name, ""), name)))
                except ValidationError as exc:
                    errors[name] = exc.message
        if errors:
            raise ValidationErrors(errors)
        for code, half, places in wanted:
            set_places(engine, code, None, half, places)
        log.info("booking places set by %s: %s", staff.login, wanted)
    elif action == "day":
        errors = {}
        try:
            day: date | None = date.fromisoformat(fields.get("day", "").strip())
        except ValueError:
            day = None
            errors["day"] = "请选择日期"
        if day is not None and day < today:
            errors["day"] = "不能修改已经过去的日期"
        code = fields.get("category", "")
        if code not in listed:
            errors["category"] = "请选择业务"
        half = fields.get("half", "")
        if half not in keys:
            errors["half"] = "请选择上午或下午"
        try:
            places = check_places(fields.get("places", ""), "places")
        except ValidationError as exc:
            errors["places"] = exc.message
        if errors or day is None:
            raise ValidationErrors(errors)
        set_places(engine, code, day, half, places)
        log.info("booking places of %s %s %s set to %s by %s", code, day, half, places, staff.login)
    else:
        raise ValidationError("action", "请选择要保存的内容")


def _closure_key(closure: Closure) -> str:
    return f"{closure.start.isoformat()}|{closure.end.isoformat()}|{closure.text}"


def _change_notices(
    engine: Engine, fields: dict[str, str], now: datetime, now_ms: int, staff: CentralStaff
) -> None:
    held = read_notices(engine)
    action = fields.get("action", "")
    if action == "hours":
        notices = Notices(booking.check_hours_text(fields.get("hours", "")), held.closures)
    elif action == "add":
        closure = check_closure(
            fields.get("start", ""), fields.get("end", ""), fields.get("text", ""), now.date()
        )
        if len(held.closures) >= booking.MAX_CLOSURES:
            raise ValidationError("text", f"公告最多 {booking.MAX_CLOSURES} 条，请先删除已过期的")
        notices = Notices(held.hours, (*held.closures, closure))
    elif action == "remove":
        key = fields.get("key", "")
        notices = Notices(held.hours, tuple(c for c in held.closures if _closure_key(c) != key))
    else:
        raise ValidationError("action", "请选择要保存的内容")
    publish_notices(engine, notices, now, now_ms)
    log.info("public notices changed (%s) by %s", action, staff.login)
