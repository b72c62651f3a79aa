"""From a ticket being issued to its print bytes ready, and A4 notices per second.

The ticket figure is what the kiosk adds on top of the printer's own ~0.5 s for an
80 mm slip: TicketSlip → PDF bytes (80 mm) and TicketSlip → ESC/POS bytes. The notice
figure is pages per second for a one-page A4 受理通知书 with a materials table, the
Code128 and the QR.

    python -m benchmarks.bench_printing [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from counter.model.clock import HALL_TZ
from counter.model.notice import Notice, NoticeKind, NoticeMaterial, NoticeParty, PromiseLine
from counter.model.slips import TicketSlip
from counter.printing.escpos import ticket_escpos
from counter.printing.notices import notice_pdf
from counter.printing.tickets import ticket_pdf

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)


def slip(n: int) -> TicketSlip:
    return TicketSlip(
        "示范市政务服务中心", f"A{n:03d}-1127", f"A{n:03d}", "企业开办", NOW, n % 17,
        qr_url=f"https://hall.example.cn/q/A{n:03d}-1127",
    )  # fmt: skip


def notice(n: int) -> Notice:
    return Notice(
        kind=NoticeKind.ACCEPTED,
        case_number=f"20261127-1A7-{n:04d}",
        hall_name="示范市政务服务中心",
        issued_at=NOW,
        applicant=NoticeParty("张三丰", "居民身份证", "110101199003071234", "13812345678"),
        items=("食品经营许可证核发",),
        clerk="李娜",
        window="3",
        received=tuple(NoticeMaterial(f"申请材料{i}", "原件", 1) for i in range(6)),
        promises=(PromiseLine("法定代表人身份证明", date(2026, 12, 4)),),
        deadline="2026-12-11 17:30",
    )


def timings(render: Callable[[int], Any], runs: int) -> list[float]:
    render(0)  # font registration and imports are paid once per process, not per ticket
    out = []
    for n in range(1, runs + 1):
        start = time.perf_counter()
        render(n)
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 200
    pdf = timings(lambda n: ticket_pdf(slip(n), 80), runs)
    escpos = timings(lambda n: ticket_escpos(slip(n), 80), runs)
    pages = max(20, runs // 5)
    notices = timings(lambda n: notice_pdf(notice(n)), pages)
    print(
        f"ticket → PDF 80 mm bytes:  median {statistics.median(pdf) * 1000:.1f} ms "
        f"(p95 {sorted(pdf)[int(len(pdf) * 0.95) - 1] * 1000:.1f} ms, {runs} runs)"
    )
    print(
        f"ticket → ESC/POS bytes:    median {statistics.median(escpos) * 1000:.2f} ms "
        f"(p95 {sorted(escpos)[int(len(escpos) * 0.95) - 1] * 1000:.2f} ms, {runs} runs)"
    )
    print(
        f"A4 notices (1 page each):  {pages / sum(notices):.1f} pages/s "
        f"(median {statistics.median(notices) * 1000:.1f} ms per page, {pages} pages)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
