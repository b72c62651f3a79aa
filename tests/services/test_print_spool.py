"""The spool against a real (fake) network printer and a real store file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fake_printer import FakePrinter, fake_printer
from sqlite_utils import Database

from counter.model.print_job import DocumentKind, JobStatus, PrintPayload
from counter.model.settings import Settings
from counter.services.print_service import PrintService
from counter.services.print_spool import opener, pdf_folder, run_due, step
from counter.store.db import open_store

SLIP = PrintPayload("排队小票 A017", b"%PDF-1.4 ticket", b"\x1b@\x1c&A017-ticket")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


def service_for(db: Database, target: str) -> PrintService:
    return PrintService(db, Settings({"ticket_printer": target}))


def test_printer_down_job_waits_with_error_then_prints_exactly_once(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    printer = FakePrinter()
    target = printer.target
    printer.close()  # switched off: the port refuses
    service = service_for(db, target)
    job = service.submit("取号机1", DocumentKind.TICKET, SLIP, "A017-1127", clock())
    result = step(service, opener(tmp_path), clock)
    assert result is not None and not result.ok
    waiting = service.job(job.id)
    assert waiting.status is JobStatus.PENDING
    assert "拒绝连接" in waiting.last_error
    assert "拒绝连接" in service.trouble()

    port = int(target.rsplit(":", 1)[1])
    with fake_printer(port=port) as back:  # switched on again, same address
        assert run_due(service, opener(tmp_path), clock) == []  # still in backoff
        clock.advance(5)
        results = run_due(service, opener(tmp_path), clock)
        clock.advance(600)
        assert run_due(service, opener(tmp_path), clock) == []
    assert [r.ok for r in results] == [True]
    assert len(back.jobs) == 1 and back.jobs[0].endswith(SLIP.escpos or b"")
    assert service.job(job.id).status is JobStatus.DONE
    assert service.trouble() == ""


def test_crash_mid_job_leaves_the_job_to_print_at_restart(
    store_path: Path, clock: Clock, tmp_path: Path
) -> None:
    db = open_store(store_path)
    service = service_for(db, "pdf:")
    job = service.submit("取号机1", DocumentKind.TICKET, SLIP, "A017-1127", clock())
    assert service.claim_next(clock()) is not None  # printing … and the process dies
    db.close()

    db = open_store(store_path)
    service = service_for(db, "pdf:")
    assert service.job(job.id).status is JobStatus.PRINTING
    assert service.recover(clock()) == 1
    results = run_due(service, opener(pdf_folder(store_path)), clock)
    assert [r.ok for r in results] == [True]
    assert len(list(pdf_folder(store_path).glob("*.pdf"))) == 1
    db.close()


def test_out_of_paper_job_waits_with_a_clear_status(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    with fake_printer(paper_out=True) as printer:
        service = service_for(db, printer.target)
        job = service.submit("取号机1", DocumentKind.TICKET, SLIP, "A017-1127", clock())
        run_due(service, opener(tmp_path), clock)
    waiting = service.job(job.id)
    assert waiting.status is JobStatus.PENDING
    assert "缺纸" in waiting.last_error
    assert waiting.status_text.startswith("等待重试")


def test_jobs_behind_a_dead_printer_wait_without_each_timing_out(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    calls: list[str] = []

    class Dead:
        target = None

        def send(self, payload: PrintPayload, name: str) -> None:
            from counter.services.printers import PrinterError

            calls.append(name)
            raise PrinterError("连接小票打印机超时")

    service = service_for(db, "escpos-net:10.0.0.9")
    for n in range(3):
        service.submit("取号机1", DocumentKind.TICKET, SLIP, f"A00{n}", clock())
    results = run_due(service, lambda target: Dead(), clock)  # type: ignore[arg-type,return-value]
    assert len(results) == 3 and not any(r.ok for r in results)
    assert len(calls) == 1
    assert all(service.job(r.job.id).last_error == "连接小票打印机超时" for r in results)


def test_notice_sent_to_a_slip_printer_fails_and_can_be_reprinted_elsewhere(
    db: Database, clock: Clock, tmp_path: Path, now: datetime
) -> None:
    from counter.services.bootstrap import DEMO_PASSWORD
    from counter.services.session import sign_in

    service = PrintService(db, Settings({"document_printer": "escpos-net:127.0.0.1:9"}))
    notice = PrintPayload("受理通知书", b"%PDF-1.4 notice", None)
    job = service.submit("窗口", DocumentKind.NOTICE, notice, "20261127-1A7-0042", clock())
    run_due(service, opener(tmp_path), clock)
    assert service.job(job.id).status is JobStatus.FAILED
    assert "只能打印小票和回执" in service.trouble()

    service.settings = Settings({"document_printer": "pdf:"})
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    again = service.reprint(clerk, job.id, clock())
    assert again.target == "pdf:"
    assert [r.ok for r in run_due(service, opener(tmp_path), clock)] == [True]
    assert service.trouble() == ""


def test_a_kiosk_ticket_not_printed_within_a_minute_is_cancelled_never_printed_late(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    """Issue 28: the visitor was sent to the guide desk; a slip printed minutes later
    would land in the next visitor's hands."""
    printer = FakePrinter()
    target = printer.target
    printer.close()  # switched off
    service = service_for(db, target)
    job = service.submit("取号机", DocumentKind.TICKET, SLIP, "20261127-A017", clock())
    for _ in range(4):  # tries at 0, 5, 15 and 35 s
        run_due(service, opener(tmp_path), clock)
        assert service.job(job.id).status is JobStatus.PENDING
        clock.advance(backoff_seconds(service, job.id))
    assert "取号机 A017 号小票未打印，访客已被请到导办台取号" in service.trouble(clock())

    port = int(target.rsplit(":", 1)[1])
    with fake_printer(port=port) as back:  # switched on again
        clock.now = job.created_at + timedelta(seconds=60)
        assert run_due(service, opener(tmp_path), clock) == []
        clock.advance(600)
        assert run_due(service, opener(tmp_path), clock) == []
    assert back.jobs == []
    expired = service.job(job.id)
    assert expired.status is JobStatus.CANCELLED
    assert expired.status_text == "已取消（超时）"
    assert "拒绝连接" in expired.last_error
    # the desk is told for half an hour, whatever became of the printer
    assert service.trouble(clock()).startswith("取号机 A017 号小票未打印")
    assert "拒绝连接" in service.missed_tickets(clock())
    clock.now = job.created_at + timedelta(minutes=31)
    assert service.trouble(clock()) == service.missed_tickets(clock()) == ""


def backoff_seconds(service: PrintService, job_id: str) -> float:
    job = service.job(job_id)
    return (job.next_attempt_at - job.updated_at).total_seconds()


def test_a_slip_printed_after_a_failure_within_the_minute_is_no_longer_missed(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    with fake_printer(paper_out=True) as printer:
        service = service_for(db, printer.target)
        service.submit("取号机", DocumentKind.TICKET, SLIP, "20261127-A017", clock())
        run_due(service, opener(tmp_path), clock)
        assert "A017" in service.missed_tickets(clock())
        printer.paper_out = False
        clock.advance(5)
        assert [r.ok for r in run_due(service, opener(tmp_path), clock)] == [True]
    assert service.trouble(clock()) == ""


def test_a_clerks_ticket_and_a_notice_wait_for_their_printer_however_long(
    db: Database, clock: Clock, tmp_path: Path, now: datetime
) -> None:
    from counter.services.bootstrap import DEMO_PASSWORD
    from counter.services.session import sign_in

    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    service = service_for(db, "escpos-net:127.0.0.1:9")
    ticket = service.submit(clerk, DocumentKind.TICKET, SLIP, "20261127-A017", clock())
    notice = service.submit("取号机", DocumentKind.NOTICE, SLIP, "c", clock())
    clock.advance(3600)
    service.claim_next(clock())
    assert service.job(ticket.id).status is not JobStatus.CANCELLED
    assert service.job(notice.id).status is not JobStatus.CANCELLED
