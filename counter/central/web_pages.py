"""What every page of the central's web side shares (线上一网, issue 31).

The pages are server-side Jinja2 templates (``counter/central/templates``) with at most
a small plain script from ``counter/central/static`` (no build step): a phone on a weak
network gets one small page per answer, and a page works with scripts off, only less
live. They sit beside the device API in the same process and on the same engines,
outside its OpenAPI schema.

Every answer carries the same guard headers: ``no-store`` (a page may show a person's
case or the hall's work), no framing, and a content policy that lets scripts and
styles come from the central alone, so text that slipped into a page could not run.

Forms are protected against cross-site posting with a double-submit token: the form
carries a random token that must equal the one in a ``SameSite=Strict``, ``HttpOnly``
cookie set when the form was served. No server secret is needed, so it holds across
``--workers`` processes and restarts. Every public form is rate-limited per address.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from counter.central.engine import Engine
from counter.central.report import hall_calendar
from counter.model.clock import HALL_TZ
from counter.model.workdays import HolidayCalendar

#: What an address over its budget of form posts is told.
TOO_FAST = "操作太频繁，请稍候一分钟再试"
#: Public form posts a second per address (burst ten times that): people type them.
WEB_RATE = 2.0
#: The largest form body a page takes. Its forms are a few hundred bytes (a comment
#: of 300 characters is under 3 KB encoded); anything far larger is not a person typing.
MAX_FORM_BYTES = 32 * 1024
#: The most fields a form body may carry (the capacity page has one per category and
#: half-day: a hall's few dozen categories fit many times over).
MAX_FORM_FIELDS = 400
#: How long the hall's name and calendar, read from the synced rows, are reused.
HALL_SECONDS = 300.0
CSRF_COOKIE = "counter_csrf"
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
#: Scripts, styles and live updates from the central only; nothing may frame a page.
CONTENT_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'"
    " 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none';"
    " base-uri 'none'"
)


class FormTooLarge(Exception):
    """A posted body larger than :data:`MAX_FORM_BYTES`, or not a plain form."""


class Limiter(Protocol):
    def allow(self, key: str) -> bool: ...


@dataclass(frozen=True)
class HallFacts:
    """What every page needs of the hall: its name (the header, where to collect) and
    its calendar (working days left)."""

    name: str
    calendar: HolidayCalendar


def hall_name(engine: Engine) -> str:
    rows = engine.query(
        "SELECT payload FROM rows WHERE table_name = 'hall_settings' AND row_id = 'hall_name'"
    )
    return str(json.loads(rows[0][0]).get("value", "")) if rows else ""


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


class Pages:
    """The web side's shared parts, handed to each group of routes: the engine and
    the thread its work runs in, the central's clock, the templates, the hall, the
    per-address budget of public forms and the CSRF token of a form."""

    def __init__(
        self,
        engine: Engine,
        in_thread: Callable[..., Awaitable[Any]],
        now_ms: Callable[[], int],
        limiter: Limiter,
        *,
        https: bool = True,
    ) -> None:
        self.engine = engine
        self.in_thread = in_thread
        self.now_ms = now_ms
        self.limiter = limiter
        self.https = https
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
        )
        self._hall = _HallCache(engine)

    # -- time and the hall ------------------------------------------------------
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ms() / 1000, HALL_TZ)

    def today(self) -> date:
        return self.now().date()

    async def hall(self) -> HallFacts:
        return await self.in_thread(self._hall.get)

    # -- answers ---------------------------------------------------------------
    def render(
        self, template: str, hall: HallFacts, status: int = 200, /, **values: Any
    ) -> HTMLResponse:
        """``template`` with the hall's name, and the headers every page carries (the
        first three are positional: a template may well have a value called ``name``)."""
        html = self.templates.get_template(template).render(hall=hall.name, **values)
        answer = HTMLResponse(html, status_code=status)
        guard(answer.headers)
        return answer

    def message(
        self, hall: HallFacts, title: str, text: str, status: int, back: str = ""
    ) -> HTMLResponse:
        return self.render("message.html", hall, status, title=title, message=text, back=back)

    def too_fast(self, hall: HallFacts, title: str, back: str) -> HTMLResponse:
        """The answer to an address over its budget of form posts (429)."""
        return self.message(hall, title, TOO_FAST, 429, back)

    def form_page(
        self, template: str, hall: HallFacts, status: int = 200, /, **values: Any
    ) -> HTMLResponse:
        """A page with a form: a fresh CSRF token in the form (``csrf``) and in its
        cookie; ``errors`` and ``message`` empty unless given."""
        token = self.new_token()
        values.setdefault("errors", {})
        values.setdefault("message", "")
        return self.set_token(self.render(template, hall, status, csrf=token, **values), token)

    def allowed(self, request: Request) -> bool:
        """Whether this address may post a public form now (its budget per second)."""
        return self.limiter.allow("web:" + address(request))

    # -- forms -----------------------------------------------------------------
    @staticmethod
    async def form(request: Request) -> dict[str, str]:
        """The posted fields, read as they arrive and refused (:class:`FormTooLarge`,
        answered 413) once past :data:`MAX_FORM_BYTES`: Starlette's own form parser
        reads a url-encoded body whole, whatever its size, from anyone on the internet.
        One value per name (no page sends a name twice: the last one counts)."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise FormTooLarge(kind)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            raise FormTooLarge(declared)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise FormTooLarge(len(body))
        try:
            pairs = parse_qsl(
                body.decode("utf-8", "replace"),
                keep_blank_values=True,
                max_num_fields=MAX_FORM_FIELDS,
            )
        except ValueError:
            raise FormTooLarge("fields") from None
        return dict(pairs)

    # -- CSRF ------------------------------------------------------------------
    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)

    def set_token(self, answer: HTMLResponse, token: str) -> HTMLResponse:
        answer.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", secure=self.https, path="/"
        )
        return answer

    @staticmethod
    def token_ok(request: Request, fields: Mapping[str, Any]) -> bool:
        """Whether the form's token equals its cookie's (a post from another site has
        no way to read the cookie, so cannot send the same value)."""
        token = str(fields.get("csrf", ""))
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(token) and bool(cookie) and secrets.compare_digest(token, cookie)


def guard(headers: Any) -> None:
    """The headers of every page: never kept by a browser or proxy, never framed,
    scripts and styles from the central only."""
    headers["Cache-Control"] = "no-store"
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Content-Security-Policy"] = CONTENT_POLICY


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def mount_static(app: FastAPI) -> None:
    """The pages' own styles and small scripts, at ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def refuse_large_forms(app: FastAPI, pages: Pages) -> None:
    """A form body past the limit gets a page saying so (413), and the connection is
    closed: kept open, the server would read the rest of the upload only to drop it."""

    @app.exception_handler(FormTooLarge)
    async def _too_large(request: Request, exc: FormTooLarge) -> HTMLResponse:
        text = "提交的内容太长或格式不对，请返回重新填写"
        answer = pages.message(await pages.hall(), "无法提交", text, 413, "/")
        answer.headers["Connection"] = "close"
        return answer
