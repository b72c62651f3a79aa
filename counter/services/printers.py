"""Where bytes go: a PDF folder, an ESC/POS printer (network, USB, serial), or — registered
by the UI — a system printer through Qt.

Every target has one method, ``send``; every failure is a :class:`PrinterError` with a
Chinese message that tells the clerk what to do. The spool keeps the job and retries;
nothing here decides that a print is lost.

These transports sit in services, not in :mod:`counter.printing`, because they open
sockets, files and devices: printing only turns records into bytes, and the service
that owns the spool owns the connections the bytes go out on.
"""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from counter.model.errors import FaultError
from counter.model.print_job import PrintPayload
from counter.model.print_target import PrintTarget, TargetKind, parse_target

DLE_EOT_PAPER = b"\x10\x04\x04"  # transmit roll paper sensor status
PAPER_OUT = 0x60
# Every ESC/POS status byte has bits 1 and 4 set and bits 0 and 7 clear.
STATUS_FIXED_MASK = 0x93
STATUS_FIXED_BITS = 0x12
CONNECT_TIMEOUT = 3.0
IO_TIMEOUT = 10.0
STATUS_TIMEOUT = 0.5


class PrinterError(FaultError):
    """The printer could not take the job. ``permanent``: retrying the same target is pointless."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Printer(Protocol):
    target: PrintTarget

    def send(self, payload: PrintPayload, name: str) -> None:
        """Print (or store) the document; raise :class:`PrinterError` if it did not."""


def _needs_escpos(payload: PrintPayload, target: PrintTarget) -> bytes:
    if payload.escpos is None:
        raise PrinterError(
            f"“{payload.title}”是 A4/A5 文书，{target.kind.label}只能打印小票和回执；"
            "请在设置中为文书选择 PDF 或系统打印机后重印",
            permanent=True,
        )
    return payload.escpos


class PdfFolderPrinter:
    """The embedded default: each job a PDF file, written whole (temp file, then rename)."""

    def __init__(self, target: PrintTarget, default_folder: Path) -> None:
        self.target = target
        self.folder = Path(target.address).expanduser() if target.address else default_folder

    def send(self, payload: PrintPayload, name: str) -> None:
        safe = re.sub(r"[^\w\-.]+", "_", name).strip("_") or "document"
        path = self.folder / f"{safe}.pdf"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(payload.pdf)
            tmp.replace(path)
        except OSError as exc:
            raise PrinterError(
                f"无法写入 PDF 文件夹 {self.folder}：{exc.strerror or exc}。请检查磁盘空间和权限"
            ) from None


class EscposNetworkPrinter:
    """Raw TCP (port 9100) with timeouts, asking the paper sensor first where it answers."""

    def __init__(self, target: PrintTarget, timeout: float = IO_TIMEOUT) -> None:
        self.target = target
        self.timeout = timeout

    @property
    def where(self) -> str:
        return f"{self.target.address}:{self.target.port}"

    def send(self, payload: PrintPayload, name: str) -> None:
        data = _needs_escpos(payload, self.target)
        where = self.where
        try:
            sock = socket.create_connection(
                (self.target.address, self.target.port), timeout=min(CONNECT_TIMEOUT, self.timeout)
            )
        except ConnectionRefusedError:
            raise PrinterError(
                f"小票打印机 {where} 拒绝连接：请检查打印机是否开机、端口是否为 9100"
            ) from None
        except TimeoutError:
            raise PrinterError(
                f"连接小票打印机 {where} 超时：请检查打印机电源和网线，恢复后自动续打"
            ) from None
        except socket.gaierror:
            raise PrinterError(
                f"找不到小票打印机“{self.target.address}”：请核对设置中的地址"
            ) from None
        except OSError as exc:
            raise PrinterError(f"无法连接小票打印机 {where}：{exc.strerror or exc}") from None
        with sock:
            try:
                if self._paper_out(sock):
                    raise PrinterError(f"小票打印机 {where} 缺纸：请装纸，装好后自动续打")
                sock.settimeout(self.timeout)
                sock.sendall(data)
            except TimeoutError:
                raise PrinterError(
                    f"向小票打印机 {where} 发送超时：打印机可能卡纸或忙，稍后自动重试"
                ) from None
            except OSError as exc:
                raise PrinterError(
                    f"向小票打印机 {where} 发送中断：{exc.strerror or exc}，稍后自动重试"
                ) from None

    @staticmethod
    def _paper_out(sock: socket.socket) -> bool:
        """DLE EOT 4; a printer that does not answer in time is taken to have paper."""
        sock.settimeout(STATUS_TIMEOUT)
        try:
            sock.sendall(DLE_EOT_PAPER)
            answer = sock.recv(1)
        except TimeoutError:
            return False
        if not answer or answer[0] & STATUS_FIXED_MASK != STATUS_FIXED_BITS:
            return False  # not a status byte (some other device answered): no verdict
        return bool(answer[0] & PAPER_OUT)


class EscposDevicePrinter:
    """USB or serial through python-escpos; built on each send so a replugged printer works."""

    def __init__(self, target: PrintTarget, make: Callable[[], Any]) -> None:
        self.target = target
        self.make = make

    def send(self, payload: PrintPayload, name: str) -> None:
        data = _needs_escpos(payload, self.target)
        label = self.target.description
        device = self.make()
        try:
            device.open()
            device._raw(data)
        except Exception as exc:  # python-escpos raises its own and the drivers' errors
            raise PrinterError(f"{label}无法打印：{exc}。请检查连接线和电源") from None
        finally:
            with contextlib.suppress(Exception):  # closing a device that never opened
                device.close()


def _usb(target: PrintTarget) -> Any:
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise PrinterError(f"本机未安装{target.description}所需的 pyusb，请联系信息科")
    return Usb(target.vendor, target.product, timeout=int(IO_TIMEOUT * 1000))


def _serial(target: PrintTarget) -> Any:
    from escpos.printer import Serial

    if not Serial.is_usable():
        raise PrinterError(f"本机未安装{target.description}所需的 pyserial，请联系信息科")
    return Serial(target.address, baudrate=target.port, timeout=IO_TIMEOUT)


Factory = Callable[[PrintTarget], Printer]
_registered: dict[TargetKind, Factory] = {}


def register_target(kind: TargetKind, factory: Factory) -> None:
    """The UI registers the Qt system printer here (only it may import Qt)."""
    _registered[kind] = factory


def open_printer(text: str, default_folder: Path) -> Printer:
    """The printer a target string names; an unusable one raises :class:`PrinterError`."""
    try:
        target = parse_target(text)
    except ValueError as exc:
        raise PrinterError(f"打印机设置“{text}”无效：{exc}") from None
    if target.kind in _registered:
        return _registered[target.kind](target)
    if target.kind is TargetKind.PDF:
        return PdfFolderPrinter(target, default_folder)
    if target.kind is TargetKind.ESCPOS_NET:
        return EscposNetworkPrinter(target)
    if target.kind is TargetKind.ESCPOS_USB:
        return EscposDevicePrinter(target, lambda: _usb(target))
    if target.kind is TargetKind.ESCPOS_SERIAL:
        return EscposDevicePrinter(target, lambda: _serial(target))
    raise PrinterError(f"本机不能使用{target.kind.label}（{target.address}）：需要在桌面程序中打印")
