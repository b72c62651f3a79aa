"""企业开办大礼包: what a new enterprise takes home in one visit, as plain data.

The contents differ by hall (some give a UKey, some a policy booklet of their own), so
the list is data: a default here, and a hall's own TOML list parsed by
:func:`parse_contents`. Papers printed from these objects mask IDs at layout time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime

from counter.model.errors import ValidationError


@dataclass(frozen=True)
class GiftPackLine:
    name: str
    quantity: int = 1
    unit: str = "份"
    note: str = ""


DEFAULT_CONTENTS: tuple[GiftPackLine, ...] = (
    GiftPackLine("营业执照正本", 1, "份"),
    GiftPackLine("营业执照副本", 1, "份"),
    GiftPackLine("公章", 1, "枚"),
    GiftPackLine("财务专用章", 1, "枚"),
    GiftPackLine("发票专用章", 1, "枚"),
    GiftPackLine("法定代表人名章", 1, "枚"),
    GiftPackLine("税务UKey", 1, "个"),
    GiftPackLine("首套发票", 1, "套"),
    GiftPackLine("政策汇编", 1, "本"),
    GiftPackLine("办事指南", 1, "本"),
)

#: The seals engraved free of charge (the voucher lists them).
DEFAULT_SEALS: tuple[str, ...] = ("公章", "财务专用章", "发票专用章", "法定代表人名章")


def parse_contents(text: str, source: str = "大礼包清单") -> tuple[GiftPackLine, ...]:
    """A hall's own list: ``[[item]]`` tables with ``name``, ``quantity``, ``unit``, ``note``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("giftpack", f"{source}格式有误：{exc}") from None
    raw = data.get("item")
    if not isinstance(raw, list) or not raw:
        raise ValidationError("giftpack", f"{source}中没有任何 [[item]] 条目")
    lines = []
    for n, entry in enumerate(raw, start=1):
        name = str(entry.get("name", "")).strip() if isinstance(entry, dict) else ""
        if not name:
            raise ValidationError("giftpack", f"{source}第 {n} 条缺少名称 name")
        quantity = entry.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ValidationError("giftpack", f"{source}第 {n} 条“{name}”的数量应为正整数")
        lines.append(
            GiftPackLine(name, quantity, str(entry.get("unit", "份")), str(entry.get("note", "")))
        )
    return tuple(lines)


@dataclass(frozen=True)
class Recipient:
    """Who signs for the pack; ID and phone in full, masked on paper by default."""

    name: str
    id_number: str
    phone: str = ""


@dataclass(frozen=True)
class Handover:
    """领取确认单: one line per item, ticked and signed for at the window."""

    hall_name: str
    case_number: str
    enterprise_name: str
    uscc: str
    recipient: Recipient
    clerk: str
    window: str
    handed_at: datetime
    lines: tuple[GiftPackLine, ...] = DEFAULT_CONTENTS
    contact: str = ""


@dataclass(frozen=True)
class SealVoucher:
    """免费刻章凭证: the enterprise takes it to the engraver; the hall pays."""

    hall_name: str
    voucher_number: str
    case_number: str
    enterprise_name: str
    uscc: str
    legal_rep: str
    issued_at: datetime
    valid_until: date
    clerk: str
    engraver: str = ""  # 指定刻章单位 and its address
    seals: tuple[str, ...] = DEFAULT_SEALS
    contact: str = ""


@dataclass(frozen=True)
class MailingSlip:
    """邮寄单: when the results are posted rather than collected."""

    hall_name: str
    case_number: str
    recipient: Recipient
    address: str
    issued_at: datetime
    clerk: str
    contents: tuple[str, ...]
    postcode: str = ""
    sender_address: str = ""
    sender_phone: str = ""
    waybill: str = ""
