"""Where bytes go: a PDF folder, an ESC/POS printer (network, USB, serial), or a system
printer — through CUPS (:mod:`counter.services.cups_printer`) where it is the printing
system, else through Qt (registered by the UI; Windows).

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
from counter.printing import escpos_status

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


def warning_of(printer: Printer) -> str:
    """What the printer said after a job it took that the clerk should still hear
    (a thermal roll nearly used up); printers that have nothing to say lack it."""
    return str(getattr(printer, "warning", "") or "")


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
    """Raw TCP (port 9100) with timeouts, asking cover and paper first where it answers."""

    def __init__(self, target: PrintTarget, timeout: float = IO_TIMEOUT) -> None:
        self.target = target
        self.timeout = timeout
        self.warning = ""

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
                status = escpos_status.read_status(lambda command: self._ask(sock, command))
                if problem := status.problem(f"小票打印机 {where} "):
                    raise PrinterError(problem)
                self.warning = status.warning(f"小票打印机 {where} ")
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
    def _ask(sock: socket.socket, command: bytes) -> bytes | None:
        """One DLE EOT query; a printer that does not answer in time gives no verdict."""
        sock.settimeout(STATUS_TIMEOUT)
        try:
            sock.sendall(command)
            return sock.recv(16)
        except TimeoutError:
            return None


class EscposDevicePrinter:
    """USB or serial through python-escpos; built on each send so a replugged printer works."""

    def __init__(self, target: PrintTarget, make: Callable[[], Any]) -> None:
        self.target = target
        self.make = make
        self.warning = ""

    def send(self, payload: PrintPayload, name: str) -> None:
        data = _needs_escpos(payload, self.target)
        label = self.target.description
        device = self.make()
        try:
            try:
                device.open()
            except Exception as exc:  # python-escpos wraps the drivers' errors in its own
                raise device_error(self.target, exc) from None
            _use_device_endpoints(device)
            status = escpos_status.read_status(lambda command: _device_ask(device, command))
            if problem := status.problem(f"{label} "):
                raise PrinterError(problem)
            self.warning = status.warning(f"{label} ")
            try:
                device._raw(data)
            except Exception as exc:
                raise PrinterError(
                    f"向{label}发送中断：{exc}。请检查连接线和电源，稍后自动重试"
                ) from None
        finally:
            with contextlib.suppress(Exception):  # closing a device that never opened
                device.close()


_DENIED = ("errno 13", "access denied", "permission denied", "insufficient permissions")
_ABSENT = ("errno 2", "errno 19", "not found", "no such file", "no such device", "not plugged")


def device_error(target: PrintTarget, exc: BaseException) -> PrinterError:
    """A USB or serial printer that would not open, said so the clerk knows who acts.

    Missing rights and a missing USB library are fixed by the IT desk, not by waiting:
    permanent, so the job waits for 立即重试 instead of retrying all day. A printer that
    is unplugged or off comes back by itself: retried after the backoff.
    """
    label = target.description
    text = str(exc).lower()
    if any(word in text for word in _DENIED):
        return PrinterError(
            f"没有权限访问{label}：请信息科为本机开通打印机权限（Linux 上为 udev 规则或 "
            "lp/dialout 用户组），之后点“立即重试”",
            permanent=True,
        )
    if "no backend" in text:
        return PrinterError(
            f"本机缺少 USB 驱动库 libusb，无法使用{label}：请联系信息科安装", permanent=True
        )
    if any(word in text for word in _ABSENT):
        where = "厂商号:产品号" if target.kind is TargetKind.ESCPOS_USB else "串口名"
        return PrinterError(
            f"找不到{label}：请检查打印机电源和连接线，并核对设置中的{where}；接好后自动续打"
        )
    return PrinterError(f"{label}无法打开：{exc}。请检查连接线和电源，稍后自动重试")


def _use_device_endpoints(device: Any) -> None:
    """Point a python-escpos ``Usb`` at the printer's own bulk endpoints.

    python-escpos assumes OUT 0x01 / IN 0x82; many Chinese thermal printers use other
    numbers (0x02/0x81, 0x03/0x81), and writing to an endpoint that does not exist fails
    every job. The interface descriptor says which they are; anything else is left as is.
    """
    port = getattr(device, "device", None)
    if port is None or not hasattr(port, "get_active_configuration"):
        return  # a serial port, or nothing to ask
    try:
        import usb.util

        interface = port.get_active_configuration()[(0, 0)]
        for endpoint in interface:
            address = endpoint.bEndpointAddress
            if usb.util.endpoint_type(endpoint.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
                continue
            if usb.util.endpoint_direction(address) == usb.util.ENDPOINT_OUT:
                device.out_ep = address
            else:
                device.in_ep = address
    except Exception:  # an odd descriptor: keep python-escpos's defaults
        return


def _device_ask(device: Any, command: bytes) -> bytes | None:
    """One DLE EOT query on an open USB or serial printer, waiting ``STATUS_TIMEOUT``;
    a one-way cable or a printer that stays silent gives no verdict."""
    try:
        device._raw(command)
        port = device.device
        if hasattr(port, "in_waiting"):  # pyserial
            before = port.timeout
            port.timeout = STATUS_TIMEOUT
            try:
                return bytes(port.read(16))
            finally:
                port.timeout = before
        return bytes(port.read(device.in_ep, 16, int(STATUS_TIMEOUT * 1000)))
    except Exception:
        return None


def _usb(target: PrintTarget) -> Any:
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise PrinterError(
            f"本机未安装{target.description}所需的 pyusb：请联系信息科重新安装本程序",
            permanent=True,
        )
    return Usb(target.vendor, target.product, timeout=int(IO_TIMEOUT * 1000))


def _serial(target: PrintTarget) -> Any:
    from escpos.printer import Serial

    if not Serial.is_usable():
        raise PrinterError(
            f"本机未安装{target.description}所需的 pyserial：请联系信息科重新安装本程序",
            permanent=True,
        )
    return Serial(target.address, baudrate=target.port, timeout=IO_TIMEOUT)


Factory = Callable[[PrintTarget], Printer]
_registered: dict[TargetKind, Factory] = {}


def register_target(kind: TargetKind, factory: Factory) -> None:
    """The UI registers the Qt system printer here (only it may import Qt); it is used
    where CUPS is not (Windows), CUPS printing needing no Qt at all."""
    _registered[kind] = factory


def open_printer(text: str, default_folder: Path) -> Printer:
    """The printer a target string names; an unusable one raises :class:`PrinterError`."""
    try:
        target = parse_target(text)
    except ValueError as exc:
        raise PrinterError(f"打印机设置“{text}”无效：{exc}") from None
    if target.kind is TargetKind.QT:
        from counter.services import cups_printer

        if cups_printer.available():  # the vector PDF to CUPS, followed to its end
            return cups_printer.CupsPrinter(target)
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
