"""Print payloads are kept until printed plus ``print_retention_days`` and made again
for a reprint (issue 32, and issue 29's retention point); the store gives the space
back. Figures are bytes and pages, never times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, StorageError
from counter.model.notice import Notice, NoticeKind, NoticeParty
from counter.model.print_job import DocumentKind, JobStatus, PrintPayload
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.printing import payloads
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.print_service import PrintService
from counter.services.print_spool import run_due
from counter.services.session import Session, sign_in
from counter.services.upkeep import upkeep
from counter.store import print_packs, print_store, vacuum
from tests.printing.pdf_helpers import text

pytest.importorskip("reportlab")


class Paper:
    """A printer that takes everything."""

    def send(self, payload: PrintPayload, name: str) -> None:
        pass


def service(db: Database, days: int = 7) -> PrintService:
    return PrintService(db, Settings({"print_retention_days": days}))


def slip(n: int, now: datetime) -> TicketSlip:
    return TicketSlip("示范市政务服务中心", f"A{n:03d}-1127", f"A{n:03d}", "企业开办", now, n)


def notice(now: datetime) -> Notice:
    return Notice(
        kind=NoticeKind.ACCEPTED,
        case_number="20261127-1A7-0042",
        hall_name="示范市政务服务中心",
        issued_at=now,
        applicant=NoticeParty("示范科技有限公司", "统一社会信用代码", "91350100M000100Y43"),
        items=("企业变更登记",),
        clerk="李娜",
        window="3",
        deadline="2026-12-04 17:30",
    )


def print_all(printing: PrintService, now: datetime) -> None:
    run_due(printing, lambda target: Paper(), lambda: now, limit=1000)


def test_a_printed_notice_keeps_its_bytes_for_the_retention_days_then_only_its_row(
    db: Database, clerk: Session, now: datetime
) -> None:
    printing = service(db, days=7)
    made = payloads.notice(notice(now))
    job = printing.submit(clerk, DocumentKind.NOTICE, made, "20261127-1A7-0042", now)
    print_all(printing, now)
    assert printing.drop_payloads(now + timedelta(days=6, hours=23)) == 0
    assert print_store.payload(db, job.id) is not None
    assert printing.drop_payloads(now + timedelta(days=7, minutes=1)) == 1
    assert print_store.payload(db, job.id) is None
    assert print_store.payload_bytes(db) == 0
    kept = printing.job(job.id)  # who, what, when and how it ended stay
    assert (kept.status, kept.staff_name, kept.printed_at) == (JobStatus.DONE, "李娜", now)
    # The reprint is the same document, laid out again from what it was made from.
    later = now + timedelta(days=30)
    again = printing.reprint(clerk, job.id, later)
    assert again.reprint_of == job.id
    claimed = printing.claim_next(later)
    assert claimed is not None and claimed[0].id == again.id
    assert text(claimed[1].pdf) == text(made.pdf)


def test_a_kiosk_ticket_s_bytes_go_once_printed_or_cancelled_not_while_it_may_print(
    db: Database, now: datetime
) -> None:
    printing = service(db, days=7)
    printed = printing.submit(
        "取号机1", DocumentKind.TICKET, payloads.ticket(slip(1, now)), "t1", now
    )
    print_all(printing, now)
    late = now + timedelta(minutes=5)
    timed_out = printing.submit(
        "取号机1", DocumentKind.TICKET, payloads.ticket(slip(2, now)), "t2", now
    )
    waiting = printing.submit(
        "取号机1", DocumentKind.TICKET, payloads.ticket(slip(3, late)), "t3", late
    )
    printing.claim_next(late)  # cancels the one past its minute, claims the new one
    assert printing.job(timed_out.id).timed_out
    assert printing.drop_payloads(late) == 2
    assert print_store.payload(db, printed.id) is None
    assert print_store.payload(db, timed_out.id) is None
    assert print_store.payload(db, waiting.id) is not None  # printing: kept
    # The guide desk reprints the ticket that did not print, made again from the slip.
    desk = sign_in(db, "lina", DEMO_PASSWORD, "3", late)
    again = printing.reprint(desk, timed_out.id, late)
    data = print_store.payload(db, again.id)
    assert data is not None and b"A002" in (data.escpos or b"")


def test_a_kiosks_ticket_jobs_go_after_the_retention_days_unless_reprinted(
    db: Database, clerk: Session, now: datetime
) -> None:
    """A kiosk prints hundreds of thousands of slips a year: after the retention days
    the job itself goes, row and recipe. A slip the guide desk reprinted stays (its
    reprint names it), and a window's documents stay for ever."""
    printing = service(db, days=7)
    tickets = [
        printing.submit("取号机1", DocumentKind.TICKET, payloads.ticket(slip(n, now)), f"t{n}", now)
        for n in range(5)
    ]
    made = payloads.notice(notice(now))
    kept_notice = printing.submit(clerk, DocumentKind.NOTICE, made, "20261127-1A7-0042", now)
    print_all(printing, now)
    again = printing.reprint(clerk, tickets[0].id, now)
    print_all(printing, now)
    assert printing.forget_station_tickets(now + timedelta(days=6, hours=23)) == 0
    assert printing.forget_station_tickets(now + timedelta(days=7, minutes=1), batch=3) == 4
    left = {r[0] for r in db.execute("SELECT id FROM print_jobs")}
    assert left == {tickets[0].id, again.id, kept_notice.id}
    assert printing.forget_station_tickets(now + timedelta(days=400)) == 0


def test_forgetting_reads_only_the_kiosks_tickets(db: Database) -> None:
    """Not every notice a window ever printed: the partial index of kiosk tickets."""
    plan = " ".join(
        str(r[3])
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM print_jobs AS j"
            " INDEXED BY print_jobs_station_tickets"
            " WHERE kind = 'ticket' AND staff_id LIKE 'station:%' AND updated_at < ?"
            " AND status IN ('done', 'cancelled')"
            " AND NOT EXISTS (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = j.id)"
            " LIMIT ?",
            ["2026-01-01", 200],
        )
    )
    assert "SEARCH j USING INDEX print_jobs_station_tickets" in plan and "SCAN" not in plan


def test_a_failed_or_waiting_job_keeps_its_bytes_however_old(
    db: Database, clerk: Session, now: datetime
) -> None:
    printing = service(db, days=0)
    job = printing.submit(clerk, DocumentKind.NOTICE, payloads.notice(notice(now)), "c", now)
    assert printing.drop_payloads(now + timedelta(days=400)) == 0
    printing.not_printed(job, "缺纸", now, permanent=True)
    assert printing.drop_payloads(now + timedelta(days=400)) == 0
    assert print_store.payload(db, job.id) is not None


def test_a_job_from_before_recipes_says_it_cannot_be_reprinted(
    db: Database, clerk: Session, now: datetime
) -> None:
    printing = service(db, days=0)
    old = PrintPayload("受理通知书 20261127-1A7-0042", b"%PDF-1.4 old", None)  # no recipe
    job = printing.submit(clerk, DocumentKind.NOTICE, old, "20261127-1A7-0042", now)
    print_all(printing, now)
    assert printing.drop_payloads(now + timedelta(seconds=1)) == 1
    with pytest.raises(NotAllowedError, match="无法重印；请到办件页补打通知书"):
        printing.reprint(clerk, job.id, now + timedelta(days=1))


def test_dropping_goes_in_batches_each_its_own_transaction(db: Database, now: datetime) -> None:
    printing = service(db, days=0)
    for n in range(7):
        printing.submit("取号机1", DocumentKind.TICKET, payloads.ticket(slip(n, now)), f"t{n}", now)
    print_all(printing, now)
    commits: list[int] = []
    db.conn.set_trace_callback(lambda sql: commits.append(1) if sql == "COMMIT" else None)
    assert printing.drop_payloads(now, batch=3, batches=2) == 6  # two batches of three
    assert printing.drop_payloads(now, batch=3, batches=2) == 1
    db.conn.set_trace_callback(None)
    assert len(commits) == 3


def test_upkeep_returns_the_space_to_the_disk(store_path: Path, now: datetime) -> None:
    """A kiosk's morning of tickets: the file shrinks back once they are printed."""
    from counter.store.db import connect

    db = connect(store_path)
    settings = Settings({"print_retention_days": 7})
    printing = PrintService(db, settings)
    upkeep(db, settings, now)  # a new store: switched to incremental at once
    assert vacuum.mode(db) == vacuum.INCREMENTAL
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    for n in range(150):
        printing.submit("取号机1", DocumentKind.TICKET, payloads.ticket(slip(n, now)), f"t{n}", now)
    print_all(printing, now)
    held = print_store.payload_bytes(db)
    grown = int(db.execute("PRAGMA page_count").fetchone()[0])
    size = int(db.execute("PRAGMA page_size").fetchone()[0])
    assert (grown - pages) * size >= held > 150 * 10_000
    done = upkeep(db, settings, now + timedelta(minutes=1))
    assert done.payloads_dropped == 150 and print_store.payload_bytes(db) == 0
    while upkeep(db, settings, now).more:
        pass
    after = int(db.execute("PRAGMA page_count").fetchone()[0])
    # The file gave back the documents' bytes; what is left of the morning for the
    # print queue is its rows and recipes, under a kilobyte a ticket.
    assert (grown - after) * size >= held * 0.9
    kept = db.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name IN ('print_jobs', 'print_payloads')"
    ).fetchone()[0]
    assert kept < 150 * 1_000
    db.close()


def test_pruning_reads_only_the_jobs_still_holding_bytes(db: Database) -> None:
    """Not every job ever printed: the partial index of finished jobs with bytes."""
    plan = " ".join(
        str(r[3])
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM print_jobs INDEXED BY print_jobs_payload_kept"
            " WHERE payload_dropped_at IS NULL AND status IN ('done', 'cancelled')"
            " AND (updated_at < ? OR (kind = 'ticket' AND staff_id LIKE 'station:%')) LIMIT ?",
            ["2026-01-01", 200],
        )
    )
    assert "print_jobs_payload_kept" in plan
    source = Path(print_store.__file__).read_text(encoding="utf-8")
    assert "INDEXED BY print_jobs_payload_kept" in source


# --- A past day's finished jobs packed (print_packs) ---------------------------------


def pack_before(db: Database, today: datetime) -> int:
    before = print_packs.cutoff_day(today.date(), 7)
    return print_store.pack_days(db, before, at_most=None)


def test_a_months_old_notice_is_packed_and_still_listed_reprinted_and_logged(
    db: Database, clerk: Session, now: datetime
) -> None:
    printing = service(db, days=7)
    made = payloads.notice(notice(now))
    job = printing.submit(clerk, DocumentKind.NOTICE, made, "20261127-1A7-0042", now)
    other = printing.submit(clerk, DocumentKind.NOTICE, made, "20261127-1A7-0043", now)
    print_all(printing, now)
    printing.drop_payloads(now + timedelta(days=8))
    listed = printing.jobs_for("20261127-1A7-0042")
    logged = list(print_store.printed_log(db))
    assert pack_before(db, now + timedelta(days=31)) == 0  # the print queue page's month
    assert pack_before(db, now + timedelta(days=32)) == 1
    assert db.execute("SELECT count(*) FROM print_jobs").fetchone()[0] == 0
    assert printing.jobs_for("20261127-1A7-0042") == listed
    assert printing.job(other.id) == printing.jobs_for("20261127-1A7-0043")[0]
    assert list(print_store.printed_log(db)) == logged  # what a history import sends
    later = now + timedelta(days=40)
    again = printing.reprint(clerk, job.id, later)  # laid out again from the packed recipe
    assert printing.jobs_for("20261127-1A7-0042")[-1].reprint_of == job.id
    claimed = printing.claim_next(later)
    assert claimed is not None and claimed[0].id == again.id
    assert text(claimed[1].pdf) == text(made.pdf)
    assert pack_before(db, later) == 0  # the reprint is today's: it stays a row


def test_an_unfinished_or_failed_job_is_never_packed(
    db: Database, clerk: Session, now: datetime
) -> None:
    printing = service(db, days=0)
    waiting = printing.submit(clerk, DocumentKind.NOTICE, payloads.notice(notice(now)), "c1", now)
    failed = printing.submit(clerk, DocumentKind.NOTICE, payloads.notice(notice(now)), "c2", now)
    printing.not_printed(failed, "缺纸", now, permanent=True)
    printing.drop_payloads(now + timedelta(days=400))
    assert pack_before(db, now + timedelta(days=400)) == 0
    assert {r[0] for r in db.execute("SELECT id FROM print_jobs")} == {waiting.id, failed.id}


def test_a_damaged_print_day_is_a_storage_fault(
    db: Database, clerk: Session, now: datetime
) -> None:
    printing = service(db, days=0)
    job = printing.submit(clerk, DocumentKind.NOTICE, payloads.notice(notice(now)), "c1", now)
    print_all(printing, now)
    printing.drop_payloads(now + timedelta(seconds=1))
    pack_before(db, now + timedelta(days=40))
    db.execute("UPDATE print_day_packs SET packed = x'00'")
    with pytest.raises(StorageError) as caught:
        printing.job(job.id)
    assert caught.value.kind == "corrupt"
