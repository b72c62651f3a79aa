"""Sending what a page produced — a decision's notice, a kiosk ticket — to the printer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from counter.model.errors import CounterError, NotFoundError
from counter.model.notice import Notice
from counter.model.notice_text import Masking
from counter.model.print_job import DocumentKind
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.printing import payloads
from counter.services.cases_service import CasesService
from counter.services.print_service import PrintService
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


class TicketPrinter:
    """The kiosk's printer: the ticket is already issued; a print failure is shown, not lost.

    The job stays in the spool (and its print queue page) with its error, so a guide
    at the desk can reprint it; the visitor sees their number on screen meanwhile.
    """

    def __init__(
        self,
        service: PrintService,
        spool: PrintSpool,
        station: str,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
    ) -> None:
        self.service = service
        self.spool = spool
        self.station = station
        self.settings = settings
        self.clock = clock

    def __call__(self, slip: TicketSlip) -> str:
        """ "" when queued, else what to tell the visitor."""
        try:
            payload = payloads.ticket(slip, int(self.settings()["ticket_paper"]))
            self.service.submit(
                self.station, DocumentKind.TICKET, payload, slip.ticket_id, self.clock()
            )
        except CounterError as exc:
            return (
                f"小票未能打印（{getattr(exc, 'message', exc)}），请记住屏幕上的号码或到导办台补打"
            )
        self.spool.kick()
        return ""
