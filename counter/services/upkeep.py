"""The store's upkeep, now and then on the spool's worker thread (issue 32).

Four things keep a counter's store from growing with its history, each in short
writes so a window's own work never waits long behind them:

1. print jobs' bytes are dropped once printed (or cancelled) plus
   ``print_retention_days``, a kiosk's tickets' at once (:meth:`PrintService.drop_payloads`),
   and a kiosk's ticket jobs themselves after those days
   (:meth:`PrintService.forget_station_tickets`);
2. a counter never enrolled with a central compacts its outbox to the rows a later
   enrolment needs (:func:`counter.sync.compaction.compact`);
3. the audit chain's older entries are sealed into compressed runs
   (:func:`counter.store.audit_log.seal`), a quarter of their rows' size, and a closed
   case nobody has changed for a season has its events and materials packed
   (:func:`counter.store.case_packs.pack`), an eleventh of theirs, as has a past day's
   queue (:func:`counter.store.queue_packs.pack`) and, a month on, its finished print
   jobs (:func:`counter.store.print_packs.pack`);
4. the pages these free go back to the disk a few megabytes at a time
   (:mod:`counter.store.vacuum`); a small store is switched to incremental vacuum
   first, a large one waits for a maintenance step that may hold it alone.

:func:`counter.services.print_spool.run_store` runs :func:`upkeep` at the spool's first
tick and then every :data:`EVERY`; sooner while a run left work behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from counter.log import printing as log
from counter.model.settings import Settings
from counter.services.print_service import PrintService
from counter.services.ratings_service import LOOKBACK_DAYS
from counter.store import audit_log, case_packs, print_packs, print_store, queue_packs, vacuum
from counter.sync import compaction

EVERY = timedelta(minutes=10)
#: Payloads dropped per transaction, and transactions per run.
BATCH, BATCHES = 200, 50
#: Audit segments sealed, and batches of cases packed, per run: each its own transaction.
SEALS = 20
PACKS = 10
DAYS = 10


@dataclass(frozen=True)
class Upkept:
    payloads_dropped: int
    outbox: compaction.Compacted
    tickets_forgotten: int
    audit_sealed: int
    cases_packed: int
    days_packed: int  # the queue's and the print jobs' days
    pages_returned: int
    more: bool  # work was left for the next run

    @property
    def due_again(self) -> timedelta:
        return timedelta(0) if self.more else EVERY


def upkeep(db: Database, settings: Settings, now: datetime) -> Upkept:
    printing = PrintService(db, settings)
    dropped = printing.drop_payloads(now, batch=BATCH, batches=BATCHES)
    forgotten = printing.forget_station_tickets(now, batch=BATCH, batches=BATCHES)
    compacted = compaction.compact(db)
    sealed = audit_log.seal(db, at_most=SEALS)
    rating_days = int(settings["rating_default_days"]) + LOOKBACK_DAYS
    packed = case_packs.pack(db, case_packs.cutoff(now, rating_days), now, at_most=PACKS)
    queue_days = queue_packs.pack(db, now.date(), at_most=DAYS)
    retention = int(settings["print_retention_days"])
    print_days = print_store.pack_days(db, print_packs.cutoff_day(now.date(), retention), DAYS)
    days = queue_days + print_days
    try:
        vacuum.make_incremental(db)
    except Exception:  # another connection's write under way: the next run tries again
        log.warning("store not switched to incremental vacuum yet", exc_info=True)
    returned = vacuum.give_back(db)
    if dropped or forgotten or compacted.dropped_ops or sealed or packed or days or returned:
        log.info(
            "upkeep: %d print payloads dropped, %d kiosk ticket jobs forgotten,"
            " %d outbox ops merged away, %d audit entries sealed, %d cases and %d days"
            " packed, %d pages returned",
            dropped,
            forgotten,
            compacted.dropped_ops,
            sealed,
            packed,
            days,
            returned,
        )
    more = (
        dropped >= BATCH * BATCHES
        or forgotten >= BATCH * BATCHES
        or sealed >= SEALS * audit_log.SEGMENT
        or packed >= PACKS * case_packs.BATCH
        or queue_days >= DAYS
        or print_days >= DAYS
        or (vacuum.free_pages(db) > 0 and returned > 0)
    )
    return Upkept(dropped, compacted, forgotten, sealed, packed, days, returned, more)
