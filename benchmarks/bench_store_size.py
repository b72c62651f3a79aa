"""What a standalone counter's store keeps per 10,000 cases and tickets (issue 32).

The aim is ≤ 50 MB per 10k cases and 10k tickets after retention. bench_growth's
figure is the case rows alone, bulk inserted; this one builds the store as a hall
would, through the real services, so every table the work touches grows as it does
at a counter never enrolled with a central:

- each case is taken in (``IntakeService.decide``; every tenth is the 企业开办 bundle,
  a parent and its sub-cases), its 受理 notice is printed through the spool, then it
  is started, approved and handed over at the window, and its 出件回执 printed;
- each kiosk ticket is issued, its slip printed, called, served and finished;

then the upkeep runs (payload retention, outbox compaction, the audit chain sealed,
closed cases, past queue days and month-old print days packed, incremental vacuum, with
the one full ``VACUUM`` a maintenance step does for a store too large for the upkeep
to switch alone) with the clock past ``print_retention_days`` and the season a closed
case stays rows: what a year's history adds, not the hall's work in hand. The bytes of each table
and index (the ``dbstat`` virtual table) are printed before and after, per 10k cases
plus 10k tickets, with the file's size. Sizes only, never times: the figures are the
same on a slow machine.

    python -m benchmarks.bench_store_size [--cases 2000] [--tickets N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from sqlite_utils import Database

from counter.model.cases import Action, Delivery
from counter.model.clock import HALL_TZ
from counter.model.intake import ApplicantForm, ApplicantKind, Decision
from counter.model.notice import Notice
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.print_target import parse_target
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.printing import payloads, recipes
from counter.services.bootstrap import DEMO_PASSWORD, prepare_store
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.print_service import PrintService
from counter.services.print_spool import run_due
from counter.services.printers import Printer
from counter.services.queue_service import LocalQueue
from counter.services.ratings_service import LOOKBACK_DAYS
from counter.services.session import sign_in
from counter.services.upkeep import upkeep
from counter.store import case_packs, vacuum
from counter.store.db import DB_FILE, close_store, open_store
from counter.sync import compaction

START = datetime(2026, 3, 2, 9, 0, tzinfo=HALL_TZ)
#: Cases and tickets of one working day at the benchmark's hall.
PER_DAY = 200
#: What the aim allows per 10k cases plus 10k tickets.
AIM_MB = 50.0
ITEMS = ("SCJG-0002", "SCJG-0003", "SCJG-0004", "SW-0001")
BUNDLE = "YJS-QYKB"
RECIPIENT = ("李四", "11010519491231002X")
KIOSK = "东门取号机"


class Paper:
    """A printer that takes everything: the spool's own path (claim, send, mark printed
    with its print_log op), without a device or a folder of PDFs to fill."""

    target = parse_target("pdf:")

    def send(self, payload: PrintPayload, name: str) -> None:
        pass


def table_bytes(db: Database) -> dict[str, int]:
    """Bytes of each table and index, from the pages it holds."""
    rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    return {str(name): int(size) for name, size in rows}


def paper(target: str) -> Printer:
    return Paper()


def _at(moment: datetime) -> datetime:
    return moment


def grown(sizes: dict[str, int], empty: dict[str, int]) -> dict[str, int]:
    """What the work added: a new store's own pages (the catalog, the demo staff, one
    page per empty table) are not growth."""
    return {name: size - empty.get(name, 0) for name, size in sizes.items()}


def company(n: int) -> ApplicantForm:
    uscc = "91350100M000100Y43"
    return ApplicantForm(ApplicantKind.ENTERPRISE, uscc, f"示范科技{n % 97}有限公司",
                         "13812345678", legal_rep="张三", contact="张三")  # fmt: skip


class Documents:
    """The print payloads of the hall's work. Laying a PDF out takes 0.1 s (reportlab),
    most of the run for a few thousand cases; unless ``render``, each kind's first
    document is laid out and its bytes stand in for the rest (the same size, all
    dropped by the retention), while each job keeps its own recipe, written as
    :mod:`counter.printing.payloads` writes it."""

    def __init__(self, render: bool) -> None:
        self.render = render
        self.bytes: dict[str, PrintPayload] = {}

    def ticket(self, slip: TicketSlip) -> PrintPayload:
        if self.render or "ticket" not in self.bytes:
            self.bytes["ticket"] = payloads.ticket(slip)
            return self.bytes["ticket"]
        made = self.bytes["ticket"]
        recipe = recipes.write("ticket", slip, paper_mm=80)
        return PrintPayload(f"排队小票 {slip.number}", made.pdf, made.escpos, recipe)

    def notice(self, notice: Notice) -> PrintPayload:
        key = f"notice:{notice.kind}"
        if self.render or key not in self.bytes:
            self.bytes[key] = payloads.notice(notice)
            return self.bytes[key]
        made = self.bytes[key]
        recipe = recipes.write("notice", notice, paper_mm=80, masking=None)
        return PrintPayload(f"{notice.title} {notice.case_number}", made.pdf, made.escpos, recipe)


def build(
    db: Database,
    cases: int,
    tickets: int,
    documents: Documents,
    progress: Callable[[str], None],
) -> datetime:
    """The hall's work through the services, day by day; returns the last moment."""
    from benchmarks.bench_intake import all_received

    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    work = CasesService(db, intake, calendar, settings)
    prints = PrintService(db, settings)
    queue = LocalQueue(db)
    received = {code: all_received(intake, code) for code in (*ITEMS, BUNDLE)}
    day = START
    done_cases = done_tickets = 0
    now = day
    while done_cases < cases or done_tickets < tickets:
        clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", day)
        today_cases = min(PER_DAY, cases - done_cases)
        today_tickets = min(PER_DAY, tickets - done_tickets)
        step = timedelta(minutes=420) / max(today_cases, today_tickets, 1)
        for n in range(max(today_cases, today_tickets)):
            now = day + step * n
            if n < today_tickets:
                issued = queue.issue("A", now)
                slip = documents.ticket(issued.slip("示范市政务服务中心"))
                prints.submit(KIOSK, DocumentKind.TICKET, slip, issued.ticket.id, now)
                called = queue.call_next(clerk, now)
                queue.start(clerk, called.id, now)
                queue.finish(clerk, called.id, ["咨询"], now)
                done_tickets += 1
            if n < today_cases:
                k = done_cases
                code = BUNDLE if k % 10 == 9 else ITEMS[k % len(ITEMS)]
                request = IntakeRequest(code, company(k), received[code], Decision.ACCEPT)
                result = intake.decide(clerk, request, now)
                if result.notice is not None:
                    made = documents.notice(result.notice)
                    kind = payloads.notice_kind(result.notice)
                    prints.submit(clerk, kind, made, result.case.number, now)
                case_id = result.case.id
                work.act(clerk, case_id, Action.START, now)
                work.act(clerk, case_id, Action.APPROVE, now)
                who, id_number = RECIPIENT
                handed = work.act(clerk, case_id, Action.DELIVER, now, delivery=Delivery.PICKUP,
                                  recipient_name=who, recipient_id=id_number)  # fmt: skip
                if handed is not None:
                    made = documents.notice(handed)
                    kind = payloads.notice_kind(handed)
                    prints.submit(clerk, kind, made, result.case.number, now)
                done_cases += 1
            run_due(prints, paper, partial(_at, now), limit=1000)
        progress(f"{done_cases:,} cases, {done_tickets:,} tickets by {now:%Y-%m-%d}")
        day += timedelta(days=1)
    return now


def report(before: dict[str, int], after: dict[str, int], scale: float) -> list[str]:
    """One line per table or index holding more than 0.1 MB per 10k, largest first."""
    names = sorted(set(before) | set(after), key=lambda n: -max(before.get(n, 0), after.get(n, 0)))
    lines = []
    for name in names:
        b, a = before.get(name, 0) * scale / 1e6, after.get(name, 0) * scale / 1e6
        if max(abs(a), abs(b)) >= 0.1:
            lines.append(f"{name} per 10k cases+tickets, before → after upkeep: "
                         f"{b:.1f} → {a:.1f} MB")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_store_size")
    parser.add_argument("--cases", type=int, default=2000, help="cases taken in and closed")
    parser.add_argument("--tickets", type=int, default=None, help="kiosk tickets (as cases)")
    parser.add_argument("--render", action="store_true", help="lay out every PDF (slow)")
    args = parser.parse_args()
    cases = args.cases
    tickets = cases if args.tickets is None else args.tickets
    scale = 10_000 / max(cases, tickets)
    with tempfile.TemporaryDirectory(prefix="counter-size-") as tmp:
        path = Path(tmp) / DB_FILE
        db = open_store(path)
        prepare_store(db, START)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        empty = table_bytes(db)
        started = time.perf_counter()
        last = build(db, cases, tickets, Documents(args.render), lambda line: None)
        print(f"{cases:,} cases and {tickets:,} tickets made in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        settings = Settings()
        # After retention: past the print payloads' days, and past the season a closed
        # case's events and materials stay rows before they are packed (case_packs).
        rating_days = int(settings["rating_default_days"]) + LOOKBACK_DAYS
        quiet = last - case_packs.cutoff(last, rating_days)
        kept = max(timedelta(days=int(settings["print_retention_days"])), quiet)
        later = last + kept + timedelta(days=1)
        print(f"upkeep run {kept.days + 1} days after the last case (print retention, "
              f"and the {quiet.days} days a closed case stays rows before packing)")  # fmt: skip
        before = table_bytes(db)
        ops_before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        rounds = 0
        while True:  # as the spool's timer would, until nothing is left to do
            rounds += 1
            done = upkeep(db, settings, later)
            if not done.more or rounds > 100:
                break
        compaction.compact(db)
        vacuum.make_incremental(db, at_most=None)  # the maintenance step (counter compact)
        while vacuum.give_back(db):  # the freed pages the next upkeep runs would give back
            pass
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = table_bytes(db)
        ops_after = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        close_store(db)
        size = path.stat().st_size
    print(f"outbox ops before → after upkeep: {ops_before:,} → {ops_after:,}")
    before = grown(before, empty)
    after = grown(after, empty)
    for line in report(before, after, scale):
        print(line)
    total_before = sum(before.values()) * scale / 1e6
    total_after = sum(after.values()) * scale / 1e6
    print(f"store per 10k cases+tickets, before → after upkeep: "
          f"{total_before:.1f} → {total_after:.1f} MB")  # fmt: skip
    print(f"file per 10k cases+tickets after upkeep and compact (new store's "
          f"{sum(empty.values()) / 1e6:.1f} MB not counted): "
          f"{(size - sum(empty.values())) * scale / 1e6:.1f} MB")  # fmt: skip
    met = "met" if total_after <= AIM_MB else "MISSED"
    print(f"aim store growth ≤ {AIM_MB:.0f} MB per 10k cases and tickets after retention: "
          f"{total_after:.1f} MB ({met})")  # fmt: skip


if __name__ == "__main__":
    main()
