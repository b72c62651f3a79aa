"""扫码看排队 end to end (issue 31, point 4): a kiosk issues through a real central
process, the visitor's 360 px phone (Debian's chromium) opens the slip's QR link, a
window calls the tickets ahead, and the page follows without a reload until it says
it is the visitor's turn — on both engines, over loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sync_support import Central, seeded_counter, wall_clock

from counter.model.devices import DeviceKind
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import CentralQueue, open_queue
from counter.services.session import sign_in

PHONE = {"width": 360, "height": 740}
#: How long the page may take to follow a call: a long poll answers at once, so this
#: bounds only a broken page (no sleeps; Playwright waits for the text).
FOLLOW_MS = 15_000


def test_the_phone_follows_its_ticket_as_the_window_calls_the_ones_ahead(
    central: Central, seeded_template: Path, tmp_path: Path, browser: object
) -> None:
    from playwright.sync_api import expect

    now = wall_clock()
    kiosk = open_queue(
        seeded_counter(seeded_template, tmp_path / "kiosk.db", central, kind=DeviceKind.KIOSK),
        Settings(),
    )
    window_db = seeded_counter(seeded_template, tmp_path / "w1.db", central, window="1")
    window = open_queue(window_db, Settings())
    assert isinstance(kiosk, CentralQueue) and isinstance(window, CentralQueue)
    ahead = [kiosk.issue("A", now + timedelta(seconds=n)) for n in range(2)]
    mine = kiosk.issue("A", now + timedelta(seconds=2))
    slip = mine.slip("示范市政务服务中心")
    assert slip.qr_url.startswith(f"{central.url}/queue/") and all(a.view_link for a in ahead)

    phone = browser.new_page(viewport=PHONE, locale="zh-CN")  # type: ignore[attr-defined]
    phone.goto(slip.qr_url)
    expect(phone.locator("#number")).to_have_text(mine.ticket.number)
    expect(phone.locator("#state")).to_have_text("等候中")
    expect(phone.locator("#ahead")).to_have_text("2 人")
    expect(phone.locator("#calling")).to_have_text("尚未开始叫号")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.evaluate("window.__sameDocument = true")  # gone if the page reloads

    clerk = sign_in(window_db, "lina", DEMO_PASSWORD, "1", now)
    first = window.call_next(clerk, now + timedelta(minutes=1))
    expect(phone.locator("#ahead")).to_have_text("1 人", timeout=FOLLOW_MS)
    expect(phone.locator("#calling")).to_contain_text(first.number, timeout=FOLLOW_MS)
    window.finish(clerk, first.id, ["设立登记"], now + timedelta(minutes=5))

    second = window.call_next(clerk, now + timedelta(minutes=6))
    expect(phone.locator("#ahead")).to_have_text("没有人了，下一位就是您", timeout=FOLLOW_MS)
    expect(phone.locator("#calling")).to_contain_text(second.number, timeout=FOLLOW_MS)
    window.finish(clerk, second.id, ["设立登记"], now + timedelta(minutes=10))

    called = window.call_next(clerk, now + timedelta(minutes=11))
    assert called.id == mine.ticket.id
    expect(phone.locator("#state")).to_have_text("请到 1 号窗口办理", timeout=FOLLOW_MS)
    expect(phone.locator("#ticket")).to_have_class("card ticket turn")
    expect(phone.locator("#ahead")).to_be_hidden()
    assert phone.evaluate("window.__sameDocument") is True  # followed, never reloaded
    phone.close()
