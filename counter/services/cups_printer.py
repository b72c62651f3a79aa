"""The system printer on Linux (and macOS): the vector PDF handed to CUPS, followed to its end.

Why not Qt: painting each page at the printer's resolution cost 6.7–8.3 s and 2.1 GB for
one notice and sent an image with no text layer; ``lp`` with the same PDF took about
0.5 s and 62 MB, and CUPS's own filters rasterise (if at all) in the printer's driver
process, not in the window (issue 29).

Why follow the job: ``lp`` returning only means CUPS queued it. A queue that refuses
jobs (``cupsreject``), is stopped (``cupsdisable``, or stopped by CUPS after a backend
error), or a job someone cancelled or CUPS aborted, must keep the print job failed
with the reason, never 已打印. So the job is submitted with ``lp`` (which handles the
local socket, credentials and the queue's defaults), then its state is read over IPP
(Get-Job-Attributes, Get-Printer-Attributes: anonymous reads CUPS allows by default)
until it is completed, cancelled or aborted, within a bounded wait; ``cancel`` takes
back a job the spool will retry, so it never prints twice.

Reasons map onto the spool's retries: a queue that refuses jobs and a job cancelled or
aborted are *permanent* (someone decided, or the document cannot print: the clerk
retries by hand); a stopped queue, CUPS not running, or a job not done in time are
retried after the backoff.

No library: pycups is GPL and needs libcups headers to build; the few IPP messages
needed here are a page of code. Commands run in the C locale so their output parses.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from counter.model.print_job import PrintPayload
from counter.model.print_target import PrintTarget
from counter.services.printers import PrinterError

#: How long a job may take from submission to completed before it is taken back.
WAIT_SECONDS = 300.0
#: First and longest pause between two looks at the job.
POLL_FIRST = 0.02
POLL_MAX = 0.5
COMMAND_TIMEOUT = 30.0
IPP_TIMEOUT = 5.0

# IPP (RFC 8011) job and printer states
PENDING, HELD, PROCESSING, JOB_STOPPED, CANCELED, ABORTED, COMPLETED = range(3, 10)
PRINTER_STOPPED = 5

_C_LOCALE = {"LC_ALL": "C", "LANG": "C"}

#: printer-state-reasons and job-state-reasons keywords, as the clerk reads them.
REASONS = {
    "media-empty": "缺纸",
    "media-needed": "缺纸",
    "media-jam": "卡纸",
    "door-open": "机盖打开",
    "cover-open": "机盖打开",
    "toner-empty": "墨粉用尽",
    "marker-supply-empty": "墨粉或墨水用尽",
    "offline": "打印机脱机",
    "shutdown": "打印机已关机",
    "paused": "队列已暂停",
    "connecting-to-device": "正在连接打印机",
    "job-canceled-by-user": "任务已在打印服务中被取消",
    "job-canceled-by-operator": "任务被管理员取消",
    "job-canceled-at-device": "任务在打印机上被取消",
    "aborted-by-system": "任务被打印服务中止",
    "document-format-error": "打印机无法处理该文件格式",
    "document-unprintable-error": "文件无法打印",
    "job-hold-until-specified": "任务被挂起",
    "cups-held-for-authentication": "任务等待身份验证",
}


def available() -> bool:
    """True where CUPS's ``lp`` is the way to print (not Windows, and lp installed)."""
    return sys.platform != "win32" and shutil.which("lp") is not None


# IPP encoding: only what these requests and their answers use ------------------------


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def ipp_request(
    operation: int, attributes: list[tuple[int, str, bytes]], request_id: int = 1
) -> bytes:
    """An IPP/2.0 request: the operation attributes given, charset and language first."""
    body = struct.pack(">BBHI", 2, 0, operation, request_id) + b"\x01"
    body += _attribute(0x47, "attributes-charset", b"utf-8")
    body += _attribute(0x48, "attributes-natural-language", b"en")
    for tag, name, value in attributes:
        body += _attribute(tag, name, value)
    return body + b"\x03"


def _values(tag: int, value: bytes) -> object:
    if tag in (0x21, 0x23) and len(value) == 4:  # integer, enum
        return struct.unpack(">i", value)[0]
    if tag == 0x22 and len(value) == 1:  # boolean
        return value != b"\x00"
    if 0x41 <= tag <= 0x49:  # text, name, keyword, uri, charset, language, mime
        return value.decode("utf-8", "replace")
    return value


def ipp_response(data: bytes) -> tuple[int, dict[str, list[object]]]:
    """(status code, attributes of every group), each attribute with all its values."""
    if len(data) < 9:
        raise ValueError("IPP 应答过短")
    status = struct.unpack(">H", data[2:4])[0]
    attributes: dict[str, list[object]] = {}
    at, name = 8, ""
    while at < len(data):
        tag = data[at]
        at += 1
        if tag == 0x03:
            break
        if tag < 0x10:  # a group delimiter
            continue
        (length,) = struct.unpack(">H", data[at : at + 2])
        at += 2
        if length:
            name = data[at : at + length].decode("utf-8", "replace")
        at += length
        (length,) = struct.unpack(">H", data[at : at + 2])
        at += 2
        attributes.setdefault(name, []).append(_values(tag, data[at : at + length]))
        at += length
    return status, attributes


# The local CUPS server ----------------------------------------------------------------


def _server() -> tuple[str | None, str]:
    """(unix socket or None, base URL) of the CUPS server ``lp`` talks to."""
    named = os.environ.get("CUPS_SERVER", "")
    if named.startswith("/"):
        return named, "http://localhost"
    if named:
        host, _, port = named.partition(":")
        return None, f"http://{host}:{port or 631}"
    for sock in ("/run/cups/cups.sock", "/var/run/cups/cups.sock"):
        if Path(sock).exists():
            return sock, "http://localhost"
    return None, "http://localhost:631"


@dataclass(frozen=True)
class QueueState:
    accepting: bool
    stopped: bool
    message: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return explain(self.message, self.reasons)


@dataclass(frozen=True)
class JobState:
    state: int
    message: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return explain(self.message, self.reasons)


def explain(message: str, reasons: tuple[str, ...], unsaid: str = "打印服务未说明原因") -> str:
    """The printer's own message, with its reason keywords said in Chinese; ``unsaid``
    when CUPS gave neither (it marks a cancelled job only processing-to-stop-point)."""
    said = []
    for keyword in reasons:
        base = re.sub(r"-(report|warning|error)$", "", keyword)
        if base in REASONS and REASONS[base] not in said:
            said.append(REASONS[base])
    parts = [*said, message.strip()] if message.strip() else said
    return "，".join(p for p in parts if p) or unsaid


class Cups:
    """Reads a queue's and a job's state over IPP; ``lp`` and ``cancel`` do the rest."""

    def __init__(self) -> None:
        self.socket, self.base = _server()

    def _post(self, path: str, body: bytes) -> tuple[int, dict[str, list[object]]]:
        import httpx  # at the first system print, not at start-up

        transport = httpx.HTTPTransport(uds=self.socket) if self.socket else None
        try:
            with httpx.Client(transport=transport, timeout=IPP_TIMEOUT) as client:
                answer = client.post(
                    self.base + path, content=body, headers={"Content-Type": "application/ipp"}
                )
        except httpx.HTTPError as exc:
            raise PrinterError(
                f"无法连接本机打印服务（CUPS）：{exc}。请确认打印服务已启动，稍后自动重试"
            ) from None
        if answer.status_code != 200:
            raise PrinterError(
                f"本机打印服务（CUPS）应答异常：HTTP {answer.status_code}，稍后自动重试"
            )
        return ipp_response(answer.content)

    def queue(self, name: str) -> QueueState | None:
        """The queue's state, or None when CUPS has no such queue."""
        uri = f"ipp://localhost/printers/{quote(name)}"
        wanted = [
            "printer-state", "printer-state-message", "printer-state-reasons",
            "printer-is-accepting-jobs",
        ]  # fmt: skip
        status, attrs = self._post(
            f"/printers/{quote(name)}",
            ipp_request(0x000B, [(0x45, "printer-uri", uri.encode()), *_wanted(wanted)]),
        )
        if status == 0x0406 or "printer-state" not in attrs:
            return None
        return QueueState(
            accepting=bool(_one(attrs, "printer-is-accepting-jobs", True)),
            stopped=_one(attrs, "printer-state", 3) == PRINTER_STOPPED,
            message=str(_one(attrs, "printer-state-message", "")),
            reasons=_keywords(attrs, "printer-state-reasons"),
        )

    def job(self, job_id: int) -> JobState | None:
        """The job's state, or None when CUPS no longer knows the job."""
        uri = f"ipp://localhost/jobs/{job_id}"
        wanted = ["job-state", "job-state-reasons", "job-printer-state-message"]
        status, attrs = self._post(
            "/jobs/", ipp_request(0x0009, [(0x45, "job-uri", uri.encode()), *_wanted(wanted)])
        )
        if status == 0x0406 or "job-state" not in attrs:
            return None
        return JobState(
            state=int(str(_one(attrs, "job-state", PENDING))),
            message=str(_one(attrs, "job-printer-state-message", "")),
            reasons=_keywords(attrs, "job-state-reasons"),
        )


def _wanted(names: list[str]) -> Iterator[tuple[int, str, bytes]]:
    for n, name in enumerate(names):
        yield 0x44, "" if n else "requested-attributes", name.encode()


def _one(attrs: dict[str, list[object]], name: str, default: object) -> object:
    values = attrs.get(name)
    return values[0] if values else default


def _keywords(attrs: dict[str, list[object]], name: str) -> tuple[str, ...]:
    return tuple(str(v) for v in attrs.get(name, []) if str(v) != "none")


def _run(argv: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv, input=data, capture_output=True, timeout=COMMAND_TIMEOUT,
            env={**os.environ, **_C_LOCALE}, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise PrinterError(f"本机打印服务（CUPS）无响应（{argv[0]} 超时），稍后自动重试") from None
    except OSError as exc:
        raise PrinterError(f"无法运行 {argv[0]}：{exc.strerror or exc}，请联系信息科") from None


class CupsPrinter:
    """``qt:QUEUE`` where CUPS is the printing system: ``lp`` with the PDF, then watched."""

    def __init__(
        self,
        target: PrintTarget,
        *,
        wait_seconds: float = WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        cups: Cups | None = None,
    ) -> None:
        self.target = target
        self.queue = target.address
        self.wait_seconds = wait_seconds
        self.sleep = sleep
        self.clock = clock
        self.cups = cups or Cups()
        self.last_job: int | None = None

    @property
    def label(self) -> str:
        return f"系统打印机“{self.queue}”"

    def send(self, payload: PrintPayload, name: str) -> None:
        self.check_queue()
        self.wait(self.submit(payload, name))

    def check_queue(self) -> None:
        """Refuse before submitting: a queue that rejects jobs or is stopped is said so."""
        state = self.cups.queue(self.queue)
        if state is None:
            raise PrinterError(
                f"找不到{self.label}：本机打印服务中没有这台打印机，请在设置中重新选择"
            )
        if not state.accepting:
            raise self.refused(state.reason)
        if state.stopped:
            raise self.stopped(state.reason)

    def refused(self, reason: str) -> PrinterError:
        return PrinterError(
            f"{self.label}拒绝接收任务：{reason}。请管理员恢复接收后点“立即重试”", permanent=True
        )

    def stopped(self, reason: str) -> PrinterError:
        return PrinterError(f"{self.label}已暂停：{reason}。恢复后自动续打")

    def submit(self, payload: PrintPayload, name: str) -> int:
        """Queue the PDF as it is (vector, text kept); returns CUPS's job id."""
        done = _run(["lp", "-d", self.queue, "-t", name, "-o", "job-sheets=none"], payload.pdf)
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        if done.returncode != 0:
            if "not accepting" in said:
                state = self.cups.queue(self.queue)
                raise self.refused(state.reason if state else said)
            if "does not exist" in said or "not found" in said.lower():
                raise PrinterError(f"找不到{self.label}：{said}。请在设置中重新选择")
            raise PrinterError(f"{self.label}未能接收任务：{said or '原因不明'}，稍后自动重试")
        found = re.search(r"request id is .*-(\d+)", done.stdout.decode("utf-8", "replace"))
        if found is None:
            raise PrinterError(f"{self.label}未返回任务号（{said}），稍后自动重试")
        self.last_job = int(found.group(1))
        return self.last_job

    def cancel(self, job_id: int) -> None:
        _run(["cancel", f"{self.queue}-{job_id}"])

    def wait(self, job_id: int) -> None:
        """Return when the job is completed; otherwise raise, having taken it back."""
        deadline = self.clock() + self.wait_seconds
        pause = POLL_FIRST
        while True:
            job = self.cups.job(job_id)
            if job is None:
                raise PrinterError(f"{self.label}的任务 {job_id} 已不在打印服务中，稍后自动重试")
            if job.state == COMPLETED:
                return
            if job.state == CANCELED:
                said = explain(job.message, job.reasons, "有人在打印服务或打印机上取消了任务")
                raise PrinterError(
                    f"{self.label}的任务被取消：{said}。如仍需打印请点“立即重试”", permanent=True
                )
            if job.state == ABORTED:
                said = explain(job.message, job.reasons, "打印服务处理该文件时出错")
                raise PrinterError(
                    f"{self.label}的任务被中止：{said}。请检查打印机驱动后点“立即重试”",
                    permanent=True,
                )
            if job.state == HELD:
                self.cancel(job_id)
                raise PrinterError(
                    f"{self.label}挂起了任务：{job.reason}。已撤回，请检查打印机设置后点“立即重试”",
                    permanent=True,
                )
            queue = self.cups.queue(self.queue)
            if job.state in (PENDING, JOB_STOPPED) and (queue is None or queue.stopped):
                self.cancel(job_id)
                raise self.stopped(queue.reason if queue else job.reason)
            if self.clock() >= deadline:
                self.cancel(job_id)
                raise PrinterError(
                    f"{self.label}超过 {self.wait_seconds:.0f} 秒未完成任务"
                    f"（{job.reason}），已撤回，稍后自动重试"
                )
            self.sleep(pause)
            pause = min(pause * 2, POLL_MAX)
