"""The spool's one step, free of threads and Qt: take the next due job, print it, record it.

It lives in services because it owns a store connection and talks to printers; the
documents themselves come ready-made from :mod:`counter.printing`, which never sees the
store. The UI's :class:`counter.ui.print_spool.PrintSpool` only runs :func:`run_store`
on a worker thread; tests call :func:`run_due` directly. A job is marked *printing*
before the bytes go out and *done* only after the printer took them, so a crash in
between leaves it to be printed again at restart (:meth:`PrintService.recover`) rather
than lost.

The same run does the store's upkeep when it is due (:mod:`counter.services.upkeep`):
dropping printed jobs' bytes, compacting a standalone counter's outbox, giving freed
pages back, at the first tick and every ten minutes after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from counter.log import printing as log
from counter.model.print_job import PrintJob
from counter.model.settings import Settings
from counter.services.print_service import PrintService
from counter.services.printers import Printer, PrinterError, open_printer, warning_of
from counter.services.upkeep import upkeep
from counter.store.db import connect

Clock = Callable[[], datetime]
OpenPrinter = Callable[[str], Printer]

#: Stop a run after this many jobs so the worker hands back control now and then.
BATCH = 20
#: When each store's next upkeep is due (the spool's first tick: at once).
_upkeep_due: dict[Path, datetime] = {}
UPKEEP_RETRY = timedelta(minutes=1)
#: What each printer last said while taking a job (a thermal roll nearly used up): the
#: job printed, so it is no job's error, yet the clerk must hear it until a job goes
#: through without it. Per process, like the spool itself.
_notes: dict[str, str] = {}


@dataclass(frozen=True)
class StepResult:
    """One job's try, for the print queue page to show; the store already holds it."""

    job: PrintJob
    ok: bool
    message: str = ""


def pdf_folder(store_path: str | Path) -> Path:
    """The embedded default target: ``prints/`` beside the store, one file per job."""
    return Path(store_path).parent / "prints"


def opener(default_folder: Path) -> OpenPrinter:
    """Open targets by their setting text, ``pdf:`` going to ``default_folder``."""
    return lambda target: open_printer(target, default_folder)


def file_name(job: PrintJob) -> str:
    """A name that sorts by time and says what the job was (a PDF folder's file name)."""
    stamp = job.created_at.strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{job.kind.value}-{job.reference or 'x'}-{job.id[-8:]}"


def step(service: PrintService, open_target: OpenPrinter, clock: Clock) -> StepResult | None:
    """Print the next due job, if any; every outcome is written back to the store."""
    claimed = service.claim_next(clock())
    if claimed is None:
        return None
    job, payload = claimed
    try:
        printer = open_target(job.target)
        printer.send(payload, file_name(job))
    except PrinterError as exc:
        log.warning("job %s (%s) not printed: %s", job.id, job.title, exc.message)
        service.not_printed(job, exc.message, clock(), permanent=exc.permanent)
        return StepResult(job, False, exc.message)
    except Exception as exc:  # a driver's bug must not lose the job
        log.exception("job %s: unexpected printer error", job.id)
        message = f"打印时出现意外错误：{exc}，稍后自动重试"
        service.not_printed(job, message, clock(), permanent=False)
        return StepResult(job, False, message)
    service.printed(job, clock())
    log.info("job %s (%s) printed to %s", job.id, job.title, job.target)
    note = warning_of(printer)
    if note:
        _notes[job.target] = note
        log.warning("job %s: %s", job.id, note)
    else:
        _notes.pop(job.target, None)
    return StepResult(job, True, note)


def printer_notes() -> list[str]:
    """The printers' standing warnings, for the status line after the jobs' trouble."""
    return list(_notes.values())


def run_due(
    service: PrintService, open_target: OpenPrinter, clock: Clock, limit: int = BATCH
) -> list[StepResult]:
    """Print every job due now (up to ``limit``), oldest first.

    A target that just failed is not tried again in the same run: the jobs behind it
    take the same error and wait for their backoff instead of each timing out in turn.
    """
    results: list[StepResult] = []
    failed_targets: dict[str, str] = {}
    for _ in range(limit):
        result = step(service, _skip(open_target, failed_targets), clock)
        if result is None:
            break
        results.append(result)
        if not result.ok:
            failed_targets.setdefault(result.job.target, result.message)
    return results


def _skip(open_target: OpenPrinter, failed: dict[str, str]) -> OpenPrinter:
    def open_or_skip(target: str) -> Printer:
        if target in failed:
            raise PrinterError(failed[target])
        return open_target(target)

    return open_or_skip


def run_store(
    store_path: Path, settings: Settings, clock: Callable[[], datetime]
) -> tuple[list[StepResult], str]:
    """Print what is due on a connection of its own (the spool's worker thread), and
    the trouble to show; the store itself failing is said, and tried next tick."""
    results: list[StepResult] = []
    trouble = ""
    try:
        db = connect(store_path)
        try:
            service = PrintService(db, settings)
            results = run_due(service, opener(pdf_folder(store_path)), clock)
            trouble = "；".join(t for t in (service.trouble(clock()), *printer_notes()) if t)
            _upkeep_if_due(db, Path(store_path), settings, clock())
        finally:
            db.close()
    except Exception as exc:  # the store itself failed: say so, try again next tick
        log.exception("print spool run failed")
        trouble = f"打印队列无法读取数据：{exc}"
    return results, trouble


def _upkeep_if_due(db: Database, store_path: Path, settings: Settings, now: datetime) -> None:
    """The store's upkeep when due; its failure is logged and tried again next time,
    never in the way of printing."""
    due = _upkeep_due.get(store_path)
    if due is not None and now < due:
        return
    try:
        done = upkeep(db, settings, now)
    except Exception:
        log.exception("store upkeep failed")
        _upkeep_due[store_path] = now + UPKEEP_RETRY
        return
    _upkeep_due[store_path] = now + done.due_again
