"""A kiosk's slip that did not print reaches every supervisor's window (issue 28): the
kiosk records it once, the central takes it from that kiosk only, and a window at the
other end of the hall shows the number to serve on its status bar and print queue page.
Real central (SQLite engine, and PostgreSQL), real stores, a real (switched-off)
network ticket printer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlite_utils import Database
from sync_support import Central, client_for, seeded_counter, wall_clock

from counter.model.devices import DeviceKind
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.settings import Settings
from counter.model.staff import Role
from counter.services.print_service import PrintService
from counter.services.print_spool import opener, step
from counter.store import outbox
from counter.ui.missed_tickets import attach_missed_tickets
from tests.services.fake_printer import FakePrinter

SLIP = PrintPayload("排队小票 A017", b"%PDF-1.4 ticket", b"\x1b@\x1c&A017-ticket")


def kiosk_fails_a_slip(db: Database, tmp_path: Path, now: datetime) -> str:
    """The kiosk's printer is off: the slip fails twice (its visitor went to the desk)."""
    printer = FakePrinter()
    target = printer.target
    printer.close()
    service = PrintService(db, Settings({"ticket_printer": target}))
    job = service.submit("东门取号机", DocumentKind.TICKET, SLIP, "A017", now)
    assert step(service, opener(tmp_path), lambda: now) is not None
    later = now.replace(second=(now.second + 10) % 60)
    step(service, opener(tmp_path), lambda: later)  # a retry fails again: still one alert
    return job.id


def test_a_kiosks_missed_slip_is_on_a_supervisors_window_across_the_hall(
    qtbot: QtBot, central: Central, tmp_path: Path, seeded_template: Path
) -> None:
    from PySide6.QtWidgets import QMainWindow

    now = wall_clock()
    kiosk = seeded_counter(seeded_template, tmp_path / "kiosk.db", central, "", DeviceKind.KIOSK)
    window = seeded_counter(seeded_template, tmp_path / "w2.db", central, "2")
    job_id = kiosk_fails_a_slip(kiosk, tmp_path, now)
    sent = [op for op in outbox.pending(kiosk) if op.table_name == "missed_tickets"]
    assert [op.row_id for op in sent] == [job_id]  # once, however often it failed

    client_for(kiosk, central).push()
    client_for(window, central).pull()
    service = PrintService(window, Settings())
    line = service.missed_tickets(now)
    assert line.startswith("东门取号机 A017 号小票未打印，访客已被请到导办台取号")
    assert "拒绝连接" in line  # why, for the desk to tell the visitor
    assert service.trouble(now) == ""  # no printer of this window's is at fault

    main = QMainWindow()
    qtbot.addWidget(main)
    label = attach_missed_tickets(main, service, lambda: now)
    assert label is not None
    main.show()
    qtbot.waitUntil(label.isVisible)
    assert "东门取号机 A017" in label.toolTip()
    # A clerk at her window is not the guide desk: no line for her.
    assert attach_missed_tickets(main, service, lambda: now, role=Role.CLERK) is None
