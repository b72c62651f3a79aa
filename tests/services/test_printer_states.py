"""A thermal printer's state reaches the job and the status line (issue 29, point 6)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fake_printer import fake_printer
from sqlite_utils import Database

from counter.model.print_job import DocumentKind, JobStatus, PrintPayload
from counter.model.settings import Settings
from counter.services import print_spool
from counter.services.print_service import PrintService
from counter.services.print_spool import opener, run_store, step
from counter.store.db import open_store

SLIP = PrintPayload("排队小票 A017", b"%PDF-1.4 ticket", b"\x1b@\x1c&A017-ticket")


def test_a_job_to_a_printer_with_its_cover_open_is_not_logged_printed(
    db: Database, now: datetime, tmp_path: Path
) -> None:
    with fake_printer(cover_open=True) as printer:
        service = PrintService(db, Settings({"ticket_printer": printer.target}))
        job = service.submit("取号机1", DocumentKind.TICKET, SLIP, "A017-1127", now)
        result = step(service, opener(tmp_path), lambda: now)
    assert result is not None and not result.ok
    kept = service.job(job.id)
    assert kept.status is JobStatus.PENDING  # retried once the cover is closed
    assert "纸仓盖打开" in kept.last_error
    assert not any(SLIP.escpos in sent for sent in printer.jobs if SLIP.escpos)


def test_paper_near_end_is_printed_and_said_on_the_status_line(
    store_path: Path, now: datetime
) -> None:
    print_spool._notes.clear()
    with fake_printer(near_end=True) as printer:
        settings = Settings({"ticket_printer": printer.target})
        db = open_store(store_path)
        PrintService(db, settings).submit("取号机1", DocumentKind.TICKET, SLIP, "A017", now)
        db.close()
        results, trouble = run_store(store_path, settings, lambda: now)
    assert [r.ok for r in results] == [True]
    assert "纸将用尽" in results[0].message
    assert "纸将用尽" in trouble  # the status bar and the queue page show this line
    with fake_printer(port=printer.port) as refilled:
        db = open_store(store_path)
        PrintService(db, settings).submit("取号机1", DocumentKind.TICKET, SLIP, "A018", now)
        db.close()
        results, trouble = run_store(store_path, settings, lambda: now)
    assert [r.ok for r in results] == [True] and refilled.jobs
    assert trouble == ""  # a new roll: the warning is gone
