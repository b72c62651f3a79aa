from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from counter.model.print_job import (
    KIOSK_TICKET_TTL,
    DocumentKind,
    JobStatus,
    MissedTicket,
    PrintJob,
    backoff,
    expired_error,
    missed_tickets_text,
    station_id,
)


def test_backoff_doubles_from_five_seconds_up_to_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in range(0, 5)] == [0, 5, 10, 20, 40]
    assert backoff(30) == timedelta(minutes=5)


def _ticket(now: datetime, **changes: object) -> PrintJob:
    job = PrintJob(
        id="j1", kind=DocumentKind.TICKET, title="排队小票 A017", reference="20261127-A017",
        target="escpos-net:10.0.0.9:9100", status=JobStatus.PENDING, attempts=1,
        last_error="小票打印机缺纸", next_attempt_at=now, staff_id=station_id("取号机"),
        staff_name="取号机", window="", created_at=now, updated_at=now,
    )  # fmt: skip
    return replace(job, **changes)  # type: ignore[arg-type]


def test_a_kiosk_ticket_expires_a_minute_after_it_was_issued(now: datetime) -> None:
    job = _ticket(now)
    assert KIOSK_TICKET_TTL.total_seconds() == 60
    assert not job.expired(now + timedelta(seconds=59))
    assert job.expired(now + timedelta(seconds=60))
    assert not _ticket(now, staff_id="s-lina").expired(now + timedelta(hours=1))  # a clerk's
    assert not _ticket(now, kind=DocumentKind.NOTICE).expired(now + timedelta(hours=1))
    assert not _ticket(now, status=JobStatus.DONE).expired(now + timedelta(hours=1))


def test_an_expired_ticket_says_so_and_keeps_why(now: datetime) -> None:
    job = _ticket(now, status=JobStatus.CANCELLED, last_error=expired_error(_ticket(now)))
    assert job.status_text == "已取消（超时）"
    assert job.cause == "小票打印机缺纸"
    older = _ticket(now - timedelta(minutes=1), title="排队小票 A016")
    missed = [MissedTicket.of(j) for j in (older, job)]
    assert missed_tickets_text(missed) == (
        "取号机 A017、A016 号小票未打印，访客已被请到导办台取号（小票打印机缺纸）"
    )
    assert missed_tickets_text([]) == ""


def test_the_guide_desk_line_names_each_kiosk_newest_first(now: datetime) -> None:
    """Two kiosks in the hall: the supervisor reads which one, and the newest cause."""
    east = MissedTicket("j1", "A017", "东门取号机", "缺纸", now - timedelta(minutes=2))
    west = MissedTicket("j2", "B003", "西门取号机", "脱机", now)
    again = MissedTicket("j3", "A018", "东门取号机", "缺纸", now - timedelta(minutes=1))
    assert missed_tickets_text([east, west, again]) == (
        "西门取号机 B003；东门取号机 A018、A017 号小票未打印，访客已被请到导办台取号（脱机）"
    )
