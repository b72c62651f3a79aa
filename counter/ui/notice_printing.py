"""Sending what a page produced — a decision's notice, a kiosk ticket — to the printer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from counter.model.errors import CounterError
from counter.model.notice import Notice
from counter.model.print_job import DocumentKind
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.printing import payloads
from counter.services.print_service import PrintService
from counter.services.session import Session
from counter.ui.print_spool import PrintSpool


class NoticePrinter:
    """Queues the notice as a print job and wakes the spool; the case is already committed.

    Printing never blocks or undoes a decision: a failed submission says so, and the
    clerk reprints from the case (补打通知书) or the print queue.
    """

    def __init__(
        self,
        service: PrintService,
        spool: PrintSpool,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
    ) -> None:
        self.service = service
        self.spool = spool
        self.settings = settings
        self.clock = clock

    def __call__(self, session: Session, notice: Notice) -> str:
        settings = self.settings()
        unmask = not (settings["mask_id"] and settings["mask_phone"])
        try:
            payload = payloads.notice(notice, int(settings["ticket_paper"]), unmask=unmask)
            self.service.submit(
                session,
                payloads.notice_kind(notice),
                payload,
                notice.case_number,
                self.clock(),
                unmasked=unmask,
            )
        except CounterError as exc:
            return f"{notice.title}未能送打印：{getattr(exc, 'message', exc)}，请在打印队列中重试"
        self.spool.kick()
        return f"{notice.title}已送打印"


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
