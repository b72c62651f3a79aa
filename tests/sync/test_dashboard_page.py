"""电子监察 on the hall's big screen, end to end (issue 31): a supervisor signs in on a
1920×1080 wall in a real browser (Debian's chromium); a kiosk issues a ticket and a
window calls it through the real central, and the screen shows both without a reload;
when the session ends the screen says so. Both engines, over loopback."""

from __future__ import annotations

from pathlib import Path

from sync_support import Central, seeded_counter, token, wall_clock

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import CentralQueue
from counter.services.session import sign_in
from counter.sync.transport import HttpTransport

WALL = {"width": 1920, "height": 1080}
#: Long enough for the stream's next look (a second) on a loaded machine.
WAIT_MS = 30_000


def test_the_wall_follows_the_queue_without_reloading(
    central: Central, seeded_template: Path, tmp_path: Path, browser: object
) -> None:
    kiosk_db = seeded_counter(seeded_template, tmp_path / "kiosk.db", central)
    window_db = seeded_counter(seeded_template, tmp_path / "w3.db", central, window="3")
    kiosk = CentralQueue(kiosk_db, HttpTransport(central.url, token(kiosk_db), timeout=10.0))
    window = CentralQueue(window_db, HttpTransport(central.url, token(window_db), timeout=10.0))

    from playwright.sync_api import expect

    wall = browser.new_page(viewport=WALL, locale="zh-CN")  # type: ignore[attr-defined]
    wall.goto(f"{central.url}/hall?wall=1")
    wall.get_by_label("工号").fill("zhangwei")
    wall.get_by_label("密码").fill(DEMO_PASSWORD)
    wall.get_by_role("button", name="登录").click()
    wall.wait_for_selector("#sec-queue")
    assert wall.url.endswith("/hall?wall=1")
    assert "今天还没有取号" in wall.inner_text("#sec-queue")
    wall.evaluate("window.notReloaded = true")

    now = wall_clock()
    issued = kiosk.issue("A", now).ticket
    expect(wall.locator("#sec-queue")).to_contain_text("共 1 人等候", timeout=WAIT_MS)
    clerk = sign_in(window_db, "lina", DEMO_PASSWORD, "3", now)
    called = window.call_next(clerk, wall_clock())
    assert called.number == issued.number
    expect(wall.locator("#sec-windows .win.busy")).to_contain_text(called.number, timeout=WAIT_MS)
    busy = wall.inner_text("#sec-windows .win.busy")
    assert "3 号" in busy and "办理中" in busy
    assert wall.evaluate("window.notReloaded") is True  # changed in place, not reloaded
    assert wall.evaluate("document.documentElement.scrollHeight") <= WALL["height"]
    assert wall.evaluate("document.documentElement.scrollWidth") <= WALL["width"]

    # The session ends (signed out elsewhere, or expired): the screen says so.
    central.engine.execute("DELETE FROM web_sessions")
    expect(wall.locator("#hall-alert")).to_contain_text("请重新登录", timeout=WAIT_MS)
    wall.close()
