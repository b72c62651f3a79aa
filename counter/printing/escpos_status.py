"""What a thermal printer says about itself: the DLE EOT real-time status queries.

One place asks and reads the answers for every transport (network, USB, serial), so a
cover-open or paper-out printer is refused the job the same way whichever cable it is
on (issue 29: only paper-out was asked, so a job sent with the cover open was logged as
printed). The transport is passed in as ``ask`` — send these bytes, return what came
back or ``None`` — which keeps this module free of sockets and devices, like the rest
of :mod:`counter.printing`.

Epson's ESC/POS manual, DLE EOT n: every status byte has bits 1 and 4 set and bits 0
and 7 clear; a byte that is not shaped so came from something else (a printer in
Automatic Status Back mode, a device that echoes) and gives no verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DLE_EOT_OFFLINE = b"\x10\x04\x02"  # n=2: offline cause
DLE_EOT_PAPER = b"\x10\x04\x04"  # n=4: roll paper sensor
STATUS_FIXED_MASK = 0x93
STATUS_FIXED_BITS = 0x12

# n=2, offline cause
COVER_OPEN = 0x04
STOPPED_PAPER_END = 0x20
ERROR = 0x40
# n=4, roll paper sensor (each condition is two bits, both set)
PAPER_NEAR_END = 0x0C
PAPER_OUT = 0x60

Ask = Callable[[bytes], bytes | None]


def status_byte(answer: bytes | None) -> int | None:
    """The status byte in ``answer`` (its last byte: an Automatic Status Back block may
    come first), or ``None`` when nothing that looks like one came back."""
    if not answer:
        return None
    byte = answer[-1]
    if byte & STATUS_FIXED_MASK != STATUS_FIXED_BITS:
        return None
    return byte


@dataclass(frozen=True)
class EscposStatus:
    """What the printer reported; all false when it did not answer (no verdict: many
    cheap printers and every one-way cable stay silent, and they print)."""

    answered: bool = False
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    error: bool = False

    def problem(self, where: str) -> str:
        """Why the job must not be sent now (empty when it may): each of these is
        cleared at the printer, so the spool retries after its backoff."""
        if self.cover_open:
            return f"{where}纸仓盖打开：请合上打印机盖，合上后自动续打"
        if self.paper_out:
            return f"{where}缺纸：请装纸，装好后自动续打"
        if self.error:
            return f"{where}报告故障（如切刀卡住或过热）：请检查打印机，恢复后自动续打"
        return ""

    def warning(self, where: str) -> str:
        """What the clerk should know although the job prints (empty when nothing)."""
        if self.paper_near_end:
            return f"{where}纸将用尽：请准备新纸卷"
        return ""


def parse(offline: bytes | None, paper: bytes | None) -> EscposStatus:
    """The status from the answers to :data:`DLE_EOT_OFFLINE` and :data:`DLE_EOT_PAPER`."""
    cause = status_byte(offline)
    sensor = status_byte(paper)
    if cause is None and sensor is None:
        return EscposStatus()
    cause = cause or 0
    sensor = sensor or 0
    return EscposStatus(
        answered=True,
        cover_open=bool(cause & COVER_OPEN),
        paper_out=bool(sensor & PAPER_OUT == PAPER_OUT or cause & STOPPED_PAPER_END),
        paper_near_end=sensor & PAPER_NEAR_END == PAPER_NEAR_END,
        error=bool(cause & ERROR),
    )


def read_status(ask: Ask) -> EscposStatus:
    """Ask the paper sensor, then (paper being there) the offline cause. A printer
    silent to the first is not asked again, so a silent printer costs one timeout; an
    empty roll is verdict enough."""
    paper = ask(DLE_EOT_PAPER)
    if status_byte(paper) is None:
        return EscposStatus()
    first = parse(None, paper)
    if first.paper_out:
        return first
    return parse(ask(DLE_EOT_OFFLINE), paper)
