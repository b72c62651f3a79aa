"""From a ticket being issued to its print bytes ready, and A4 notices per second.

The ticket figure is what the kiosk adds on top of the printer's own ~0.5 s for an
80 mm slip: TicketSlip → PDF bytes (80 mm) and TicketSlip → ESC/POS bytes. The notice
figure is pages per second for a one-page A4 受理通知书 with a materials table, the
Code128 and the QR.

The system-printer figure (issue 29) sends that notice to a CUPS queue the way Counter
does (:class:`counter.services.cups_printer.CupsPrinter`: ``lp``, then followed until
CUPS says completed) and, in the same run on the same file, with plain ``lp`` followed
the same way; it prints both and their ratio (aim: at most 2×). Each send runs in a
fresh interpreter that has imported the same modules, so the peak memory compared is
that of one send (the process and the ``lp`` it starts), not of what ran before.
``--qt`` adds the Qt path (Windows; pages painted at 300 dpi at most, not the
printer's 1200 that cost 2 GB; opt-in).

    python -m benchmarks.bench_printing [runs] [--queue NAME] [--system-runs N] [--qt]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


_PRELUDE = """
import subprocess, sys, time
import httpx  # the window has it loaded already (sync talks to the central with it)
from counter.model.print_job import PrintPayload
from counter.model.print_target import parse_target
from counter.services import cups_printer
queue, path = sys.argv[1], sys.argv[2]
pdf = open(path, "rb").read()
"""
_COUNTER = """
start = time.perf_counter()
printer = cups_printer.CupsPrinter(parse_target("qt:" + queue))
printer.send(PrintPayload("bench", pdf, None), "bench")
print(time.perf_counter() - start)
"""
_LP = """
env = {"LC_ALL": "C", "LANG": "C", "PATH": "/usr/bin:/bin:/usr/sbin"}
start = time.perf_counter()
out = subprocess.run(
    ["lp", "-d", queue, "-t", "bench"], input=pdf, capture_output=True, env=env, check=True
)
job = out.stdout.split()[3].decode()
pause = cups_printer.POLL_FIRST  # the same schedule of looks as Counter's
while job.encode() in subprocess.run(
    ["lpstat", "-W", "not-completed", "-o", queue], capture_output=True, env=env
).stdout:
    time.sleep(pause)
    pause = min(pause * 2, cups_printer.POLL_MAX)
print(time.perf_counter() - start)
"""
_QT = """
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtGui import QGuiApplication
from counter.ui.qt_printer import QtSystemPrinter
app = QGuiApplication([])
start = time.perf_counter()
QtSystemPrinter(parse_target("qt:" + queue)).send(PrintPayload("bench", pdf, None), "bench")
print(time.perf_counter() - start)
"""


def _child(code: str, queue: str, path: str) -> tuple[float, float]:
    """(seconds the send took, peak MB of the interpreter and the commands it ran)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _PRELUDE + code, queue, path], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    said = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"system print bench failed ({proc.returncode})")
    return float(said.split()[-1]), usage.ru_maxrss / 1024


def _default_queue() -> str:
    if shutil.which("lpstat") is None:
        return ""
    done = subprocess.run(["lpstat", "-d"], capture_output=True, env={**os.environ, "LC_ALL": "C"})
    said = done.stdout.decode().strip()
    return said.rsplit(":", 1)[1].strip() if "destination:" in said else ""


def system_print(queue: str, runs: int, with_qt: bool) -> None:
    """Counter's system print against plain ``lp`` on the same notice, interleaved."""
    if not queue:
        print("system print: skipped (no CUPS queue: pass --queue NAME or set a default)")
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as file:
        file.write(notice_pdf(notice(1)))
    try:
        ways = {"lp": _LP, "counter": _COUNTER} | ({"qt 300dpi": _QT} if with_qt else {})
        figures: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
        for _ in range(runs):
            for way, code in ways.items():
                figures[way].append(_child(code, queue, file.name))
    finally:
        os.unlink(file.name)
    median = {
        way: (statistics.median(t for t, _ in f), statistics.median(m for _, m in f))
        for way, f in figures.items()
    }
    lp_s, lp_mb = median["lp"]
    print(f"system print, one A4 notice to CUPS queue {queue} ({runs} runs each, medians):")
    for way, (seconds, mb) in median.items():
        print(
            f"  {way:9} {seconds:6.2f} s  peak {mb:7.1f} MB   "
            f"ratio to lp: time {seconds / lp_s:.2f}×, memory {mb / lp_mb:.2f}×"
        )


def main(argv: list[str]) -> None:
    args = list(argv)
    with_qt = "--qt" in args
    if with_qt:
        args.remove("--qt")
    queue, system_runs = None, 5
    for flag in ("--queue", "--system-runs"):
        if flag in args:
            at = args.index(flag)
            value = args[at + 1]
            del args[at : at + 2]
            if flag == "--queue":
                queue = value
            else:
                system_runs = int(value)
    runs = int(args[0]) if args else 200
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
    system_print(_default_queue() if queue is None else queue, system_runs, with_qt)


if __name__ == "__main__":
    main(sys.argv[1:])
