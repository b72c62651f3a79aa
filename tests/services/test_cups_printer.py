"""The system printer against a real CUPS: a cups-pdf queue per test (issue 29).

A job must end *completed* before it counts as printed; a queue that refuses jobs,
a stopped queue and a cancelled job leave it failed with the reason. ``.ci/run``
installs and starts cupsd; elsewhere these tests skip, with the reason, only when
cupsd is not running (under CI — ``CI`` or ``COUNTER_REQUIRE_CUPS`` set — they run
and fail instead). Nothing here waits on a clock: each wait is a bounded number of
looks at CUPS's own state.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from counter.model.print_job import PrintPayload
from counter.model.print_target import parse_target
from counter.services.cups_printer import CupsPrinter
from counter.services.printers import PrinterError, open_printer

REQUIRED = bool(os.environ.get("CI") or os.environ.get("COUNTER_REQUIRE_CUPS"))
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")


def _cupsd_running() -> bool:
    if shutil.which("lpstat") is None or shutil.which("lpadmin") is None:
        return False
    done = subprocess.run(["lpstat", "-r"], capture_output=True, env={**os.environ, "LC_ALL": "C"})
    return done.returncode == 0 and b"is running" in done.stdout


if not REQUIRED and not _cupsd_running():
    pytest.skip(
        "cupsd is not running here (and CI is not set): install cups and "
        "printer-driver-cups-pdf and start /usr/sbin/cupsd, as .ci/run does",
        allow_module_level=True,
    )


def _cmd(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


@pytest.fixture
def queue() -> Iterator[str]:
    """A cups-pdf queue of its own, so parallel tests never stop each other's printer."""
    name = f"CounterTest{uuid.uuid4().hex[:10]}"
    _cmd("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-m", CUPS_PDF_PPD)
    yield name
    subprocess.run(["lpadmin", "-x", name], capture_output=True)


@pytest.fixture
def notice_pdf() -> bytes:
    from benchmarks.bench_printing import notice
    from counter.printing.notices import notice_pdf as render

    return render(notice(7))


def _output_folder() -> Path:
    """Where cups-pdf writes a job of this user (its ``Out`` setting, ~/PDF by default)."""
    out = "${HOME}/PDF"
    if CUPS_PDF_CONF.exists():
        for line in CUPS_PDF_CONF.read_text().splitlines():
            if line.startswith("Out "):
                out = line.split(None, 1)[1].strip()
    home = pwd.getpwuid(os.getuid()).pw_dir
    return Path(out.replace("${HOME}", home))


def _written(job_id: int, checks: int = 600) -> Path:
    """The PDF cups-pdf wrote for ``job_id`` (named ``…job_<id>.pdf``), waited for up
    to 30 s: a loaded machine may finish the file late; the test asserts it exists."""
    for _ in range(checks):
        found = list(_output_folder().glob(f"*job_{job_id}.pdf"))
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"cups-pdf wrote no file for job {job_id} in {_output_folder()}")


def _printer(queue: str) -> CupsPrinter:
    return CupsPrinter(parse_target(f"qt:{queue}"))


def test_a_job_to_an_accepting_queue_ends_completed_with_its_text(
    queue: str, notice_pdf: bytes
) -> None:
    printer = open_printer(f"qt:{queue}", Path("unused"))
    assert isinstance(printer, CupsPrinter)  # Linux prints through CUPS, not Qt
    printer.send(PrintPayload("受理通知书", notice_pdf, None), "20261127-notice-7")
    assert printer.last_job is not None
    written = _written(printer.last_job)
    text = pypdf.PdfReader(written).pages[0].extract_text()
    # The vector page arrived as text, not as a picture of it. (cups-pdf rewrites the
    # file through Ghostscript, which keeps the case number's text but not the CJK
    # font's Unicode map, so the Chinese lines are not compared here.)
    assert "20261127-1A7-0007" in text
    assert "110101********1234" in text
    written.unlink()


def test_a_refusing_queue_fails_for_good_with_its_reason(queue: str, notice_pdf: bytes) -> None:
    _cmd("cupsreject", "-r", "设备检修 maintenance", queue)
    printer = _printer(queue)
    with pytest.raises(PrinterError, match="拒绝接收任务：设备检修 maintenance") as caught:
        printer.send(PrintPayload("受理通知书", notice_pdf, None), "n")
    assert caught.value.permanent
    assert printer.last_job is None
    # And if the queue refuses between the look and the submission, lp's refusal says the same.
    with pytest.raises(PrinterError, match="拒绝接收任务：设备检修") as caught:
        printer.submit(PrintPayload("受理通知书", notice_pdf, None), "n")
    assert caught.value.permanent


def test_a_stopped_queue_is_retried_with_its_reason(queue: str, notice_pdf: bytes) -> None:
    _cmd("cupsdisable", "-r", "卡纸 paper jam", queue)
    printer = _printer(queue)
    with pytest.raises(PrinterError, match=r"已暂停：.*卡纸 paper jam") as caught:
        printer.send(PrintPayload("受理通知书", notice_pdf, None), "n")
    assert not caught.value.permanent
    assert printer.last_job is None  # nothing left in CUPS to print twice later


def test_a_queue_stopping_under_a_job_takes_it_back_to_retry(queue: str, notice_pdf: bytes) -> None:
    printer = _printer(queue)
    _cmd("cupsdisable", "-r", "缺纸 out of paper", queue)
    job = printer.submit(PrintPayload("受理通知书", notice_pdf, None), "n")  # queued, held back
    with pytest.raises(PrinterError, match=r"已暂停：.*缺纸 out of paper") as caught:
        printer.wait(job)
    assert not caught.value.permanent
    state = printer.cups.job(job)
    assert state is not None and state.state == 7  # cancelled: the spool's retry prints it once


def test_a_cancelled_job_fails_with_the_reason(queue: str, notice_pdf: bytes) -> None:
    printer = _printer(queue)
    _cmd("cupsdisable", queue)  # hold the job in the queue long enough to cancel it
    job = printer.submit(PrintPayload("受理通知书", notice_pdf, None), "n")
    _cmd("cancel", f"{queue}-{job}")
    _cmd("cupsenable", queue)
    with pytest.raises(
        PrinterError, match="任务被取消：有人在打印服务或打印机上取消了任务"
    ) as caught:
        printer.wait(job)
    assert caught.value.permanent


def test_a_missing_queue_is_said_by_name() -> None:
    with pytest.raises(PrinterError, match="找不到系统打印机“CounterNoSuchQueue”"):
        _printer("CounterNoSuchQueue").send(PrintPayload("t", b"%PDF-1.4", None), "n")
