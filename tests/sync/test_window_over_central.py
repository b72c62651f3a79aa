"""The window as a clerk sees it, enrolled with a real central process: the same queue
panel over the hall's queue, the status bar telling the truth about sync, a saved case
sent up at once, and printed documents logged on the central."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database
from sync_support import (
    Central,
    client_for,
    decide_case,
    seeded_counter,
    take_case,
    token,
    wall_clock,
)

from counter.model.print_job import DocumentKind
from counter.model.queue import TicketState
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.printing.payloads import ticket
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import CentralQueue, open_queue, queue_for_reading
from counter.services.print_service import PrintService
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.sync.transport import HttpTransport, Response
from counter.ui.application import build_main_window
from counter.ui.intake_page import IntakePage
from counter.ui.queue_panel import QueuePanel


def central_cases(central: Central) -> set[str]:
    rows = central.engine.query("SELECT payload FROM rows WHERE table_name = 'cases'")
    return {json.loads(r[0])["number"] for r in rows}


def test_the_queue_panel_works_the_same_on_the_halls_queue(
    qtbot: QtBot, sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    kiosk = open_queue(seeded_counter(seeded_template, tmp_path / "kiosk.db", sqlite_central),
                       Settings())  # fmt: skip
    db = seeded_counter(seeded_template, tmp_path / "w1.db", sqlite_central)
    queue = open_queue(db, Settings())
    assert isinstance(queue, CentralQueue)
    first, second = kiosk.issue("A", now).ticket, kiosk.issue("A", now).ticket
    panel = QueuePanel(queue, sign_in(db, "lina", DEMO_PASSWORD, "1", now), lambda: now)
    qtbot.addWidget(panel)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.number.text() == first.number, panel.errors.general.text()
    qtbot.keyClick(panel, Qt.Key.Key_F3)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.number.text() == second.number
    panel.services.setFocus()
    qtbot.keyClicks(panel.services, "sheli dengji")
    qtbot.keyClick(panel.services, Qt.Key.Key_F7)
    states = {t.id: t.state for t in kiosk.tickets_today(now)}
    assert states == {first.id: TicketState.NO_SHOW, second.id: TicketState.DONE}
    assert queue.online


def test_the_window_reads_the_halls_queue_for_its_panel_in_the_background(
    qtbot: QtBot, sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    kiosk = open_queue(seeded_counter(seeded_template, tmp_path / "kiosk.db", sqlite_central),
                       Settings())  # fmt: skip
    path = tmp_path / "w4.db"
    db = seeded_counter(seeded_template, path, sqlite_central)
    session = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    window = build_main_window(db, session, SettingsService(tmp_path / "c.toml"), str(path),
                               lambda: now)  # fmt: skip
    qtbot.addWidget(window)
    panel = next(p for p in window.pages if isinstance(p, QueuePanel))
    qtbot.waitUntil(lambda: not panel.reading.busy, timeout=15_000)
    issued = kiosk.issue("A", now).ticket
    panel.refresh_in_background()  # what the timer does every few seconds
    assert panel.reading.busy
    qtbot.waitUntil(lambda: panel.waiting_model.rowCount() == 1, timeout=15_000)
    assert panel.waiting_model.record(0).id == issued.id
    window.sync_agent.stop()


class CountingTransport:
    """The window's own transport, counting what it sends."""

    def __init__(self, inner: HttpTransport) -> None:
        self.inner = inner
        self.sent = 0

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        self.sent += 1
        return self.inner.request(method, path, **kwargs)


def test_after_f1_the_clerk_waits_for_one_request_and_the_rest_is_read_in_the_background(
    qtbot: QtBot, sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    kiosk = open_queue(seeded_counter(seeded_template, tmp_path / "kiosk.db", sqlite_central),
                       Settings())  # fmt: skip
    first, second, third = (kiosk.issue("A", now).ticket for _ in range(3))
    path = tmp_path / "w6.db"
    db = seeded_counter(seeded_template, path, sqlite_central)
    transport = CountingTransport(HttpTransport(sqlite_central.url, token(db), timeout=5.0))
    session = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    panel = QueuePanel(CentralQueue(db, transport), session, lambda: now,
                       open_reader=lambda: queue_for_reading(path, Settings()))  # fmt: skip
    qtbot.addWidget(panel)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    qtbot.keyClick(panel, Qt.Key.Key_F1)  # the first request hands offline tickets over
    qtbot.keyClick(panel, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: not panel.reading.busy, timeout=15_000)
    assert panel.number.text() == "—" and panel.waiting_model.rowCount() == 2
    sent = transport.sent
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert transport.sent == sent + 1  # the call itself; the re-read went to the pool
    assert panel.number.text() == second.number and "办理中" in panel.clerk.text()
    assert panel.waiting_model.rowCount() == 1
    assert panel.waiting_model.record(0).id == third.id
    qtbot.waitUntil(lambda: not panel.reading.busy, timeout=15_000)
    assert panel.number.text() == second.number and "已呼 1 次" in panel.detail.text()
    assert transport.sent == sent + 1
    assert first.number not in panel.held.text()


def test_a_reading_that_finds_the_central_gone_spares_the_clerk_the_timeout(
    qtbot: QtBot, sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    path = tmp_path / "w5.db"
    db = seeded_counter(seeded_template, path, sqlite_central)
    transport = CountingTransport(HttpTransport(sqlite_central.url, token(db), timeout=2.0))
    queue = CentralQueue(db, transport)
    panel = QueuePanel(queue, sign_in(db, "lina", DEMO_PASSWORD, "1", now), lambda: now,
                       open_reader=lambda: queue_for_reading(path, Settings()))  # fmt: skip
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: not panel.reading.busy, timeout=15_000)
    sqlite_central.kill()
    panel.refresh_in_background()
    qtbot.waitUntil(lambda: not panel.reading.busy, timeout=15_000)
    assert not queue.online
    sent = transport.sent
    panel.on_call_next()  # F1: straight to the offline queue
    assert transport.sent == sent
    assert "没有等候的号" in panel.errors.general.text()


def test_the_status_bar_says_online_then_offline_with_what_waits(
    qtbot: QtBot, sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    path = tmp_path / "w2.db"
    db = seeded_counter(seeded_template, path, sqlite_central, window="2")
    session = sign_in(db, "lina", DEMO_PASSWORD, "2", now)
    window = build_main_window(db, session, SettingsService(tmp_path / "c.toml"), str(path),
                               wall_clock)  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    window.sync_agent.kick()
    qtbot.waitUntil(lambda: window.online.text().startswith("在线"), timeout=15_000)
    assert "待上传 0 条" in window.online.text() and "上次同步 " in window.online.text()
    sqlite_central.kill()
    take_case(db, "2", now)
    window.sync_agent.kick()
    qtbot.waitUntil(lambda: window.online.text().startswith("离线"), timeout=30_000)
    assert "待上传 0 条" not in window.online.text()
    window.sync_agent.stop()


def test_a_saved_case_goes_up_without_waiting_for_the_timer(
    qtbot: QtBot, sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    path = tmp_path / "w3.db"
    db = seeded_counter(seeded_template, path, sqlite_central, window="3")
    session = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    hourly = SettingsService(tmp_path / "c.toml", Settings({"sync_interval": 3600}))
    window = build_main_window(db, session, hourly, str(path), wall_clock)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: not window.sync_agent.busy, timeout=15_000)
    result = decide_case(db, "3", now)
    intake = next(p for p in window.pages if isinstance(p, IntakePage))
    intake.case_saved.emit(result)  # what the page says after its transaction commits
    qtbot.waitUntil(lambda: result.case.number in central_cases(sqlite_central), timeout=15_000)
    window.sync_agent.stop()


def test_a_printed_document_is_logged_on_the_central(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    db: Database = seeded_counter(seeded_template, tmp_path / "kiosk.db", central)
    prints = PrintService(db, Settings())
    slip = TicketSlip("示范市政务服务中心", "A001-1127", "A001", "企业开办", now, 0)
    job = prints.submit("kiosk", DocumentKind.TICKET, ticket(slip), "A001", now)
    claimed = prints.claim_next(now)
    assert claimed is not None and claimed[0].id == job.id
    prints.printed(claimed[0], now)
    client_for(db, central).push()
    logged = central.engine.query("SELECT payload FROM ops WHERE table_name = 'print_log'")
    assert [json.loads(r[0])["job_id"] for r in logged] == [job.id]
