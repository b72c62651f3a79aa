"""网上预约 and the hall's public notices on the central (issue 31, points 3 and 6): the
supervisor's places hold however many phones book at once, each person books once,
nothing is booked when the hall is shut, and nobody but a supervisor changes what the
public sees; on both engines."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stdnum.cn import ric
from web_support import post_form, put_staff, sign_in

from counter.central.app import RateLimiter
from counter.central.engine import Engine
from counter.central.threads import DatabaseThreads
from counter.central.web import CSRF_COOKIE, add_web_routes
from counter.central.web_booking import make_booking, set_places
from counter.central.web_staff import SESSION_COOKIE
from counter.central.web_staff import _hash as session_hash
from counter.model import booking
from counter.model.booking import NOTICES_KEY, check_applicant
from counter.model.clock import HALL_TZ
from counter.model.errors import ValidationError
from counter.model.progress import WRONG_TRIES
from counter.model.staff import Role
from counter.model.workdays import HolidayCalendar

#: Monday 7 December 2026, before the hall opens: the window runs to Tuesday the 15th.
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=HALL_TZ)
TUESDAY = date(2026, 12, 8)


def id_number(n: int) -> str:
    """A valid 居民身份证号码, one per ``n``."""
    body = f"11010119900307{n:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def ms(self) -> int:
        return int(self.at.timestamp() * 1000)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def web_client(engine: Engine, clock: Clock, limiter: RateLimiter | None = None) -> TestClient:
    app = FastAPI()
    threads = DatabaseThreads(4)
    add_web_routes(
        app, engine, threads.run, clock.ms, limiter or RateLimiter(1000, 1000), https=False
    )
    return TestClient(app)


@pytest.fixture
def web(engine: Engine, clock: Clock) -> Iterator[TestClient]:
    for code, name, sort in (("A", "企业开办", 1), ("B", "社保医保", 2)):
        row = {"code": code, "name": name, "windows": "1,2", "sort": sort, "active": 1}
        engine.publish("queue_categories", code, row, 1)
    put_staff(engine, "wang", Role.SUPERVISOR)
    with web_client(engine, clock) as client:
        yield client


def book(
    client: TestClient, slot: str, n: int = 1, category: str = "A", **changes: str
) -> tuple[int, str]:
    fields = {"category": category, "slot": slot, "name": "欧阳明月",
              "id_number": id_number(n), "phone": "13812345678"} | changes  # fmt: skip
    answer = post_form(client, "/book", fields, form_at=f"/book?category={category}")
    return answer.status_code, answer.text


def code_in(page: str) -> str:
    found = re.search(r'id="appointment-code">([A-Z0-9]+)<', page)
    assert found, page
    return found.group(1)


def live(engine: Engine) -> int:
    return int(engine.scalar("SELECT count(*) FROM bookings WHERE cancelled_ms IS NULL"))


def appointment(engine: Engine, code: str) -> tuple[str, dict[str, object]] | None:
    rows = engine.query(
        "SELECT kind, payload FROM rows WHERE table_name = 'appointments' AND row_id = ?", [code]
    )
    return (str(rows[0][0]), json.loads(rows[0][1])) if rows else None


def test_the_supervisor_sets_places_and_the_phone_sees_what_is_left(
    engine: Engine, web: TestClient
) -> None:
    assert sign_in(web, "wang").status_code == 303
    fields = {"action": "general", "g-A-am": "2", "g-A-pm": "", "g-B-am": "0", "g-B-pm": "1"}
    saved = post_form(web, "/staff/appointments", fields)
    assert saved.status_code == 303
    one_day = {"action": "day", "day": TUESDAY.isoformat(), "category": "A", "half": "am",
               "places": "5"}  # fmt: skip
    assert post_form(web, "/staff/appointments", one_day).status_code == 303
    page = web.get("/book?category=A").text
    assert "余 2 个" in page and "余 5 个" in page and "下午" not in page
    assert "12月07日 周一" in page and "12月15日 周二" in page and "12月16日" not in page
    status, _ = book(web, f"{MONDAY.date()}|am")
    assert status == 200
    assert "余 1 个" in web.get("/book?category=A").text
    overview = web.get("/staff/appointments").text
    assert "1/2" in overview and "0/5" in overview


def test_a_booking_gives_a_short_code_and_its_qr_and_syncs_as_an_appointment(
    engine: Engine, web: TestClient
) -> None:
    set_places(engine, "A", None, "pm", 3)
    status, page = book(web, f"{TUESDAY}|pm", name="欧阳明月")
    assert status == 200, page
    code = code_in(page)
    assert re.fullmatch(rf"[{booking.CODE_FIRST}][{booking.CODE_REST}]{{7}}", code)
    assert "<svg" in page and "二维码" in page and "身份证件原件" in page
    assert "欧**月" in page and id_number(1) not in page and "13812345678" not in page
    held = appointment(engine, code)
    assert held is not None and held[0] == "upsert"
    assert held[1] | {} == {
        "code": code, "day": TUESDAY.isoformat(), "category": "A", "name": "欧阳明月",
        "id_number": id_number(1), "slot": "下午 13:30-17:30", "ticket_id": "",
        "checked_in_at": None,
    }  # fmt: skip
    # It is in the change log every counter pulls from.
    pulled = [c for c in engine.pull(0, 1000).changes if c.table_name == "appointments"]
    assert [c.row_id for c in pulled] == [code]


def test_two_phones_taking_the_last_places_at_once_never_overbook(engine: Engine) -> None:
    """Twelve phones press 提交 at the same moment for a half-day with three places
    left: three get a booking, nine are told it is full, and the central holds three."""
    engine.publish("queue_categories", "A", {"code": "A", "name": "企业开办", "active": 1}, 1)
    set_places(engine, "A", None, "am", 3)
    calendar = HolidayCalendar.weekends_only()
    start = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def phone(n: int) -> None:
        person = check_applicant(f"申请人{n}", id_number(n), "13812345678", MONDAY.date())
        start.wait()
        try:
            make_booking(engine, calendar, MONDAY, 1, "A", f"{TUESDAY}|am", person)
            result = "booked"
        except ValidationError as exc:
            result = exc.message
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] * 3 + [booking.FULL] * 9
    assert live(engine) == 3
    places = engine.query("SELECT place FROM bookings ORDER BY place")
    assert places == [(1,), (2,), (3,)]
    published = engine.scalar("SELECT count(*) FROM rows WHERE table_name = 'appointments'")
    assert published == 3


def test_the_database_itself_refuses_a_second_holder_of_a_place(engine: Engine) -> None:
    """The constraint, not the code before it, is what holds: a second live booking of
    the same place is not stored, whatever the page thought was free."""
    insert = (
        "INSERT INTO bookings (code, day, category, half, place, person, id_last4, phone,"
        " created_ms) VALUES (?, '2026-12-08', 'A', 'am', 1, ?, '0000', '', 1)"
        " ON CONFLICT DO NOTHING"
    )
    assert engine.execute(insert, ["AAAA2222", "p1"]) == 1
    assert engine.execute(insert, ["BBBB3333", "p2"]) == 0
    engine.execute("UPDATE bookings SET cancelled_ms = 5 WHERE code = 'AAAA2222'")
    assert engine.execute(insert, ["BBBB3333", "p2"]) == 1  # a cancelled booking frees it


def test_one_live_booking_per_id_per_category_per_day(engine: Engine, web: TestClient) -> None:
    set_places(engine, "A", None, "am", 5)
    set_places(engine, "A", None, "pm", 5)
    set_places(engine, "B", None, "am", 5)
    first = book(web, f"{TUESDAY}|am", n=7)
    assert first[0] == 200
    again = book(web, f"{TUESDAY}|pm", n=7)
    assert again[0] == 409 and booking.TAKEN in again[1] and 'id="id_number-error"' in again[1]
    assert book(web, f"{TUESDAY}|am", n=7, category="B")[0] == 200  # another business
    assert book(web, f"{TUESDAY}|am", n=8)[0] == 200  # another person
    cancel = post_form(web, "/book/cancel", {"code": code_in(first[1]), "last4": id_number(7)[-4:]})
    assert cancel.status_code == 200 and "已取消" in cancel.text
    assert book(web, f"{TUESDAY}|pm", n=7)[0] == 200  # cancelled: may book again


@pytest.mark.parametrize(
    ("slot", "at", "said"),
    [
        ("2026-12-04|am", MONDAY, "已经过去"),  # last Friday
        ("2026-12-07|am", MONDAY.replace(hour=12, minute=5), "已经过去"),  # this morning, over
        ("2026-12-12|am", MONDAY, "节假日或休息日"),  # a Saturday
        ("2026-12-16|am", MONDAY, "7 个工作日内"),  # the eighth working day
        ("2026-12-13|pm", MONDAY, "节假日或休息日"),  # a Sunday
        ("2026-12-08|xx", MONDAY, "请选择预约时段"),
        ("tomorrow", MONDAY, "请选择预约时段"),
    ],
)
def test_past_closed_and_far_days_are_refused_in_chinese(
    engine: Engine, web: TestClient, clock: Clock, slot: str, at: datetime, said: str
) -> None:
    """A hand-made post for a half-day the form does not offer."""
    set_places(engine, "A", None, "am", 5)
    clock.at = at
    status, page = book(web, slot)
    assert status == 409 and said in page and 'id="slot-error"' in page
    assert live(engine) == 0


def test_this_afternoon_may_still_be_booked_in_the_morning(
    engine: Engine, web: TestClient, clock: Clock
) -> None:
    set_places(engine, "A", None, "am", 5)
    set_places(engine, "A", None, "pm", 5)
    clock.at = MONDAY.replace(hour=12, minute=30)
    page = web.get("/book?category=A").text
    assert "余 5 个" in page and 'value="2026-12-07|am"' not in page
    assert 'value="2026-12-07|pm"' in page
    assert book(web, "2026-12-07|pm")[0] == 200


def test_a_half_day_without_places_is_not_bookable(engine: Engine, web: TestClient) -> None:
    set_places(engine, "A", None, "am", 2)
    set_places(engine, "A", TUESDAY, "am", 0)  # nobody on duty that morning
    page = web.get("/book?category=A").text
    assert f'value="{TUESDAY}|am"' not in page
    status, page = book(web, f"{TUESDAY}|am")
    assert status == 409 and "不开放网上预约" in page


def test_wrong_fields_are_answered_beside_each_in_chinese(engine: Engine, web: TestClient) -> None:
    set_places(engine, "A", None, "am", 5)
    bad_id = id_number(1)[:-1] + ("0" if id_number(1)[-1] != "0" else "1")
    status, page = book(web, f"{TUESDAY}|am", name="", id_number=bad_id, phone="2381234567")
    assert status == 400
    assert 'id="name-error"' in page and "请输入姓名" in page
    assert 'id="id_number-error"' in page and "校验码不符" in page
    assert 'id="phone-error"' in page and "手机号码应为11位" in page
    assert bad_id not in page  # an ID number never comes back in a page
    assert f'value="{TUESDAY}|am" checked' in page  # the chosen half-day stays chosen
    assert live(engine) == 0


def test_a_post_from_another_site_books_nothing(engine: Engine, web: TestClient) -> None:
    set_places(engine, "A", None, "am", 5)
    web.get("/book?category=A")
    fields = {"category": "A", "slot": f"{TUESDAY}|am", "name": "张三",
              "id_number": id_number(1), "phone": "13812345678"}  # fmt: skip
    forged = web.post("/book", data={"csrf": "guess", **fields})
    assert forged.status_code == 403
    web.cookies.delete(CSRF_COOKIE)
    assert web.post("/book", data=fields).status_code == 403
    assert live(engine) == 0


def test_one_address_booking_too_fast_is_turned_away(engine: Engine, clock: Clock) -> None:
    """A script filling the half-days from one address: past its budget (one that never
    refills, so the count does not depend on the machine's speed) every post is 429."""
    engine.publish("queue_categories", "A", {"code": "A", "name": "企业开办", "active": 1}, 1)
    set_places(engine, "A", None, "am", 50)
    with web_client(engine, clock, RateLimiter(0.0, 3)) as script:
        statuses = [book(script, f"{TUESDAY}|am", n=n)[0] for n in range(6)]
        cancels = [
            post_form(script, "/book/cancel", {"code": "ABCD2345", "last4": "1234"}).status_code
        ]
    assert statuses == [200] * 3 + [429] * 3 and cancels == [429]
    assert live(engine) == 3


def test_guessing_the_digits_of_a_code_locks_its_cancelling(
    engine: Engine, web: TestClient
) -> None:
    set_places(engine, "A", None, "am", 5)
    code = code_in(book(web, f"{TUESDAY}|am", n=3)[1])
    wrong = [
        post_form(web, "/book/cancel", {"code": code, "last4": f"{n:04d}"}).status_code
        for n in range(WRONG_TRIES + 1)
    ]
    assert wrong == [404] * WRONG_TRIES + [429]
    right = post_form(web, "/book/cancel", {"code": code.lower(), "last4": id_number(3)[-4:]})
    assert right.status_code == 429 and "暂停取消" in right.text
    assert live(engine) == 1
    unknown = post_form(web, "/book/cancel", {"code": "ZZZZ9999", "last4": "1234"})
    assert unknown.status_code == 404 and booking.CANCEL_WRONG in unknown.text


def test_cancelling_frees_the_place_and_deletes_the_row_for_the_counters(
    engine: Engine, web: TestClient
) -> None:
    set_places(engine, "A", None, "am", 1)
    code = code_in(book(web, f"{TUESDAY}|am", n=1)[1])
    assert book(web, f"{TUESDAY}|am", n=2)[0] == 409  # full
    done = post_form(web, "/book/cancel", {"code": code, "last4": id_number(1)[-4:]})
    assert done.status_code == 200 and f"预约 {code} 已取消" in done.text
    held = appointment(engine, code)
    assert held is not None and held[0] == "delete"
    assert book(web, f"{TUESDAY}|am", n=2)[0] == 200
    twice = post_form(web, "/book/cancel", {"code": code, "last4": id_number(1)[-4:]})
    assert twice.status_code == 409 and "已经取消" in twice.text


def test_a_booking_checked_in_at_the_kiosk_cannot_be_cancelled(
    engine: Engine, web: TestClient
) -> None:
    set_places(engine, "A", None, "am", 1)
    code = code_in(book(web, f"{TUESDAY}|am", n=1)[1])
    held = appointment(engine, code)
    assert held is not None
    engine.publish("appointments", code, {**held[1], "ticket_id": "2026-12-08-A001"}, 2)
    answer = post_form(web, "/book/cancel", {"code": code, "last4": id_number(1)[-4:]})
    assert answer.status_code == 409 and "已签到" in answer.text
    assert live(engine) == 1


def _places(engine: Engine) -> list[tuple[object, ...]]:
    return engine.query("SELECT category, day, half, places FROM booking_places")


@pytest.mark.parametrize("path", ["/staff/appointments", "/staff/notices"])
def test_only_a_supervisor_changes_places_and_notices(
    engine: Engine, web: TestClient, path: str
) -> None:
    """An administrator may look at the hall but not change what it offers; a post
    without a session, or with a session forged for a clerk, changes nothing."""
    change = (
        {"action": "general", "g-A-am": "9"}
        if path.endswith("appointments")
        else {"action": "hours", "hours": "全天不办公"}
    )
    before = (
        _places(engine),
        engine.query("SELECT * FROM rows WHERE table_name = 'hall_settings'"),
    )

    def unchanged() -> bool:
        after = engine.query("SELECT * FROM rows WHERE table_name = 'hall_settings'")
        return (_places(engine), after) == before

    # Nobody signed in: the token of a public form does not help.
    web.get("/progress")
    bare = web.post(path, data={"csrf": web.cookies.get(CSRF_COOKIE, ""), **change},
                    follow_redirects=False)  # fmt: skip
    assert bare.status_code == 303 and bare.headers["location"].startswith("/staff/login")
    assert unchanged()
    # A clerk's session (made by hand: the sign-in refuses clerks) opens nothing.
    clerk_id = put_staff(engine, "li", Role.CLERK, name="李窗口")
    engine.execute(
        "INSERT INTO web_sessions (token_hash, staff_id, created_ms, expires_ms)"
        " VALUES (?, ?, 0, ?)",
        [session_hash("clerk-token"), clerk_id, 2**62],
    )
    web.cookies.set(SESSION_COOKIE, "clerk-token")
    forged = web.post(path, data={"csrf": web.cookies.get(CSRF_COOKIE, ""), **change},
                      follow_redirects=False)  # fmt: skip
    assert forged.status_code == 303 and unchanged()
    # An administrator: signed in, refused.
    put_staff(engine, "it", Role.ADMIN, name="信息科")
    web.cookies.clear()
    assert sign_in(web, "it").status_code == 303
    assert web.get(path).status_code == 403
    refused = web.post(path, data={"csrf": web.cookies.get(CSRF_COOKIE, ""), **change})
    assert refused.status_code == 403 and "只有值班长" in refused.text and unchanged()
    # The supervisor, but from another site (no form token): refused too.
    assert sign_in(web, "wang").status_code == 303
    cross = web.post(path, data={"csrf": "guess", **change})
    assert cross.status_code == 403 and unchanged()
    assert post_form(web, path, change).status_code == 303
    assert not unchanged()


def test_bad_places_are_answered_beside_their_field(engine: Engine, web: TestClient) -> None:
    sign_in(web, "wang")
    answer = post_form(
        web, "/staff/appointments", {"action": "general", "g-A-am": "abc", "g-B-pm": "501"}
    )
    assert answer.status_code == 400
    assert 'id="g-A-am-error"' in answer.text and "名额应为 0 或正整数" in answer.text
    assert 'id="g-B-pm-error"' in answer.text and "最多 500" in answer.text
    assert _places(engine) == []
    past = {"action": "day", "day": "2026-12-01", "category": "A", "half": "am", "places": "1"}
    answer = post_form(web, "/staff/appointments", past)
    assert answer.status_code == 400 and "已经过去" in answer.text
    window = post_form(web, "/staff/appointments", {"action": "window", "window_days": "3"})
    assert window.status_code == 303
    set_places(engine, "A", None, "am", 1)
    assert "12月10日" not in web.get("/book?category=A").text  # three working days: 7, 8, 9


def test_the_notices_are_published_for_the_counters_shown_and_close_booking(
    engine: Engine, web: TestClient
) -> None:
    set_places(engine, "A", None, "am", 5)
    sign_in(web, "wang")
    hours = {"action": "hours", "hours": "周一至周五 9:00–12:00，13:30–17:30"}
    assert post_form(web, "/staff/notices", hours).status_code == 303
    closure = {"action": "add", "start": str(TUESDAY), "end": "2026-12-09",
               "text": "系统升级闭厅"}  # fmt: skip
    assert post_form(web, "/staff/notices", closure).status_code == 303
    held = engine.query(
        "SELECT payload FROM rows WHERE table_name = 'hall_settings' AND row_id = ?",
        [NOTICES_KEY],
    )
    value = json.loads(held[0][0])["value"]
    assert value == {
        "hours": "周一至周五 9:00–12:00，13:30–17:30",
        "closures": [{"start": "2026-12-08", "end": "2026-12-09", "text": "系统升级闭厅"}],
    }
    assert [c.row_id for c in engine.pull(0, 1000).changes].count(NOTICES_KEY) == 2
    for path in ("/book", "/book?category=A", "/progress"):
        page = web.get(path).text
        assert "系统升级闭厅" in page and "13:30–17:30" in page, path
    booking_page = web.get("/book?category=A").text
    assert 'value="2026-12-08|am"' not in booking_page
    assert 'value="2026-12-10|am"' in booking_page
    status, page = book(web, f"{TUESDAY}|am")
    assert status == 409 and "闭厅（系统升级闭厅）" in page
    # Taken down again: the day opens.
    staff_page = web.get("/staff/notices").text
    key = re.search(r'name="key" value="([^"]+)"', staff_page)
    assert key is not None
    removed = post_form(
        web, "/staff/notices", {"action": "remove", "key": key.group(1).replace("&#34;", '"')}
    )
    assert removed.status_code == 303
    assert book(web, f"{TUESDAY}|am")[0] == 200


def test_a_closure_typed_wrong_is_answered_beside_its_field(
    engine: Engine, web: TestClient
) -> None:
    sign_in(web, "wang")
    answer = post_form(
        web,
        "/staff/notices",
        {"action": "add", "start": "2026-12-09", "end": "2026-12-08", "text": ""},
    )
    assert answer.status_code == 400
    assert 'id="end-error"' in answer.text and "不能早于开始日期" in answer.text
    assert 'id="text-error"' in answer.text and "请填写公告内容" in answer.text
    assert engine.query("SELECT * FROM rows WHERE table_name = 'hall_settings'") == []
