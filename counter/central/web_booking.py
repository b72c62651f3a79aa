"""网上预约 on the central (issue 31, point 3): a phone books a half-day of a queue
category, gets a code and its QR, and the kiosk's check-in takes that code.

:mod:`counter.model.booking` holds the rules; this module keeps the bookings and the
places the supervisor set (central migration 4) and serves ``/book`` and
``/book/cancel``. Each booking is published as an ``appointments`` row, so it syncs down
to every counter like a booking a window entered, and the kiosk checks it in by its
code (a kiosk gets the row with the ID cut out, :mod:`counter.central.disclosure`; the
code alone is what it needs). A cancelled booking's row is deleted for every counter:
the kiosk then knows no such booking and says so.

Two phones taking the last place at once: each proposes the lowest free place and
inserts its booking holding it; the partial unique index on live places lets exactly
one of them in, and the other looks again and finds the half-day full. The same index
on the person refuses a second booking of one ID in one category on one day. The
public notices (:mod:`counter.central.web_notices`) close booking on their days.

Wrong cancel digits are counted per code as the progress page counts per case number
(:class:`~counter.central.web_progress.WrongTries`).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from counter.central.engine import Engine
from counter.central.published import published_settings
from counter.central.web_notices import public_notices, read_notices, use_notices
from counter.central.web_pages import HallFacts, Pages
from counter.central.web_progress import LOCK_MINUTES, WrongTries
from counter.model import booking
from counter.model.booking import (
    DEFAULT_WINDOW_DAYS,
    Applicant,
    Half,
    Notices,
    check_applicant,
    check_slot,
    free_place,
    halves,
    places_for,
)
from counter.model.errors import NotAllowedError, ValidationError, ValidationErrors
from counter.model.identity import mask_id, mask_name
from counter.model.workdays import HolidayCalendar, WorkingHours

log = logging.getLogger(__name__)

_TITLE = "网上预约"
_CANCEL_TITLE = "取消预约"
WINDOW_KEY = "window_days"
WEEKDAYS = "一二三四五六日"


# --- what the supervisor set ----------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """The places the supervisor set: per category and half for working days in
    general, and the days that differ."""

    general: Mapping[tuple[str, str], int]
    overrides: Mapping[tuple[date, str, str], int]

    def of(self, day: date, category: str, half: str) -> int:
        return places_for(self.general, self.overrides, day, category, half)


def read_places(engine: Engine, since: date) -> Places:
    rows = engine.query(
        "SELECT category, day, half, places FROM booking_places WHERE day = '' OR day >= ?",
        [since.isoformat()],
    )
    general = {(str(c), str(h)): int(p) for c, d, h, p in rows if not d}
    overrides = {(date.fromisoformat(str(d)), str(c), str(h)): int(p) for c, d, h, p in rows if d}
    return Places(general, overrides)


def set_places(
    engine: Engine, category: str, day: date | None, half: str, places: int | None
) -> None:
    """Set (or with None clear) the places of a category's half-day, in general
    (``day`` None) or for one day."""
    when = day.isoformat() if day else ""
    if places is None:
        engine.execute(
            "DELETE FROM booking_places WHERE category = ? AND day = ? AND half = ?",
            [category, when, half],
        )
        return
    engine.execute(
        "INSERT INTO booking_places (category, day, half, places) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (category, day, half) DO UPDATE SET places = excluded.places",
        [category, when, half, places],
    )


def read_window(engine: Engine) -> int:
    held = engine.scalar("SELECT value FROM booking_settings WHERE key = ?", [WINDOW_KEY])
    return int(held) if held is not None else DEFAULT_WINDOW_DAYS


def set_window(engine: Engine, days: int) -> None:
    engine.execute(
        "INSERT INTO booking_settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [WINDOW_KEY, str(days)],
    )


def taken(engine: Engine, days: Iterable[date]) -> dict[tuple[date, str, str], int]:
    """Live bookings per (day, category, half) on ``days``."""
    wanted = [d.isoformat() for d in days]
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    rows = engine.query(
        "SELECT day, category, half, count(*) FROM bookings WHERE cancelled_ms IS NULL"
        f" AND day IN ({marks}) GROUP BY day, category, half",
        wanted,
    )
    return {(date.fromisoformat(str(d)), str(c), str(h)): int(n) for d, c, h, n in rows}


# --- the hall as booking sees it ------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str


def categories(engine: Engine) -> list[Category]:
    """The hall's active queue categories, as published (``publish-category``)."""
    rows = engine.query(
        "SELECT payload FROM rows WHERE table_name = 'queue_categories' AND kind <> 'delete'"
    )
    found = [json.loads(text) for (text,) in rows]
    live = [p for p in found if int(p.get("active", 1) or 0) and p.get("code")]
    live.sort(key=lambda p: (int(p.get("sort", 0) or 0), str(p["code"])))
    return [Category(str(p["code"]), str(p.get("name", ""))) for p in live]


def working_hours(engine: Engine) -> WorkingHours:
    """The hall's working hours as published (``publish-settings``), else the default."""
    return published_settings(engine).working_hours


@dataclass(frozen=True)
class Slot:
    day: date
    half: Half
    places: int
    left: int

    @property
    def value(self) -> str:
        return f"{self.day.isoformat()}|{self.half.key}"

    @property
    def day_label(self) -> str:
        return f"{self.day:%m月%d日} 周{WEEKDAYS[self.day.weekday()]}"


@dataclass(frozen=True)
class Board:
    """What the booking form offers: the category's half-days in the window, each with
    its places left (a half-day without places set is not offered)."""

    category: Category | None
    slots: tuple[Slot, ...]
    hours: WorkingHours
    notices: Notices
    window_days: int


def board(engine: Engine, calendar: HolidayCalendar, now: datetime, code: str) -> Board:
    hours = working_hours(engine)
    notices = read_notices(engine)
    window = read_window(engine)
    category = next((c for c in categories(engine) if c.code == code), None)
    days = booking.booking_days(now.date(), calendar, notices, window)
    places = read_places(engine, now.date())
    counts = taken(engine, days)
    slots: list[Slot] = []
    if category is not None:
        for day in days:
            for half in halves(hours):
                if day == now.date() and now.time() >= half.end:
                    continue
                n = places.of(day, category.code, half.key)
                if n > 0:
                    left = max(0, n - counts.get((day, category.code, half.key), 0))
                    slots.append(Slot(day, half, n, left))
    return Board(category, tuple(slots), hours, notices, window)


# --- booking and cancelling -----------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    code: str
    day: date
    half: Half
    category: Category
    applicant: Applicant


def make_booking(
    engine: Engine,
    calendar: HolidayCalendar,
    now: datetime,
    now_ms: int,
    code_of_category: str,
    slot: str,
    applicant: Applicant,
) -> Booked:
    """Book ``slot`` ("YYYY-MM-DD|am") of a category for ``applicant``, or refuse in
    Chinese at the field concerned. Runs in a database thread."""
    category = next((c for c in categories(engine) if c.code == code_of_category), None)
    if category is None:
        raise ValidationError("slot", "请先选择要办理的业务")
    hours = working_hours(engine)
    day_text, _, half_key = slot.partition("|")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise ValidationError("slot", "请选择预约时段") from None
    half = booking.half_of(hours, half_key)
    check_slot(day, half, now, calendar, read_notices(engine), read_window(engine))
    places = read_places(engine, day).of(day, category.code, half.key)
    if places <= 0:
        raise ValidationError("slot", "该时段不开放网上预约，请选择其他时段")
    for _ in range(places + 5):  # each miss is another booking taking a place, or a code clash
        _refuse_second(engine, applicant, category.code, day)
        held = engine.query(
            "SELECT place FROM bookings WHERE cancelled_ms IS NULL AND day = ? AND category = ?"
            " AND half = ?",
            [day.isoformat(), category.code, half.key],
        )
        place = free_place((int(p) for (p,) in held), places)
        if place is None:
            raise ValidationError("slot", booking.FULL)
        code = booking.new_code(secrets.choice)
        done = engine.execute(
            "INSERT INTO bookings (code, day, category, half, place, person, id_last4, phone,"
            " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [code, day.isoformat(), category.code, half.key, place, applicant.person,
             applicant.id_number[-4:], applicant.phone, now_ms],
        )  # fmt: skip
        if done == 1:
            break
    else:
        raise ValidationError("slot", booking.FULL)
    payload = booking.appointment_payload(code, day, category.code, applicant, half)
    try:
        engine.publish("appointments", code, payload, now_ms)
    except Exception:
        engine.execute("DELETE FROM bookings WHERE code = ?", [code])
        raise
    log.info("web booking %s: %s %s %s", code, category.code, day, half.key)
    return Booked(code, day, half, category, applicant)


def _refuse_second(engine: Engine, applicant: Applicant, category: str, day: date) -> None:
    held = engine.query(
        "SELECT 1 FROM bookings WHERE cancelled_ms IS NULL AND person = ? AND category = ?"
        " AND day = ?",
        [applicant.person, category, day.isoformat()],
    )
    if held:
        raise ValidationError("id_number", booking.TAKEN)


def cancel_booking(engine: Engine, code: str, last4: str, today: date, now_ms: int) -> bool:
    """Cancel the live booking ``code`` whose ID ends in ``last4``: its place freed and
    its row deleted for every counter. False for a wrong pair (an unknown code alike);
    a refusal for a booking already used or over."""
    rows = engine.query("SELECT day, id_last4, cancelled_ms FROM bookings WHERE code = ?", [code])
    if not rows or not secrets.compare_digest(str(rows[0][1]), last4):
        return False
    day, _, cancelled = rows[0]
    if cancelled is not None:
        raise NotAllowedError("该预约已经取消过了")
    synced = engine.scalar(
        "SELECT payload FROM rows WHERE table_name = 'appointments' AND row_id = ?"
        " AND kind <> 'delete'",
        [code],
    )
    checked_in = bool(synced and json.loads(synced).get("ticket_id"))
    booking.check_cancellable(date.fromisoformat(str(day)), checked_in, today)
    done = engine.execute(
        "UPDATE bookings SET cancelled_ms = ? WHERE code = ? AND cancelled_ms IS NULL",
        [now_ms, code],
    )
    if done != 1:
        raise NotAllowedError("该预约已经取消过了")
    engine.publish("appointments", code, {"code": code}, now_ms, kind="delete")
    log.info("web booking %s cancelled", code)
    return True


# --- the QR ---------------------------------------------------------------------------------


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code, an inline SVG (the page's content policy allows no
    image from elsewhere, and none is needed). Error correction M, quiet zone 4. A
    central installed without ``qrcode`` shows the code alone (it is what the kiosk
    takes anyway) rather than failing the booking already made."""
    try:
        import qrcode  # the central's dependency, as the desktop's (packaging/central)
    except ImportError:
        log.warning("qrcode is not installed: the booking page shows no QR code")
        return Markup("")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img"'
        f' aria-label="预约号 {text} 的二维码" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


# --- the pages ------------------------------------------------------------------------------


def add_booking_routes(app: FastAPI, pages: Pages) -> None:
    use_notices(pages)
    tries = WrongTries()

    async def form(hall: HallFacts, code: str, status: int = 200, **values: Any) -> HTMLResponse:
        found = await pages.in_thread(board, pages.engine, hall.calendar, pages.now(), code)
        values.setdefault("typed", {})
        return pages.form_page(
            "book_form.html", hall, status, title=_TITLE, board=found,
            notices=public_notices(found.notices, pages.today()), **values,
        )  # fmt: skip

    @app.get("/book", include_in_schema=False, response_class=HTMLResponse)
    async def book_start(category: str = "") -> HTMLResponse:
        hall = await pages.hall()
        if category:
            return await form(hall, category[:10])
        listed = await pages.in_thread(categories, pages.engine)
        notices = await pages.in_thread(read_notices, pages.engine)
        return pages.render(
            "book_start.html", hall, title=_TITLE, categories=listed,
            notices=public_notices(notices, pages.today()),
        )  # fmt: skip

    @app.post("/book", include_in_schema=False, response_class=HTMLResponse)
    async def book(request: Request) -> HTMLResponse:
        hall = await pages.hall()
        if not pages.allowed(request):
            return pages.too_fast(hall, _TITLE, "/book")
        fields = await pages.form(request)
        code = str(fields.get("category", ""))[:10]
        typed = {k: str(fields.get(k, ""))[:60] for k in ("slot", "name", "id_number", "phone")}
        shown = {**typed, "id_number": ""}  # an ID number does not come back in a page
        if not pages.token_ok(request, fields):
            return await form(hall, code, 403, typed=shown, message="页面已过期，请重新填写后提交")
        try:
            applicant = check_applicant(
                typed["name"], typed["id_number"], typed["phone"], pages.today()
            )
            done = await pages.in_thread(
                make_booking, pages.engine, hall.calendar, pages.now(), pages.now_ms(), code,
                typed["slot"], applicant,
            )  # fmt: skip
        except ValidationErrors as exc:
            errors = exc.messages
            if not typed["slot"]:  # said with the others, in the form's order
                errors = {"slot": "请选择预约时段", **errors}
            return await form(hall, code, 400, typed=shown, errors=errors)
        except ValidationError as exc:
            return await form(hall, code, 409, typed=shown, errors={exc.field: exc.message})
        return pages.render(
            "book_done.html", hall, title="预约成功", b=done, qr=qr_svg(done.code),
            name=mask_name(done.applicant.name), id_number=mask_id(done.applicant.id_number),
            bring=booking.WHAT_TO_BRING,
        )  # fmt: skip

    def cancel_form(hall: HallFacts, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("code", "")
        return pages.form_page("book_cancel.html", hall, status, title=_CANCEL_TITLE, **values)

    @app.get("/book/cancel", include_in_schema=False, response_class=HTMLResponse)
    async def cancel_start() -> HTMLResponse:
        return cancel_form(await pages.hall())

    @app.post("/book/cancel", include_in_schema=False, response_class=HTMLResponse)
    async def cancel(request: Request) -> HTMLResponse:
        hall = await pages.hall()
        if not pages.allowed(request):
            return pages.too_fast(hall, _CANCEL_TITLE, "/book/cancel")
        fields = await pages.form(request)
        typed = str(fields.get("code", ""))[:40]
        if not pages.token_ok(request, fields):
            return cancel_form(hall, 403, code=typed, message="页面已过期，请重新输入后提交")
        try:
            code = booking.check_code(typed)
            last4 = booking.check_last4(str(fields.get("last4", ""))[:20])
        except ValidationError as exc:
            return cancel_form(hall, 400, code=typed.strip(), errors={exc.field: exc.message})
        moment = time.monotonic()
        if tries.locked(code, moment):
            text = booking.CANCEL_LOCKED.format(LOCK_MINUTES)
            return cancel_form(hall, 429, code=code, message=text)
        try:
            done = await pages.in_thread(
                cancel_booking, pages.engine, code, last4, pages.today(), pages.now_ms()
            )
        except NotAllowedError as exc:
            tries.right(code)
            return cancel_form(hall, 409, code=code, message=exc.message)
        if not done:
            tries.wrong(code, moment)
            return cancel_form(hall, 404, code=code, message=booking.CANCEL_WRONG)
        tries.right(code)
        return cancel_form(hall, cancelled=code)
