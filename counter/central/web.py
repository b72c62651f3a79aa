"""The central's public pages (线上一网, issue 31): HTML for phones, not the device API.

The pages are server-side Jinja2 templates (``counter/central/templates``) with no
script and no build step: a phone on a weak network gets one small page per answer.
They sit beside the device API in the same process and on the same engines, outside
its OpenAPI schema.

Forms are protected against cross-site posting with a double-submit token: the form
carries a random token that must equal the one in a ``SameSite=Strict``, ``HttpOnly``
cookie set when the form was served. No server secret is needed, so it holds across
``--workers`` processes and restarts. Every public form is rate-limited per address.

办件进度查询 answers a case number plus the last four characters of the applicant's
ID number or phone (:mod:`counter.model.progress` decides what is shown). A wrong pair
and an unknown number get the same answer, so the page is no oracle for which numbers
exist; each case number takes :data:`~counter.model.progress.WRONG_TRIES` wrong tries
and is then locked for :data:`LOCK_MINUTES`, whoever tries, so guessing four digits
from many addresses fails too. The counts live in this process: with several
``--workers`` a number may take that many tries per worker before all of them lock it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from counter.central.engine import Engine
from counter.central.migrations import LOOKUPS, json_field
from counter.central.report import hall_calendar
from counter.model.clock import HALL_TZ
from counter.model.errors import ValidationError
from counter.model.progress import (
    LOCKED,
    NOT_FOUND,
    WRONG_TRIES,
    CaseProgress,
    check_query,
    holder_matches,
    progress,
)
from counter.model.workdays import HolidayCalendar

#: Public form posts a second per address (burst ten times that): people type them.
WEB_RATE = 2.0
#: Minutes a case number stays locked after too many wrong tries.
LOCK_MINUTES = 30
#: Case numbers whose wrong tries are remembered at once (the oldest are forgotten).
TRACKED_NUMBERS = 100_000
#: How long the hall's name and calendar, read from the synced rows, are reused.
HALL_SECONDS = 300.0
CSRF_COOKIE = "counter_csrf"
TEMPLATES = Path(__file__).with_name("templates")
_TITLE = "办件进度查询"


class Limiter(Protocol):
    def allow(self, key: str) -> bool: ...


class WrongTries:
    """Wrong answers per case number; a number with too many is locked for a while."""

    def __init__(self, limit: int = WRONG_TRIES, lock_s: float = LOCK_MINUTES * 60) -> None:
        self.limit = limit
        self.lock_s = lock_s
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def locked(self, number: str, now: float) -> bool:
        with self._lock:
            count, since = self._seen.get(number, (0, now))
            if count >= self.limit and now - since >= self.lock_s:
                del self._seen[number]  # the lock has run out: a fresh start
                return False
            return count >= self.limit

    def wrong(self, number: str, now: float) -> None:
        with self._lock:
            count, since = self._seen.pop(number, (0, now))
            self._seen[number] = (count + 1, now if count + 1 >= self.limit else since)
            while len(self._seen) > TRACKED_NUMBERS:
                self._seen.popitem(last=False)

    def right(self, number: str) -> None:
        with self._lock:
            self._seen.pop(number, None)


@dataclass(frozen=True)
class HallFacts:
    """What every page needs of the hall: its name (the header, where to collect) and
    its calendar (working days left)."""

    name: str
    calendar: HolidayCalendar


class _HallCache:
    """:class:`HallFacts`, read again every :data:`HALL_SECONDS` at most: each read walks
    the synced holiday rows, too much for every query of a busy public page. Called in
    a database thread, never on the event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._at = -HALL_SECONDS
        self._facts: HallFacts | None = None
        self._lock = threading.Lock()

    def get(self) -> HallFacts:
        with self._lock:
            now = time.monotonic()
            if self._facts is None or now - self._at >= HALL_SECONDS:
                self._facts = HallFacts(
                    hall_name(self.engine) or "政务服务大厅", hall_calendar(self.engine)
                )
                self._at = now
            return self._facts


def _payloads(engine: Engine, table: str, value: str) -> list[dict[str, Any]]:
    # The table is named as a literal, so the planner can use its partial index
    # (central migration 2); it and its field come from LOOKUPS, never from a request.
    field = LOOKUPS[table]
    rows = engine.query(
        f"SELECT payload FROM rows WHERE table_name = '{table}' AND kind <> 'delete'"
        f" AND {json_field(engine.dialect, field)} = ?",
        [value],
    )
    return [json.loads(text) for (text,) in rows]


def find_case(
    engine: Engine, hall: HallFacts, number: str, last4: str, today: date
) -> CaseProgress | None:
    """The case with this number if its holder's digits match, as the applicant sees it."""
    found = _payloads(engine, "cases", number)
    if len(found) != 1 or not holder_matches(found[0], last4):
        return None
    case = found[0]
    events = _payloads(engine, "case_events", str(case.get("id", "")))
    materials = _payloads(engine, "case_materials", str(case.get("id", "")))
    return progress(case, events, materials, hall.calendar, today, hall.name)


def hall_name(engine: Engine) -> str:
    rows = engine.query(
        "SELECT payload FROM rows WHERE table_name = 'hall_settings' AND row_id = 'hall_name'"
    )
    return str(json.loads(rows[0][0]).get("value", "")) if rows else ""


def add_web_routes(
    app: FastAPI,
    engine: Engine,
    in_thread: Callable[..., Awaitable[Any]],
    now_ms: Callable[[], int],
    limiter: Limiter,
    *,
    https: bool = True,
) -> None:
    """Mount the public pages. ``limiter`` is the per-address budget of every public
    form; ``https`` marks the CSRF cookie Secure (off only for a plain-HTTP lab)."""
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    tries = WrongTries()
    hall_cache = _HallCache(engine)

    def page(name: str, hall: HallFacts, status: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(hall=hall.name, **values)
        answer = HTMLResponse(html, status_code=status)
        # The answers carry a person's case: never kept by a browser or a proxy.
        answer.headers["Cache-Control"] = "no-store"
        answer.headers["X-Frame-Options"] = "DENY"
        answer.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:;"
            " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        return answer

    def form(hall: HallFacts, status: int = 200, **values: Any) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        values.setdefault("errors", {})
        values.setdefault("number", "")
        values.setdefault("message", "")
        answer = page("progress_form.html", hall, status, title=_TITLE, csrf=token, **values)
        answer.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", secure=https, path="/"
        )
        return answer

    def address(request: Request) -> str:
        return "web:" + (request.client.host if request.client else "")

    @app.get("/progress", include_in_schema=False, response_class=HTMLResponse)
    async def progress_form() -> HTMLResponse:
        return form(await in_thread(hall_cache.get))

    @app.post("/progress", include_in_schema=False, response_class=HTMLResponse)
    async def progress_query(request: Request) -> HTMLResponse:
        if not limiter.allow(address(request)):
            return page(
                "message.html", await in_thread(hall_cache.get), 429, title=_TITLE,
                back="/progress", message="查询太频繁，请稍候一分钟再试",
            )  # fmt: skip
        hall = await in_thread(hall_cache.get)
        fields = await request.form()
        token = str(fields.get("csrf", ""))
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not token or not cookie or not secrets.compare_digest(token, cookie):
            return form(hall, 403, message="页面已过期，请重新输入后查询")
        typed = str(fields.get("number", ""))[:80]
        try:
            number, last4 = check_query(typed, str(fields.get("last4", ""))[:20])
        except ValidationError as exc:
            return form(hall, 400, number=typed.strip(), errors={exc.field: exc.message})
        moment = time.monotonic()
        if tries.locked(number, moment):
            return form(hall, 429, number=number, message=LOCKED.format(LOCK_MINUTES))
        today = datetime.fromtimestamp(now_ms() / 1000, HALL_TZ).date()
        found = await in_thread(find_case, engine, hall, number, last4, today)
        if found is None:
            tries.wrong(number, moment)
            return form(hall, 404, number=number, message=NOT_FOUND)
        tries.right(number)
        return page("progress.html", hall, title=_TITLE, p=found)
