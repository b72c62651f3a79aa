"""线上一网, the whole loop in one browser (issue 31): an applicant books on her phone,
checks in at the kiosk, follows her ticket as the window calls it, is served, rates the
service from the receipt's QR code and follows the case's progress — while the duty
supervisor watches the 电子监察 wall change as it happens. Debian's chromium, a real
central on SQLite and on PostgreSQL over loopback, the counters through their services.

The central runs in this process on a clock that starts on a Monday morning and runs
at the real pace: the loop books "this morning", which the real date could not promise
(a weekend, an evening), and everyone — central, kiosk, window — reads the same clock.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlite_utils import Database
from sync_support import client_for, decide_case, token
from sync_support import seeded_counter as _seeded

from counter.central.app import create_app
from counter.central.engine import Engine
from counter.central.serving import open_engine
from counter.model.cases import Action, Delivery
from counter.model.clock import HALL_TZ
from counter.model.devices import DeviceKind
from counter.model.settings import Settings
from counter.printing.notices import notice_pdf
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.central_queue import CentralQueue
from counter.services.intake_service import IntakeService
from counter.services.session import sign_in
from counter.sync.transport import HttpTransport
from tests.hall import publish_hall_staff
from tests.postgres import scratch_database
from tests.printing.pdf_helpers import codes

PHONE = {"width": 360, "height": 740}
WALL = {"width": 1920, "height": 1080}
#: Monday 7 December 2026, 09:00 in the hall: a working day, its morning still open.
MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=HALL_TZ)
#: Long enough for a live page's next look on a loaded machine (never a time asserted).
WAIT_MS = 30_000
#: A valid 居民身份证号码 (its check digit right).
ID_NUMBER = "110101199003071233"


class HallClock:
    """The hall's time: :data:`MORNING` when the test starts, moving at the real pace."""

    def __init__(self) -> None:
        self._began = time.monotonic()

    def now(self) -> datetime:
        return MORNING + timedelta(seconds=time.monotonic() - self._began)

    def ms(self) -> int:
        return int(self.now().timestamp() * 1000)


class InProcessCentral:
    """``create_app`` over ``engine`` on a loopback port, on the hall's clock; what
    sync_support's helpers ask of a central (url, engine, staff, enrol codes)."""

    def __init__(self, engine: Engine, clock: HallClock) -> None:
        self.engine = engine
        self.clock = clock
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        app = create_app(
            engine, clock_ms=clock.ms, rate_per_second=1000, rate_burst=1000, web_rate=1000
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        while not self.server.started:
            time.sleep(0.05)

    def publish_staff(self) -> None:
        publish_hall_staff(self.engine, self.clock.ms())

    def code(self, kind: DeviceKind = DeviceKind.WINDOW, window: str = "1") -> str:
        return self.engine.create_enrol_code(
            self.clock.ms(), kind, window if kind.has_window else ""
        )

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)


@pytest.fixture(params=["sqlite", "postgres"])
def hall(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessCentral]:
    clock = HallClock()
    if request.param == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'central.db'}")
        central = InProcessCentral(engine, clock)
        yield central
        central.stop()
        engine.close()
        return
    with scratch_database("counter_web_loop") as url:
        engine = open_engine(url)
        central = InProcessCentral(engine, clock)
        yield central
        central.stop()
        engine.close()


def counter_at(
    template: Path, path: Path, hall: InProcessCentral, kind: DeviceKind, window: str = "1"
) -> Database:
    db = _seeded(template, path, hall, window=window, kind=kind)  # type: ignore[arg-type]
    client_for(db, hall, clock=hall.clock.now).pull()  # type: ignore[arg-type]
    return db


def test_book_check_in_be_called_served_rate_and_follow_while_the_wall_watches(
    hall: InProcessCentral, seeded_template: Path, tmp_path: Path, browser: object
) -> None:
    from playwright.sync_api import expect

    clock = hall.clock
    engine = hall.engine
    engine.publish("hall_settings", "hall_name", {"value": "示范市政务服务中心"}, clock.ms())
    category = {"code": "A", "name": "企业开办", "windows": "3", "sort": 1, "active": 1,
                "updated_at": clock.now().isoformat(timespec="milliseconds")}  # fmt: skip
    engine.publish("queue_categories", "A", category, clock.ms())
    kiosk_db = counter_at(seeded_template, tmp_path / "kiosk.db", hall, DeviceKind.KIOSK)
    window_db = counter_at(seeded_template, tmp_path / "w3.db", hall, DeviceKind.WINDOW, "3")
    kiosk = CentralQueue(kiosk_db, HttpTransport(hall.url, token(kiosk_db), timeout=10.0))
    window = CentralQueue(window_db, HttpTransport(hall.url, token(window_db), timeout=10.0))

    # The duty supervisor opens this morning's places, then puts the wall up.
    desk = browser.new_context(viewport=WALL, locale="zh-CN")  # type: ignore[attr-defined]
    admin = desk.new_page()
    admin.goto(f"{hall.url}/staff/appointments")
    admin.get_by_label("工号").fill("zhangwei")
    admin.get_by_label("密码").fill(DEMO_PASSWORD)
    admin.get_by_role("button", name="登录").click()
    admin.get_by_label("企业开办上午名额").fill("2")
    admin.get_by_label("企业开办下午名额").fill("2")
    admin.get_by_role("button", name="保存工作日名额").click()
    expect(admin.locator("[role=status]")).to_contain_text("已保存")
    wall = desk.new_page()
    wall.goto(f"{hall.url}/hall?wall=1")
    wall.wait_for_selector("#sec-queue")
    wall.evaluate("window.notReloaded = true")

    # 网上预约: this morning, with her name, ID and phone.
    phone = browser.new_page(viewport=PHONE, locale="zh-CN")  # type: ignore[attr-defined]
    phone.goto(f"{hall.url}/book")
    phone.get_by_role("link", name="企业开办").click()
    slot = phone.locator("input[name=slot]:not([disabled])").first
    assert slot.get_attribute("value") == "2026-12-07|am"
    slot.check()
    phone.get_by_label("姓名").fill("欧阳明月")
    phone.get_by_label("居民身份证号码").fill(ID_NUMBER)
    phone.get_by_label("手机号码").fill("13812345678")
    phone.get_by_role("button", name="提交预约").click()
    code = phone.inner_text("#appointment-code").strip()

    # 预约签到 at the kiosk: an appointment-lane ticket from the central, its slip's QR
    # a link to follow it.
    client_for(kiosk_db, hall, clock=clock.now).pull()  # type: ignore[arg-type]
    issued = kiosk.check_in(code, clock.now())
    assert issued.ticket.appointment_code == code and issued.view_link
    phone.goto(issued.view_link)
    expect(phone.locator("main")).to_contain_text("等候中", timeout=WAIT_MS)
    phone.evaluate("window.notReloaded = true")
    expect(wall.locator("#sec-queue")).to_contain_text("共 1 人等候", timeout=WAIT_MS)

    # Window 3 calls her: the phone and the wall both change in place.
    clerk = sign_in(window_db, "lina", DEMO_PASSWORD, "3", clock.now())
    called = window.call_next(clerk, clock.now())
    assert called.id == issued.ticket.id
    expect(phone.locator("main")).to_contain_text("请到 3 号窗口办理", timeout=WAIT_MS)
    expect(wall.locator("#sec-windows .win.busy")).to_contain_text(called.number, timeout=WAIT_MS)
    assert phone.evaluate("window.notReloaded") is True

    # Served: the case is taken in, done and handed over; the ticket finished.
    settings = Settings().changed(central_url=hall.url)
    calendar = CalendarService(window_db, settings.working_hours)
    intake = IntakeService(window_db, CatalogService(window_db), calendar, settings)
    cases = CasesService(window_db, intake, calendar, settings)
    case = decide_case(window_db, "3", clock.now()).case
    cases.act(clerk, case.id, Action.START, clock.now())
    cases.act(clerk, case.id, Action.APPROVE, clock.now())
    receipt = cases.act(
        clerk, case.id, Action.DELIVER, clock.now(), delivery=Delivery.PICKUP,
        recipient_name="欧阳明月", recipient_id=ID_NUMBER,
    )  # fmt: skip
    assert receipt is not None
    window.finish(clerk, called.id, ["企业开办"], clock.now())
    client_for(window_db, hall, clock=clock.now).push()  # type: ignore[arg-type]
    expect(phone.locator("main")).to_contain_text("已办理", timeout=WAIT_MS)

    # 扫码评价 from the receipt as printed: 不满意, with why.
    [link] = [text for text in codes(notice_pdf(receipt))["QRCode"] if "/rate/" in text]
    phone.goto(link)
    phone.get_by_label("不满意", exact=True).check()
    phone.get_by_label("意见建议（选填）").fill("等候时间太长")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("[role=status]")).to_contain_text("感谢您的评价：不满意")

    # 办件进度查询: the case handed over, nothing personal beyond the masked name.
    phone.goto(f"{hall.url}/progress")
    phone.get_by_label("办件编号").fill(case.number)
    phone.get_by_label("证件号码或手机号码后四位").fill("5678")
    phone.get_by_role("button", name="查询进度").click()
    phone.wait_for_selector("#case-title")
    progress = phone.inner_text("main")
    assert case.number in progress and "13812345678" not in progress

    # The wall has seen the day's work and the 差评 to follow up, without a reload.
    expect(wall.locator("#sec-followups")).to_contain_text("等候时间太长", timeout=WAIT_MS)
    today = wall.locator("#sec-today")
    expect(today).to_contain_text(re.compile(r"受理办件\s*1\b"), timeout=WAIT_MS)
    expect(today).to_contain_text(re.compile(r"已办结号\s*1\b"), timeout=WAIT_MS)
    assert wall.evaluate("window.notReloaded") is True

    # The window's next sync brings the rating and its follow-up home.
    client_for(window_db, hall, clock=clock.now).pull()  # type: ignore[arg-type]
    assert window_db.execute("SELECT channel, level FROM ratings").fetchall() == [("扫码", 2)]
    assert window_db.execute("SELECT count(*) FROM followups").fetchone() == (1,)
    desk.close()
    phone.close()
