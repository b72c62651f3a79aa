"""Print jobs: submitted by intake, the kiosk and handover; printed by the spool worker.

Each call is one transaction. When a job is printed, a ``print_log`` event goes to the
outbox in the same transaction: the case's history (and the central) learns that the
notice left the printer, who sent it, and whether the ID was printed in full.

A job's bytes are kept until it is printed (or cancelled) plus ``print_retention_days``,
a kiosk's ticket's not at all after that (:meth:`PrintService.drop_payloads`, issue
32); its row stays for the queue page and the audit. A reprint after that lays the
document out again from the job's recipe (:func:`counter.printing.payloads.regenerate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from counter.log import audit
from counter.model.audit import AuditAction
from counter.model.clock import to_ms
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.giftpack import DEFAULT_CONTENTS, GiftPackLine, parse_contents
from counter.model.print_job import (
    MISSED_TICKET_ALERT,
    DocumentKind,
    JobStatus,
    MissedTicket,
    PrintJob,
    PrintPayload,
    backoff,
    expired_error,
    missed_tickets_text,
    station_id,
)
from counter.model.settings import Settings
from counter.printing.recipes import RecipeError
from counter.services import audit_trail
from counter.services.session import Session
from counter.store import outbox, print_store
from counter.store.db import immediate

#: Which setting names the printer for each kind of document.
PRINTER_SETTING = {
    DocumentKind.TICKET: "ticket_printer",
    DocumentKind.RECEIPT: "ticket_printer",
    DocumentKind.NOTICE: "document_printer",
    DocumentKind.HANDOVER: "document_printer",
    DocumentKind.SEAL_VOUCHER: "document_printer",
    DocumentKind.MAILING_SLIP: "document_printer",
}


def _who(who: Session | str) -> tuple[str, str, str]:
    """(staff id, name, window) of a signed-in clerk, or a station's name (the kiosk)."""
    if isinstance(who, Session):
        return who.staff.id, who.staff.name, who.window
    return station_id(who), who, ""


class PrintService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def giftpack_contents(self) -> tuple[GiftPackLine, ...]:
        """This hall's 大礼包 list: the TOML file the settings name, else the default list."""
        path = str(self.settings["giftpack_file"])
        if not path:
            return DEFAULT_CONTENTS
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(
                "giftpack_file", f"无法读取大礼包清单文件 {path}：{exc.strerror or exc}"
            ) from None
        return parse_contents(text, f"大礼包清单文件 {path} ")

    def target_for(self, kind: DocumentKind) -> str:
        return str(self.settings[PRINTER_SETTING[kind]]) or "pdf:"

    def submit(
        self,
        who: Session | str,
        kind: DocumentKind,
        payload: PrintPayload,
        reference: str,
        now: datetime,
        *,
        target: str | None = None,
        unmasked: bool = False,
    ) -> PrintJob:
        """Queue a document; it prints as soon as the worker gets to it."""
        staff_id, staff_name, window = _who(who)
        job = PrintJob(
            id=outbox.uuid7(to_ms(now)),
            kind=kind,
            title=payload.title,
            reference=reference,
            target=target if target is not None else self.target_for(kind),
            status=JobStatus.PENDING,
            attempts=0,
            last_error="",
            next_attempt_at=now,
            staff_id=staff_id,
            staff_name=staff_name,
            window=window,
            created_at=now,
            updated_at=now,
        )
        with self.db.atomic():
            print_store.insert(self.db, job, payload, unmasked=unmasked)
            detail = {"kind": kind.value, "reference": reference, "unmasked": unmasked}
            target = f"print_jobs:{job.id}"
            audit_trail.record(self.db, who, AuditAction.PRINT, target, detail, now)
        if unmasked:
            audit.info("unmasked print %s of %s by %s", kind.value, reference, staff_name)
        return job

    def jobs(self, limit: int = 300) -> list[PrintJob]:
        return print_store.recent(self.db, limit)

    def jobs_for(self, reference: str) -> list[PrintJob]:
        return print_store.by_reference(self.db, reference)

    def job(self, job_id: str) -> PrintJob:
        found = print_store.get(self.db, job_id)
        if found is None:
            raise NotFoundError(f"没有编号为 {job_id} 的打印任务")
        return found

    def cancel(self, session: Session, job_id: str, now: datetime) -> PrintJob:
        with immediate(self.db):
            job = self.job(job_id)
            if job.status is not JobStatus.PENDING and job.status is not JobStatus.FAILED:
                raise NotAllowedError(f"“{job.title}”{job.status.label}，不能取消")
            print_store.update(
                self.db,
                job_id,
                now,
                status=JobStatus.CANCELLED.value,
                last_error=job.last_error or f"{session.staff.name} 取消",
            )
        return self.job(job_id)

    def retry(self, session: Session, job_id: str, now: datetime) -> PrintJob:
        """Try again now rather than after the backoff (the clerk has fixed the printer)."""
        with immediate(self.db):
            job = self.job(job_id)
            if job.status not in (JobStatus.PENDING, JobStatus.FAILED):
                raise NotAllowedError(f"“{job.title}”{job.status.label}，无需重试")
            print_store.update(
                self.db, job_id, now, status=JobStatus.PENDING.value, next_attempt_at=now
            )
        return self.job(job_id)

    def reprint(self, session: Session, job_id: str, now: datetime) -> PrintJob:
        """A new job with the same document, to this station's current printer for its
        kind: the kept bytes, or after the retention period the document laid out again
        from its recipe (a job from before recipes cannot be, and the clerk is told)."""
        original = self.job(job_id)
        data = print_store.payload(self.db, job_id) or self._made_again(original)
        job = self.submit(
            session,
            original.kind,
            data,
            original.reference,
            now,
            unmasked=print_store.unmasked(self.db, job_id),
        )
        with self.db.atomic():
            print_store.unpack_job(self.db, original.id)  # named by the reprint: a row again
            print_store.update(self.db, job.id, now, reprint_of=original.id)
        return replace(job, reprint_of=original.id)

    def _made_again(self, job: PrintJob) -> PrintPayload:
        from counter.printing.payloads import regenerate  # reportlab: at the first print

        source = print_store.source(self.db, job.id)
        if not source:
            where = "请到办件页补打通知书" if job.reference else "请重新生成该文书"
            raise NotAllowedError(
                f"“{job.title}”的打印文件已过保留期限并已清理，"
                f"且该任务早于可重新生成的版本，无法重印；{where}"
            )
        try:
            return regenerate(source)
        except RecipeError as exc:
            raise NotAllowedError(f"“{job.title}”的打印文件已清理：{exc}") from None

    def drop_payloads(self, now: datetime, *, batch: int = 200, batches: int = 50) -> int:
        """Drop the bytes of jobs finished more than ``print_retention_days`` ago (and of
        a kiosk's finished tickets at once), ``batch`` jobs per transaction so the
        window's own writes never wait long behind it; at most ``batches`` batches a
        call (the caller comes back for the rest). Returns how many were dropped."""
        cutoff = self._retention_cutoff(now)
        return self._in_batches(
            lambda: print_store.drop_payloads(self.db, cutoff, now, batch), batch, batches
        )

    def forget_station_tickets(self, now: datetime, *, batch: int = 200, batches: int = 50) -> int:
        """Delete a kiosk's ticket jobs finished more than ``print_retention_days`` ago,
        rows and recipes (print_store.forget_station_tickets), in batches as
        :meth:`drop_payloads` does. Returns how many went."""
        cutoff = self._retention_cutoff(now)
        return self._in_batches(
            lambda: print_store.forget_station_tickets(self.db, cutoff, batch), batch, batches
        )

    def _retention_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=int(self.settings["print_retention_days"]))

    def _in_batches(self, step: Callable[[], int], batch: int, batches: int) -> int:
        """Run ``step`` (one batch of at most ``batch`` jobs) in its own write
        transaction, up to ``batches`` times or until a batch comes back short."""
        total = 0
        for _ in range(batches):
            with immediate(self.db):
                done = step()
            total += done
            if done < batch:
                break
        return total

    # The spool worker's side -------------------------------------------------------

    def recover(self, now: datetime) -> int:
        """At start: jobs a crash left 'printing' are pending again."""
        with immediate(self.db):
            return print_store.requeue_interrupted(self.db, now)

    def claim_next(self, now: datetime) -> tuple[PrintJob, PrintPayload] | None:
        """The next due job, marked printing (one attempt more), with its bytes. Kiosk
        tickets past their time are cancelled first, never claimed (issue 28)."""
        with immediate(self.db):
            self._expire(now)
            job = print_store.next_due(self.db, now)
            if job is None:
                return None
            print_store.update(
                self.db,
                job.id,
                now,
                status=JobStatus.PRINTING.value,
                attempts=job.attempts + 1,
            )
            data = print_store.payload(self.db, job.id)
        assert data is not None
        return replace(job, status=JobStatus.PRINTING, attempts=job.attempts + 1), data

    def printed(self, job: PrintJob, now: datetime) -> None:
        with immediate(self.db):
            print_store.update(
                self.db,
                job.id,
                now,
                status=JobStatus.DONE.value,
                printed_at=now,
                last_error="",
            )
            outbox.record(
                self.db,
                table="print_log",
                row_id=job.id,
                kind="event",
                payload=print_store.log_entry(job, now, print_store.unmasked(self.db, job.id)),
                now=now,
            )

    def not_printed(self, job: PrintJob, message: str, now: datetime, *, permanent: bool) -> None:
        """Keep the job: pending again after a backoff, or failed when retrying cannot help."""
        with immediate(self.db):
            status = JobStatus.FAILED if permanent else JobStatus.PENDING
            if job.kiosk_ticket:  # its visitor is sent to the guide desk: every desk hears
                failed = replace(job, last_error=message)
                print_store.record_missed(self.db, MissedTicket.of(failed), now)
            print_store.update(
                self.db,
                job.id,
                now,
                status=status.value,
                last_error=message,
                next_attempt_at=now + backoff(job.attempts),
            )

    def _expire(self, now: datetime) -> None:
        """Kiosk tickets not printed in time: 已取消（超时）, never printed late into the
        next visitor's hands (:data:`counter.model.print_job.KIOSK_TICKET_TTL`)."""
        for job in print_store.pending(self.db):
            if job.expired(now):
                print_store.record_missed(self.db, MissedTicket.of(job), now)
                print_store.update(
                    self.db,
                    job.id,
                    now,
                    status=JobStatus.CANCELLED.value,
                    last_error=expired_error(job),
                )

    def next_wakeup(self) -> datetime | None:
        return print_store.next_wakeup(self.db)

    def missed_tickets(self, now: datetime) -> str:
        """The guide desk's line: kiosk tickets of the last half hour whose visitors
        were sent to the desk because the slip did not print, at this PC's kiosk (as
        its jobs stand now) or any other (synced); empty when none."""
        since = now - MISSED_TICKET_ALERT
        mine = print_store.tickets_since(self.db, since)
        here = [MissedTicket.of(j) for j in mine if j.missed]
        own = {j.id for j in mine}  # as its job stands now: printed late, it is off the list
        elsewhere = [m for m in print_store.missed_since(self.db, since) if m.id not in own]
        return missed_tickets_text(here + elsewhere)

    def trouble(self, now: datetime | None = None) -> str:
        """One line for the status bar, kiosk tickets not printed first (with ``now``,
        those of the last half hour; without, those still open); empty when all is fine."""
        jobs = print_store.troubled(self.db)
        # This PC's printers only: another kiosk's missed slip is the guide desk's line
        # (counter.ui.missed_tickets), not a fault of a printer here.
        if now is not None:
            jobs_here = print_store.tickets_since(self.db, now - MISSED_TICKET_ALERT)
        else:
            jobs_here = jobs
        missed = missed_tickets_text([MissedTicket.of(j) for j in jobs_here if j.missed])
        others = [j for j in jobs if not j.kiosk_ticket]
        parts = [missed] if missed else []
        if others:
            parts.append(f"打印异常（{len(others)} 项待处理）：{others[0].last_error}")
        return "；".join(parts)
