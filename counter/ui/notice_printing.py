"""Sending what a page produced — a decision's notice, a kiosk ticket — to the printer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from counter.model.errors import CounterError, NotFoundError
from counter.model.notice import Notice
from counter.model.notice_text import Masking
from counter.model.print_job import DocumentKind, station_id
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.printing import payloads
from counter.services.cases_service import CasesService
from counter.services.print_service import PrintService
from counter.services.print_spool import StepResult
from counter.services.session import Session
from counter.ui.print_spool import PrintSpool


class NoticePrinter:
    """Queues the notice as a print job and wakes the spool; the case is already committed.

    Printing never blocks or undoes a decision: a failed submission says so, and the
    clerk reprints from the case (补打通知书) or the print queue.

    The paper masks each identifier by its own setting: ``mask_id`` the applicant's and
    the agent's ID numbers, ``mask_phone`` the phone (issue 27: one folded switch printed
    full ID numbers when only phone masking was off). Whatever it shows in full, by the
    settings or because the clerk asked (``unmask``), goes through the logged path of
    Ctrl+U (:meth:`CasesService.unmask`) first; without that record nothing is printed.
    """

    def __init__(
        self,
        service: PrintService,
        spool: PrintSpool,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        cases: CasesService,
    ) -> None:
        self.service = service
        self.spool = spool
        self.settings = settings
        self.clock = clock
        self.cases = cases

    def __call__(self, session: Session, notice: Notice, *, unmask: bool = False) -> str:
        settings = self.settings()
        masking = (
            Masking.unmasked()
            if unmask
            else Masking.on_paper(mask_id=settings["mask_id"], mask_phone=settings["mask_phone"])
        )
        in_full = masking.shown_in_full(notice)
        try:
            if in_full:
                self._log_unmasked(session, notice, in_full)
            payload = payloads.notice(notice, int(settings["ticket_paper"]), masking=masking)
            self.service.submit(
                session,
                payloads.notice_kind(notice),
                payload,
                notice.case_number,
                self.clock(),
                unmasked=bool(in_full),
            )
        except CounterError as exc:
            return f"{notice.title}未能送打印：{getattr(exc, 'message', exc)}，请在打印队列中重试"
        self.spool.kick()
        return f"{notice.title}已送打印"

    def _log_unmasked(self, session: Session, notice: Notice, fields: tuple[str, ...]) -> None:
        case = self.cases.by_number(notice.case_number)
        if case is None:
            raise NotFoundError(f"没有找到办件 {notice.case_number}，不能打印完整证件号")
        self.cases.unmask(session, case.id, self.clock(), fields=fields, printed=notice.title)


class TicketPrinter(QObject):
    """The kiosk's printer: the ticket is already issued; a print failure is told, not lost.

    Each slip is queued in the spool and the spool woken. A slip that does not print —
    refused at submission, or the spool's try failing (printer off, out of paper) — is
    announced by :attr:`failed` with the ticket id and why, so the kiosk sends its
    visitor to the guide desk (:meth:`KioskWindow.use_printer`); one printed after all,
    by :attr:`printed`. The job stays in the spool with its error for the desk's print
    queue, and is cancelled after a minute rather than printed late (the spool's rule,
    :data:`counter.model.print_job.KIOSK_TICKET_TTL`).
    """

    failed = Signal(str, str)  # ticket id, why
    printed = Signal(str)  # ticket id

    def __init__(
        self,
        service: PrintService,
        spool: PrintSpool,
        station: str,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.spool = spool
        self.station = station
        self.settings = settings
        self.clock = clock
        spool.printed.connect(self.on_spool_report)

    def __call__(self, slip: TicketSlip) -> str:
        """Queue ``slip``: "" when queued, else why it cannot be."""
        try:
            payload = payloads.ticket(slip, int(self.settings()["ticket_paper"]))
            self.service.submit(
                self.station, DocumentKind.TICKET, payload, slip.ticket_id, self.clock()
            )
        except CounterError as exc:
            return str(getattr(exc, "message", "") or exc)
        self.spool.kick()
        return ""

    def print_slip(self, slip: TicketSlip) -> None:
        """Queue ``slip``; a refusal is a failure at once."""
        why = self(slip)
        if why:
            self.failed.emit(slip.ticket_id, why)

    def on_spool_report(self, results: list[StepResult]) -> None:
        """This station's tickets among the spool's tries: each failure and each print."""
        for result in results:
            job = result.job
            if job.kind is not DocumentKind.TICKET or job.staff_id != station_id(self.station):
                continue
            if result.ok:
                self.printed.emit(job.reference)
            else:
                self.failed.emit(job.reference, result.message)
