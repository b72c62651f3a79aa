"""The hall's staff on the central's web side: sign in, sign out, and who may see what.

The 电子监察 dashboard and the pages that edit appointment capacity and the public
notices are for the hall's duty supervisors and its administrators (the hall's
leaders are given one of these accounts). They sign in with the staff accounts the
central itself published (``counter-central create-staff``): the login, the argon2
hash and the role are read from the central's own rows, never from what a browser
sends, and a clerk's account opens nothing here.

A session is a random cookie (``HttpOnly``, ``Secure``, ``SameSite=Lax``) whose hash
alone is kept, in ``web_sessions`` (central migration 3), so every ``--workers``
process knows it, a restart keeps it, and signing out ends it everywhere. It lasts
:data:`SESSION_HOURS` (a wall screen signs in each morning). Each session's page is
checked against the staff row on every request: a deactivated account or a changed
role takes effect at once. Wrong passwords in a row are counted per login in the
database and slow guessing as a counter's sign-in does (:mod:`counter.model.lockout`),
an unknown login alike, and the password is checked against a hash either way, so
neither the answer nor its time tells whether a login exists.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from counter.central.authority import CentralStaff
from counter.central.engine import Engine
from counter.central.migrations import json_field
from counter.central.web_pages import HallFacts, Pages, guard
from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError
from counter.model.lockout import Failures, SignInLockedError
from counter.model.staff import Role, hash_password, password_matches

log = logging.getLogger(__name__)

SESSION_COOKIE = "counter_staff"
SESSION_HOURS = 14
#: Who may sign in to the web side at all, and who may change what it publishes.
WEB_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
EDIT_ROLES = frozenset({Role.SUPERVISOR})
_TITLE = "工作人员登录"
NO_ROLE = "该账号不能登录网页端：只有值班长和系统管理员可以查看电子监察和修改预约、公告"
WRONG = "工号或密码不正确"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _stand_in_hash() -> str:
    """A hash to check an unknown login's password against, so it takes as long."""
    return hash_password(secrets.token_urlsafe(16))


def staff_row(engine: Engine, login: str) -> dict[str, Any] | None:
    rows = engine.query(
        "SELECT payload FROM rows WHERE table_name = 'staff' AND kind <> 'delete'"
        f" AND {json_field(engine.dialect, 'login')} = ?",
        [login],
    )
    return json.loads(rows[0][0]) if len(rows) == 1 else None


def _failures(engine: Engine, login: str) -> Failures:
    rows = engine.query("SELECT count, last_ms FROM web_signin_failures WHERE login = ?", [login])
    if not rows:
        return Failures(login)
    count, last_ms = rows[0]
    return Failures(login, int(count), datetime.fromtimestamp(int(last_ms) / 1000, HALL_TZ))


def _count_failure(engine: Engine, failures: Failures, now_ms: int) -> None:
    if failures.count == 0:
        done = engine.execute(
            "INSERT INTO web_signin_failures (login, count, last_ms) VALUES (?, 1, ?)"
            " ON CONFLICT (login) DO UPDATE SET count = web_signin_failures.count + 1,"
            " last_ms = excluded.last_ms",
            [failures.login, now_ms],
        )
    else:
        done = engine.execute(
            "UPDATE web_signin_failures SET count = count + 1, last_ms = ? WHERE login = ?",
            [now_ms, failures.login],
        )
    assert done == 1


def check_sign_in(engine: Engine, login: str, password: str, now: datetime) -> CentralStaff:
    """The staff member this login and password open, or why not (in Chinese).
    Runs in a database thread: the password check takes a tenth of a second."""
    failures = _failures(engine, login)
    until = failures.locked_until
    if until is not None and now < until:
        raise SignInLockedError(until)
    row = staff_row(engine, login)
    right = password_matches(str((row or {}).get("password_hash") or _stand_in_hash()), password)
    if row is None or not right:
        _count_failure(engine, failures, int(now.timestamp() * 1000))
        raise NotAllowedError(WRONG)
    engine.execute("DELETE FROM web_signin_failures WHERE login = ?", [login])
    staff = CentralStaff.from_payload(row)
    if not staff.active or staff.role not in WEB_ROLES:
        raise NotAllowedError(NO_ROLE if staff.active else "该账号已停用")
    return staff


def open_session(engine: Engine, staff: CentralStaff, now_ms: int) -> str:
    token = secrets.token_urlsafe(32)
    expires = now_ms + SESSION_HOURS * 3600 * 1000
    engine.execute("DELETE FROM web_sessions WHERE expires_ms <= ?", [now_ms])
    engine.execute(
        "INSERT INTO web_sessions (token_hash, staff_id, created_ms, expires_ms)"
        " VALUES (?, ?, ?, ?)",
        [_hash(token), staff.id, now_ms, expires],
    )
    return token


def session_staff(engine: Engine, token: str, now_ms: int) -> CentralStaff | None:
    """Who this session cookie belongs to, as the central's staff row says now."""
    if not token:
        return None
    found = engine.query(
        "SELECT staff_id FROM web_sessions WHERE token_hash = ? AND expires_ms > ?",
        [_hash(token), now_ms],
    )
    if not found:
        return None
    staff = engine.staff_record(str(found[0][0]))
    if staff is None or not staff.active or staff.role not in WEB_ROLES:
        return None
    return staff


def close_session(engine: Engine, token: str) -> None:
    engine.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_hash(token)])


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this central only (never ``//host``)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff"


async def signed_in(
    pages: Pages, request: Request, roles: frozenset[Role] = WEB_ROLES
) -> CentralStaff | Response:
    """The signed-in staff member, or the answer to send instead: the sign-in page
    for nobody, a refusal (403) for a role that may not do this."""
    token = request.cookies.get(SESSION_COOKIE, "")
    staff = await pages.in_thread(session_staff, pages.engine, token, pages.now_ms())
    if staff is None:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        answer = RedirectResponse(f"/staff/login?next={target}", status_code=303)
        guard(answer.headers)
        return answer
    if staff.role not in roles:
        text = "只有值班长可以修改预约名额和公告" if roles == EDIT_ROLES else NO_ROLE
        return pages.message(await pages.hall(), "无权操作", text, 403, "/staff")
    return staff


def add_staff_routes(app: FastAPI, pages: Pages) -> None:
    def form(
        hall: HallFacts, status: int = 200, *, login: str = "", target: str = "/staff",
        message: str = "",
    ) -> HTMLResponse:  # fmt: skip
        return pages.form_page(
            "staff_login.html", hall, status, title=_TITLE, login=login, next=target,
            message=message,
        )  # fmt: skip

    @app.get("/staff/login", include_in_schema=False, response_class=HTMLResponse)
    async def login_form(next: str = "/staff") -> HTMLResponse:
        return form(await pages.hall(), target=safe_next(next))

    @app.post("/staff/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        hall = await pages.hall()
        if not pages.allowed(request):
            return pages.too_fast(hall, _TITLE, "/staff/login")
        fields = await pages.form(request)
        target = safe_next(str(fields.get("next", "/staff"))[:500])
        typed = str(fields.get("login", "")).strip()[:64]
        if not pages.token_ok(request, fields):
            return form(hall, 403, login=typed, target=target, message="页面已过期，请重新登录")
        password = str(fields.get("password", ""))[:256]
        if not typed or not password:
            return form(hall, 400, login=typed, target=target, message="请输入工号和密码")
        try:
            staff = await pages.in_thread(check_sign_in, pages.engine, typed, password, pages.now())
        except NotAllowedError as exc:
            log.warning("web sign-in refused for %r: %s", typed, exc)
            status = 429 if isinstance(exc, SignInLockedError) else 403
            return form(hall, status, login=typed, target=target, message=str(exc))
        token = await pages.in_thread(open_session, pages.engine, staff, pages.now_ms())
        log.info("web sign-in: %s (%s)", staff.login, staff.role)
        answer = RedirectResponse(target, status_code=303)
        guard(answer.headers)
        answer.set_cookie(
            SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True,
            samesite="lax", secure=pages.https, path="/",
        )  # fmt: skip
        return answer

    @app.post("/staff/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        fields = await pages.form(request)
        if pages.token_ok(request, fields):
            token = request.cookies.get(SESSION_COOKIE, "")
            await pages.in_thread(close_session, pages.engine, token)
        answer = RedirectResponse("/staff/login", status_code=303)
        guard(answer.headers)
        answer.delete_cookie(SESSION_COOKIE, path="/")
        return answer

    @app.get("/staff", include_in_schema=False)
    async def home(request: Request) -> Response:
        staff = await signed_in(pages, request)
        if isinstance(staff, Response):
            return staff
        return pages.form_page(
            "staff_home.html", await pages.hall(), title="大厅管理", staff=staff,
            may_edit=staff.role in EDIT_ROLES,
        )  # fmt: skip
