"""A print job as the spool keeps it: what, for whom, where, and how far it got.

A print that fails must never vanish: a job is only ever *done*, *cancelled* by a
person, or *failed* for a reason retrying cannot fix; anything else waits and retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DocumentKind(StrEnum):
    TICKET = "ticket"
    NOTICE = "notice"
    RECEIPT = "receipt"
    HANDOVER = "giftpack_handover"
    SEAL_VOUCHER = "seal_voucher"
    MAILING_SLIP = "mailing_slip"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def slip(self) -> bool:
        """Printed on the ticket printer (thermal roll) rather than the document printer."""
        return self in (DocumentKind.TICKET, DocumentKind.RECEIPT)


_KIND_LABELS = {
    DocumentKind.TICKET: "排队小票",
    DocumentKind.NOTICE: "通知书",
    DocumentKind.RECEIPT: "回执",
    DocumentKind.HANDOVER: "领取确认单",
    DocumentKind.SEAL_VOUCHER: "免费刻章凭证",
    DocumentKind.MAILING_SLIP: "邮寄单",
}


class JobStatus(StrEnum):
    PENDING = "pending"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    JobStatus.PENDING: "等待打印",
    JobStatus.PRINTING: "正在打印",
    JobStatus.DONE: "已打印",
    JobStatus.FAILED: "打印失败",
    JobStatus.CANCELLED: "已取消",
}


@dataclass(frozen=True)
class PrintPayload:
    """The bytes a printer needs: always a PDF; ESC/POS too for slips."""

    title: str
    pdf: bytes
    escpos: bytes | None = None


@dataclass(frozen=True)
class PrintJob:
    id: str
    kind: DocumentKind
    title: str
    reference: str  # case number or ticket id
    target: str
    status: JobStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime
    staff_id: str
    staff_name: str
    window: str
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None = None
    reprint_of: str | None = None

    @property
    def status_text(self) -> str:
        if self.status is JobStatus.PENDING and self.last_error:
            return f"等待重试（第 {self.attempts} 次失败）"
        return self.status.label


BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 5 s, 10 s, 20 s … capped at 5 minutes.

    A printer out of paper is refilled within minutes; retrying faster only fills the log.
    """
    if attempts <= 0:
        return timedelta(0)
    wait: timedelta = BACKOFF_FIRST * 2 ** (attempts - 1)
    return min(wait, BACKOFF_MAX)
