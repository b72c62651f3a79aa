from __future__ import annotations

import pytest

from counter.model.errors import ValidationError
from counter.model.print_target import PrintTarget, TargetKind, check_target, parse_target
from counter.model.settings import Settings


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("", PrintTarget(TargetKind.PDF)),
        ("pdf:", PrintTarget(TargetKind.PDF)),
        ("pdf:/srv/prints", PrintTarget(TargetKind.PDF, "/srv/prints")),
        ("escpos-net:192.168.1.50:9100", PrintTarget(TargetKind.ESCPOS_NET, "192.168.1.50", 9100)),
        ("escpos-net:printer-3", PrintTarget(TargetKind.ESCPOS_NET, "printer-3", 9100)),
        ("escpos-usb:04b8:0202", PrintTarget(TargetKind.ESCPOS_USB, vendor=0x04B8, product=0x0202)),
        ("escpos-serial:/dev/ttyS0", PrintTarget(TargetKind.ESCPOS_SERIAL, "/dev/ttyS0", 9600)),
        ("escpos-serial:COM3:115200", PrintTarget(TargetKind.ESCPOS_SERIAL, "COM3", 115200)),
        ("qt:HP LaserJet 办公室", PrintTarget(TargetKind.QT, "HP LaserJet 办公室")),
    ],
)
def test_targets_parse(text: str, target: PrintTarget) -> None:
    assert parse_target(text) == target
    assert parse_target(target.text) == target


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lpt1", "无法识别打印机"),
        ("escpos-net:192.168.1.50:99999", "端口"),
        ("escpos-net:bad host", "地址"),
        ("escpos-usb:04b8", "厂商号:产品号"),
        ("escpos-usb:zz:0202", "十六进制"),
        ("escpos-serial:/dev/ttyS0:1234", "波特率"),
        ("qt:", "名称"),
    ],
)
def test_bad_targets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_target(text)


def test_settings_store_the_canonical_target() -> None:
    assert check_target(" escpos-net:10.0.0.5 ") == "escpos-net:10.0.0.5:9100"
    assert Settings({"document_printer": "qt:Office"})["document_printer"] == "qt:Office"


def test_settings_refuse_a_bad_printer_naming_the_setting() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings({"ticket_printer": "escpos-net:host:0"})
    assert caught.value.field == "ticket_printer"
    assert "小票打印机" in caught.value.message
