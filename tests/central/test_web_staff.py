"""The hall's staff on the central's web side: who may sign in, how long, and what an
attacker gets by guessing, forging a cookie or posting from elsewhere; both engines."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import PASSWORD, post_form, put_staff, sign_in

from counter.central.engine import Engine
from counter.central.web_staff import NO_ROLE, SESSION_COOKIE, WRONG
from counter.model.lockout import FREE_TRIES
from counter.model.staff import Role


def test_a_supervisor_signs_in_and_reaches_the_hall_pages(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "wang", Role.SUPERVISOR)
    assert (
        client.get("/staff", follow_redirects=False)
        .headers["location"]
        .startswith("/staff/login?next=/staff")
    )
    answer = sign_in(client, "wang")
    assert answer.status_code == 303 and answer.headers["location"] == "/staff"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = client.get("/staff")
    assert home.status_code == 200 and "王值班" in home.text and "网上预约名额" in home.text


def test_a_clerk_with_the_right_password_is_still_refused(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "li", Role.CLERK, name="李窗口")
    answer = sign_in(client, "li")
    assert answer.status_code == 403 and NO_ROLE in answer.text
    assert SESSION_COOKIE not in client.cookies


def test_an_administrator_sees_the_dashboard_but_may_not_edit(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "it", Role.ADMIN, name="信息科")
    assert sign_in(client, "it").status_code == 303
    home = client.get("/staff").text
    assert "电子监察" in home and "网上预约名额" not in home


def test_guessing_passwords_locks_the_login_and_an_unknown_login_alike(
    engine: Engine, client: TestClient
) -> None:
    """The attacker tries passwords for a real login and for a made-up one: both are
    answered the same and both lock after the free tries, the right password too."""
    put_staff(engine, "wang")
    for login in ("wang", "nobody"):
        statuses = [sign_in(client, login, f"guess-{n:04d}").status_code for n in range(FREE_TRIES)]
        assert statuses == [403] * FREE_TRIES
        locked = sign_in(client, login, PASSWORD)
        assert locked.status_code == 429 and "暂停登录" in locked.text
    assert WRONG in sign_in(client, "other", "guess-0000").text


def test_a_forged_or_stolen_looking_cookie_opens_nothing(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "wang")
    client.cookies.set(SESSION_COOKIE, "wang")
    assert client.get("/staff", follow_redirects=False).status_code == 303
    stored = engine.query("SELECT token_hash FROM web_sessions")
    assert stored == []
    sign_in(client, "wang")
    # What the database holds is a hash: a copy of it opens no session.
    (token_hash,) = engine.query("SELECT token_hash FROM web_sessions")[0]
    other = TestClient(client.app)
    other.cookies.set(SESSION_COOKIE, token_hash)
    assert other.get("/staff", follow_redirects=False).status_code == 303


def test_a_deactivated_account_loses_its_open_session_at_once(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "wang")
    sign_in(client, "wang")
    assert client.get("/staff").status_code == 200
    put_staff(engine, "wang", active=False)
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_on_the_central_not_just_the_browser(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "wang")
    sign_in(client, "wang")
    token = client.cookies[SESSION_COOKIE]
    assert post_form(client, "/staff/logout", {}, form_at="/staff").status_code == 303
    replay = TestClient(client.app)
    replay.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/staff", follow_redirects=False).status_code == 303


def test_sign_in_from_another_site_and_redirects_elsewhere_are_refused(
    engine: Engine, client: TestClient
) -> None:
    put_staff(engine, "wang")
    client.get("/staff/login")
    forged = client.post(
        "/staff/login", data={"csrf": "guess", "login": "wang", "password": PASSWORD}
    )
    assert forged.status_code == 403 and SESSION_COOKIE not in client.cookies
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = post_form(
            client, "/staff/login", {"login": "wang", "password": PASSWORD, "next": target}
        )
        assert answer.headers["location"] == "/staff", target
