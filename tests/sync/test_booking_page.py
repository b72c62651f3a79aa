"""网上预约 end to end (issue 31, points 3 and 6): the supervisor sets the places on the
central's page, an applicant books on a 360 px phone in a real browser (Debian's
chromium), the kiosk syncs and its check-in takes the code — a standalone kiosk and one
on the hall's queue — and a cancelled booking frees its place and is refused at the
kiosk; on both engines, over loopback."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from stdnum.cn import ric
from sync_support import Central, client_for, seeded_counter, token, wall_clock

from counter.model.booking import NOTICES_KEY, Notices
from counter.model.clock import HALL_TZ
from counter.model.devices import DeviceKind
from counter.model.errors import NotFoundError
from counter.model.queue import Lane
from counter.services.bootstrap import DEMO_PASSWORD, published_settings
from counter.services.central_queue import CentralQueue
from counter.services.queue_service import LocalQueue
from counter.sync.transport import HttpTransport

PHONE = {"width": 360, "height": 740}
WALL = {"width": 1920, "height": 1080}
#: Three applicants' 居民身份证号码 (valid check digits).
ID_NUMBERS = tuple(b + ric.calc_check_digit(b + "0") for b in ("11010119900307123",
                   "31010419851212002", "44030519670815001"))  # fmt: skip


def book(phone: object, n: int) -> tuple[str, str]:
    """The applicant books the first half-day with a place left: its code and slot."""
    phone.goto(phone.url.split("/book")[0] + "/book")  # type: ignore[attr-defined]
    phone.get_by_role("link", name="企业开办").click()  # type: ignore[attr-defined]
    first = phone.locator("input[name=slot]:not([disabled])").first  # type: ignore[attr-defined]
    slot = str(first.get_attribute("value"))
    first.check()
    phone.get_by_label("姓名").fill(f"申请人{n}")  # type: ignore[attr-defined]
    phone.get_by_label("居民身份证号码").fill(ID_NUMBERS[n])  # type: ignore[attr-defined]
    phone.get_by_label("手机号码").fill("13812345678")  # type: ignore[attr-defined]
    phone.get_by_role("button", name="提交预约").click()  # type: ignore[attr-defined]
    phone.wait_for_selector("#appointment-code, .error")  # type: ignore[attr-defined]
    return phone.inner_text("#appointment-code").strip(), slot  # type: ignore[attr-defined]


def arrival(slot: str) -> datetime:
    """A moment inside the booked half-day, as the kiosk's clock reads it then."""
    day, _, half = slot.partition("|")
    return datetime.combine(date.fromisoformat(day), time(10 if half == "am" else 14), HALL_TZ)


def test_a_booking_made_on_the_phone_is_checked_in_at_the_kiosk_and_a_cancel_frees_it(
    central: Central, seeded_template: Path, tmp_path: Path, browser: object
) -> None:
    engine = central.engine
    for table in ("bookings", "booking_places", "booking_settings", "web_sessions"):
        engine.execute(f"DELETE FROM {table}")  # PostgreSQL's are kept between tests
    category = {"code": "A", "name": "企业开办", "windows": "1,2,3", "sort": 1, "active": 1,
                "updated_at": wall_clock().isoformat(timespec="milliseconds")}  # fmt: skip
    engine.publish("queue_categories", "A", category, int(wall_clock().timestamp() * 1000))
    kiosk = seeded_counter(seeded_template, tmp_path / "kiosk.db", central, kind=DeviceKind.KIOSK)
    hall_kiosk = seeded_counter(
        seeded_template, tmp_path / "kiosk2.db", central, kind=DeviceKind.KIOSK
    )

    # The supervisor opens one place each half-day and posts a closure notice.
    staff = browser.new_context(viewport=WALL, locale="zh-CN")  # type: ignore[attr-defined]
    desk = staff.new_page()
    desk.goto(f"{central.url}/staff/appointments")
    desk.get_by_label("工号").fill("zhangwei")
    desk.get_by_label("密码").fill(DEMO_PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.get_by_label("企业开办上午名额").fill("1")
    desk.get_by_label("企业开办下午名额").fill("1")
    desk.get_by_role("button", name="保存工作日名额").click()
    expect(desk.locator("[role=status]")).to_contain_text("已保存")
    desk.goto(f"{central.url}/staff/notices")
    desk.get_by_label("向公众公布的办公时间").fill("周一至周五 9:00–12:00，13:30–17:30")
    desk.get_by_role("button", name="保存办公时间").click()
    expect(desk.locator("[role=status]")).to_contain_text("已保存")

    # An applicant books on the phone: a code and its QR.
    phone = browser.new_page(viewport=PHONE, locale="zh-CN")  # type: ignore[attr-defined]
    phone.goto(f"{central.url}/book")
    assert "9:00–12:00" in phone.inner_text(".hall-notices")
    phone.get_by_role("link", name="企业开办").click()
    phone.wait_for_selector("input[name=slot]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.goto(f"{central.url}/book")
    first, first_slot = book(phone, 0)
    assert phone.locator("svg[role=img]").count() == 1
    assert ID_NUMBERS[0] not in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    second, second_slot = book(phone, 1)
    assert second != first and second_slot != first_slot

    # A standalone kiosk pulls the bookings and the notices, and checks in by code.
    client_for(kiosk, central).pull()
    notices = Notices.from_value(published_settings(kiosk)[NOTICES_KEY])
    assert notices.hours == "周一至周五 9:00–12:00，13:30–17:30"
    issued = LocalQueue(kiosk).check_in(first, arrival(first_slot))
    assert issued.ticket.lane is Lane.APPOINTMENT and issued.ticket.appointment_code == first

    # A kiosk on the hall's queue takes the other code: the central issues its ticket.
    client_for(hall_kiosk, central).pull()
    transport = HttpTransport(central.url, token(hall_kiosk), timeout=5.0)
    on_hall = CentralQueue(hall_kiosk, transport).check_in(second, arrival(second_slot))
    assert on_hall.ticket.lane is Lane.APPOINTMENT and on_hall.ticket.appointment_code == second

    # A third booking takes the next place; cancelled, the place is free again and the
    # kiosk, once synced, refuses the code.
    third, third_slot = book(phone, 2)
    phone.goto(f"{central.url}/book?category=A")
    assert phone.locator(f"input[value='{third_slot}']").is_disabled()
    phone.goto(f"{central.url}/book/cancel")
    phone.get_by_label("预约号").fill(third.lower())
    phone.get_by_label("身份证号码后四位").fill(ID_NUMBERS[2][-4:])
    phone.get_by_role("button", name="取消预约").click()
    expect(phone.locator("[role=status]")).to_contain_text(f"预约 {third} 已取消")
    phone.goto(f"{central.url}/book?category=A")
    assert phone.locator(f"input[value='{third_slot}']").is_enabled()
    client_for(kiosk, central).pull()
    with pytest.raises(NotFoundError, match=third):
        LocalQueue(kiosk).check_in(third, arrival(third_slot))

    staff.close()
    phone.close()
