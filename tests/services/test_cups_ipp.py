"""The IPP pieces and the wait of the CUPS printer, without a CUPS (issue 29)."""

from __future__ import annotations

import struct

import pytest

from counter.model.print_target import parse_target
from counter.services import cups_printer
from counter.services.cups_printer import (
    COMPLETED,
    PROCESSING,
    CupsPrinter,
    JobState,
    QueueState,
    explain,
    ipp_request,
    ipp_response,
)
from counter.services.printers import PrinterError


def _attr(tag: int, name: str, value: bytes) -> bytes:
    return (
        struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value
    )


def test_a_request_starts_with_version_operation_and_charset() -> None:
    body = ipp_request(0x0009, [(0x45, "job-uri", b"ipp://localhost/jobs/5")], request_id=7)
    assert body[:8] == b"\x02\x00\x00\x09\x00\x00\x00\x07"
    assert body[8] == 0x01 and body.endswith(b"\x03")
    assert b"attributes-charset" in body and b"ipp://localhost/jobs/5" in body


def test_an_answer_is_read_with_every_value() -> None:
    answer = (
        b"\x02\x00\x00\x00\x00\x00\x00\x01\x01"
        + _attr(0x47, "attributes-charset", b"utf-8")
        + b"\x02"
        + _attr(0x23, "job-state", struct.pack(">i", 7))
        + _attr(0x44, "job-state-reasons", b"job-canceled-by-user")
        + _attr(0x44, "", b"processing-to-stop-point")
        + _attr(0x22, "printer-is-accepting-jobs", b"\x00")
        + _attr(0x41, "job-printer-state-message", "卡纸".encode())
        + b"\x03"
    )
    status, attrs = ipp_response(answer)
    assert status == 0
    assert attrs["job-state"] == [7]
    assert attrs["job-state-reasons"] == ["job-canceled-by-user", "processing-to-stop-point"]
    assert attrs["printer-is-accepting-jobs"] == [False]
    assert attrs["job-printer-state-message"] == ["卡纸"]


def test_reasons_are_said_in_chinese_with_the_printers_own_message() -> None:
    assert explain("Door open on tray 2", ("door-open-error", "paused")) == (
        "机盖打开，队列已暂停，Door open on tray 2"
    )
    assert explain("", ()) == "打印服务未说明原因"


class FakeCups:
    """A job that stays processing: the wait ends by its bound, not by CUPS."""

    def __init__(self, states: list[int]) -> None:
        self.states = states
        self.looks = 0

    def queue(self, name: str) -> QueueState:
        return QueueState(accepting=True, stopped=False, message="", reasons=())

    def job(self, job_id: int) -> JobState:
        self.looks += 1
        state = self.states[min(self.looks, len(self.states)) - 1]
        return JobState(state, "Printing page 1", ())


def test_a_job_not_done_in_time_is_taken_back_for_a_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cancelled: list[list[str]] = []
    monkeypatch.setattr(cups_printer, "_run", lambda argv, data=None: cancelled.append(argv))
    ticks = iter(range(1000))
    cups = FakeCups([PROCESSING])
    printer = CupsPrinter(
        parse_target("qt:Office"), wait_seconds=5, sleep=lambda _: None,
        clock=lambda: float(next(ticks)), cups=cups,  # type: ignore[arg-type]
    )  # fmt: skip
    with pytest.raises(PrinterError, match="超过 5 秒未完成任务") as caught:
        printer.wait(42)
    assert not caught.value.permanent
    assert cancelled == [["cancel", "Office-42"]]


def test_a_job_completed_after_a_few_looks_returns() -> None:
    cups = FakeCups([PROCESSING, PROCESSING, COMPLETED])
    printer = CupsPrinter(
        parse_target("qt:Office"),
        sleep=lambda _: None,
        cups=cups,  # type: ignore[arg-type]
    )
    printer.wait(42)
    assert cups.looks == 3
