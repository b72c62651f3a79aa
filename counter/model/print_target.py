"""Where a station sends a document, written as one short string in the settings.

``pdf:`` (a folder of PDF files, the default), ``escpos-net:host:9100``,
``escpos-usb:04b8:0202``, ``escpos-serial:/dev/ttyS0[:baud]`` or ``qt:打印机名称``.
One string per document kind keeps the settings file readable and lets the dialog,
the environment and the file share one check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    PDF = "pdf"
    ESCPOS_NET = "escpos-net"
    ESCPOS_USB = "escpos-usb"
    ESCPOS_SERIAL = "escpos-serial"
    QT = "qt"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def escpos(self) -> bool:
        return self in (TargetKind.ESCPOS_NET, TargetKind.ESCPOS_USB, TargetKind.ESCPOS_SERIAL)


_LABELS = {
    TargetKind.PDF: "PDF 文件夹",
    TargetKind.ESCPOS_NET: "网络小票打印机",
    TargetKind.ESCPOS_USB: "USB 小票打印机",
    TargetKind.ESCPOS_SERIAL: "串口小票打印机",
    TargetKind.QT: "系统打印机",
}

EXAMPLES = (
    "pdf:、escpos-net:192.168.1.50:9100、escpos-usb:04b8:0202、"
    "escpos-serial:/dev/ttyS0、qt:打印机名称"
)


@dataclass(frozen=True)
class PrintTarget:
    kind: TargetKind
    address: str = ""  # folder, host, device file or printer name
    port: int = 0  # TCP port, or serial baud rate
    vendor: int = 0
    product: int = 0

    @property
    def text(self) -> str:
        if self.kind is TargetKind.PDF:
            return f"pdf:{self.address}"
        if self.kind is TargetKind.ESCPOS_NET:
            return f"escpos-net:{self.address}:{self.port}"
        if self.kind is TargetKind.ESCPOS_USB:
            return f"escpos-usb:{self.vendor:04x}:{self.product:04x}"
        if self.kind is TargetKind.ESCPOS_SERIAL:
            return f"escpos-serial:{self.address}:{self.port}"
        return f"qt:{self.address}"

    @property
    def description(self) -> str:
        if self.kind is TargetKind.PDF:
            return f"PDF 文件夹 {self.address}" if self.address else "PDF 文件夹（prints）"
        return f"{self.kind.label} {self.text.partition(':')[2]}"


def _hex16(text: str, what: str) -> int:
    if re.fullmatch(r"(0x)?[0-9a-fA-F]{1,4}", text.strip()) is None:
        raise ValueError(f"USB {what}应为 4 位十六进制数，例如 04b8，现在是“{text}”")
    return int(text.strip().removeprefix("0x"), 16)


def parse_target(text: str) -> PrintTarget:
    """The target a string names; ``ValueError`` with a Chinese message saying what is wrong."""
    text = text.strip()
    if not text:
        return PrintTarget(TargetKind.PDF)
    scheme, sep, rest = text.partition(":")
    try:
        kind = TargetKind(scheme.strip().lower())
    except ValueError:
        raise ValueError(f"无法识别打印机“{text}”，应形如 {EXAMPLES}") from None
    if not sep and kind is not TargetKind.PDF:
        raise ValueError(f"“{text}”缺少地址，应形如 {EXAMPLES}")
    rest = rest.strip()
    if kind is TargetKind.PDF:
        return PrintTarget(kind, rest)
    if kind is TargetKind.QT:
        if not rest:
            raise ValueError("系统打印机需要写明名称，例如 qt:HP LaserJet")
        return PrintTarget(kind, rest)
    if kind is TargetKind.ESCPOS_NET:
        host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", "9100")
        if not host or re.fullmatch(r"[A-Za-z0-9.\-]+", host) is None:
            raise ValueError(f"网络打印机地址“{rest}”无效，应形如 192.168.1.50:9100")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(f"网络打印机端口“{port}”无效，应为 1–65535，小票打印机通常是 9100")
        return PrintTarget(kind, host, int(port))
    if kind is TargetKind.ESCPOS_USB:
        vendor, _, product = rest.partition(":")
        if not product:
            raise ValueError(f"USB 打印机应写 厂商号:产品号，例如 04b8:0202，现在是“{rest}”")
        return PrintTarget(kind, vendor=_hex16(vendor, "厂商号"), product=_hex16(product, "产品号"))
    device, baud = rest, ""
    if ":" in rest and rest.rsplit(":", 1)[1].strip().isdigit():
        device, _, baud = rest.rpartition(":")
    if not device:
        raise ValueError("串口打印机需要写明串口，例如 escpos-serial:/dev/ttyS0 或 COM3")
    if baud and (not baud.isdigit() or int(baud) not in _BAUDS):
        raise ValueError(f"串口波特率“{baud}”无效，应为 {'、'.join(map(str, _BAUDS))} 之一")
    return PrintTarget(kind, device, int(baud) if baud else 9600)


_BAUDS = (9600, 19200, 38400, 57600, 115200)


def check_target(value: object) -> str:
    """For the settings table: the canonical text of a valid target ('' stays '')."""
    if not isinstance(value, str):
        raise ValueError("应为文字")
    if not value.strip():
        return ""
    return parse_target(value).text
