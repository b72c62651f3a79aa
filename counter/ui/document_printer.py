"""Sending a laid-out document (handover form, seal voucher, 预审清单) to the spool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from counter.model.errors import CounterError
from counter.model.print_job import DocumentKind, PrintPayload
from counter.services.print_service import PrintService
from counter.services.session import Session
from counter.ui.print_spool import PrintSpool


class DocumentPrinter:
    """Queues one document and wakes the spool; the record it prints is already committed,
    so a failure is reported (reprint from the print queue), never undone."""

    def __init__(
        self, service: PrintService, spool: PrintSpool | None, clock: Callable[[], datetime]
    ) -> None:
        self.service = service
        self.spool = spool
        self.clock = clock

    def __call__(
        self, session: Session, kind: DocumentKind, payload: PrintPayload, reference: str
    ) -> str:
        try:
            self.service.submit(session, kind, payload, reference, self.clock())
        except CounterError as exc:
            return f"{payload.title}未能送打印：{getattr(exc, 'message', exc)}，请在打印队列中重试"
        if self.spool is not None:
            self.spool.kick()
        return f"{payload.title}已送打印"
