"""DLE EOT answers read from byte fixtures (issue 29: cover-open and paper-near-end)."""

from __future__ import annotations

import pytest

from counter.printing.escpos_status import (
    DLE_EOT_OFFLINE,
    DLE_EOT_PAPER,
    EscposStatus,
    parse,
    read_status,
    status_byte,
)

# Answers as an Epson TM-T88-compatible printer sends them.
READY_OFFLINE = b"\x12"  # n=2: nothing wrong
COVER_OPEN = b"\x16"  # n=2: bit 2
ERROR = b"\x52"  # n=2: bit 6
STOPPED_NO_PAPER = b"\x32"  # n=2: bit 5
PAPER_OK = b"\x12"  # n=4: sensors clear
NEAR_END = b"\x1e"  # n=4: bits 2-3
PAPER_OUT = b"\x7e"  # n=4: bits 2-3 and 5-6


@pytest.mark.parametrize(
    ("offline", "paper", "expected"),
    [
        (READY_OFFLINE, PAPER_OK, EscposStatus(answered=True)),
        (COVER_OPEN, PAPER_OK, EscposStatus(answered=True, cover_open=True)),
        (READY_OFFLINE, NEAR_END, EscposStatus(answered=True, paper_near_end=True)),
        (
            READY_OFFLINE,
            PAPER_OUT,
            EscposStatus(answered=True, paper_out=True, paper_near_end=True),
        ),
        (STOPPED_NO_PAPER, PAPER_OK, EscposStatus(answered=True, paper_out=True)),
        (ERROR, PAPER_OK, EscposStatus(answered=True, error=True)),
        (None, None, EscposStatus()),
        (b"", b"", EscposStatus()),
    ],
)
def test_answers_parse(offline: bytes | None, paper: bytes | None, expected: EscposStatus) -> None:
    assert parse(offline, paper) == expected


def test_a_byte_not_shaped_like_a_status_gives_no_verdict() -> None:
    assert status_byte(b"\xff") is None  # bit 7 set: not DLE EOT's answer
    assert status_byte(b"A") is None
    assert status_byte(b"\x00\x00\x00\x0f\x16") == 0x16  # ASB block first: the last byte counts
    assert parse(b"\xff", b"\xff") == EscposStatus()


def test_problems_and_warnings_are_said_in_chinese() -> None:
    where = "小票打印机 1.2.3.4:9100 "
    assert "纸仓盖打开" in EscposStatus(True, cover_open=True).problem(where)
    assert "缺纸" in EscposStatus(True, paper_out=True).problem(where)
    assert "故障" in EscposStatus(True, error=True).problem(where)
    near = EscposStatus(True, paper_near_end=True)
    assert near.problem(where) == ""
    assert near.warning(where) == "小票打印机 1.2.3.4:9100 纸将用尽：请准备新纸卷"


def test_query_asks_paper_then_offline_cause_and_stops_early() -> None:
    asked: list[bytes] = []

    def printer(answers: dict[bytes, bytes | None]):  # type: ignore[no-untyped-def]
        def ask(command: bytes) -> bytes | None:
            asked.append(command)
            return answers.get(command)

        return ask

    assert read_status(printer({DLE_EOT_PAPER: PAPER_OK, DLE_EOT_OFFLINE: COVER_OPEN})).cover_open
    assert asked == [DLE_EOT_PAPER, DLE_EOT_OFFLINE]
    asked.clear()
    assert read_status(printer({DLE_EOT_PAPER: PAPER_OUT})).paper_out
    assert asked == [DLE_EOT_PAPER]  # an empty roll is verdict enough
    asked.clear()
    assert read_status(printer({})) == EscposStatus()
    assert asked == [DLE_EOT_PAPER]  # a silent printer costs one timeout
