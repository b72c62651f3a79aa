"""A print job as the spool keeps it: what, for whom, where, and how far it got.

A print that fails must never vanish: a job is only ever *done*, *cancelled* by a
person, or *failed* for a reason retrying cannot fix; anything else waits and retries.

One exception (issue 28): a queue ticket the kiosk printed for a visitor is worth
printing only while that visitor stands at the kiosk. Not printed within
:data:`KIOSK_TICKET_TTL` it is cancelled as *已取消（超时）*, never printed late into the
next visitor's hands; the kiosk has sent its visitor to the guide desk, and the desk is
told (:func:`missed_tickets_text`).
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
    """The bytes a printer needs: always a PDF; ESC/POS too for slips.

    ``source`` is what the bytes were made from (the ticket, the notice and how it was
    masked, as :mod:`counter.printing.recipes` writes it): the spool keeps the bytes
    only until the job is printed plus ``print_retention_days`` (issue 32: every
    ticket's PDF stayed in the store for ever), and a reprint after that makes them
    again from it. Empty for a job from before, which cannot be made again."""

    title: str
    pdf: bytes
    escpos: bytes | None = None
    source: str = ""


#: A station's jobs (the kiosk) carry its name as ``station:<name>`` where a clerk's
#: carry the staff id.
STATION_PREFIX = "station:"

#: A kiosk's ticket prints within this long of being issued, or not at all.
KIOSK_TICKET_TTL = timedelta(seconds=60)
#: How long the guide desk is told of a kiosk ticket that did not print.
MISSED_TICKET_ALERT = timedelta(minutes=30)
#: The status of a kiosk ticket cancelled by :data:`KIOSK_TICKET_TTL`, and the head of
#: its error.
EXPIRED = "已取消（超时）"


def station_id(name: str) -> str:
    return f"{STATION_PREFIX}{name}"


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
        if self.timed_out:
            return EXPIRED
        return self.status.label

    @property
    def kiosk_ticket(self) -> bool:
        """A queue ticket a station printed for the visitor standing at it."""
        return self.kind is DocumentKind.TICKET and self.staff_id.startswith(STATION_PREFIX)

    @property
    def number(self) -> str:
        """The ticket's number (``排队小票 A017`` → ``A017``)."""
        return self.title.split()[-1] if self.title.split() else self.reference

    def expired(self, now: datetime) -> bool:
        """A kiosk ticket still waiting to print :data:`KIOSK_TICKET_TTL` after it was
        issued: cancel it rather than print it late."""
        return (
            self.kiosk_ticket
            and self.status is JobStatus.PENDING
            and now - self.created_at >= KIOSK_TICKET_TTL
        )

    @property
    def timed_out(self) -> bool:
        return self.status is JobStatus.CANCELLED and self.last_error.startswith(EXPIRED)

    @property
    def cause(self) -> str:
        """Why it did not print: the printer's error, without the timeout's note."""
        return self.last_error.partition("。")[2] if self.timed_out else self.last_error

    @property
    def missed(self) -> bool:
        """A kiosk ticket its visitor did not get: failed at least once and not printed
        since (still retrying, failed for good, or cancelled by the timeout)."""
        return self.kiosk_ticket and (
            (self.status is JobStatus.PENDING and bool(self.last_error))
            or self.status is JobStatus.FAILED
            or self.timed_out
        )


def expired_error(job: PrintJob) -> str:
    """What an expired kiosk ticket keeps as its error: the timeout, then why it failed."""
    seconds = int(KIOSK_TICKET_TTL.total_seconds())
    return f"{EXPIRED}：{seconds} 秒内未能打印，不再补打。{job.last_error}"


@dataclass(frozen=True)
class MissedTicket:
    """A kiosk ticket whose slip did not print, its visitor sent to the guide desk: the
    alert every supervisor's window shows (synced as ``missed_tickets``, issue 28),
    whichever kiosk it happened at. ``id`` is the print job's."""

    id: str
    number: str
    station: str
    cause: str
    at: datetime

    @classmethod
    def of(cls, job: PrintJob) -> MissedTicket:
        return cls(job.id, job.number, job.staff_name or "取号机", job.cause, job.created_at)


def missed_tickets_text(missed: list[MissedTicket]) -> str:
    """The guide desk's line for kiosk tickets their visitors did not get (newest
    first, by kiosk), with why the newest failed; empty when there are none."""
    if not missed:
        return ""
    ordered = sorted(missed, key=lambda m: m.at, reverse=True)
    by_station: dict[str, list[str]] = {}
    for m in ordered:
        numbers = by_station.setdefault(m.station, [])
        if m.number not in numbers:
            numbers.append(m.number)
    where = "；".join(f"{station} {'、'.join(numbers)}" for station, numbers in by_station.items())
    cause = ordered[0].cause
    return f"{where} 号小票未打印，访客已被请到导办台取号" + (f"（{cause}）" if cause else "")


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
