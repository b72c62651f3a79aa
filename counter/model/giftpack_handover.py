"""The gift pack of one 企业开办 case: each line's readiness and its handover.

Lines are made from the hall's contents list (:mod:`counter.model.giftpack`) the first
time the case's pack is opened, with ids made from the case and the line's position so
two windows opening it offline make the same rows. A handover takes only lines that are
at the window, records who took them (the applicant, or an agent whose 代办委托 covers
the case), and may leave lines for a later visit at any window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from counter.model.cases import Delivery, check_delivery
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.giftpack import GiftPackLine
from counter.model.identity import check_resident_id

#: The one-thing bundle whose cases get a pack.
STARTUP_BUNDLE = "YJS-QYKB"


class LineReadiness(StrEnum):
    PENDING = "待制作"
    AT_WINDOW = "已到窗口"
    HANDED = "已领取"


@dataclass(frozen=True)
class PackLine:
    id: str
    case_id: str
    position: int
    name: str
    quantity: int
    unit: str
    readiness: LineReadiness
    handover_id: str = ""
    note: str = ""

    @property
    def paper_line(self) -> GiftPackLine:
        return GiftPackLine(self.name, self.quantity, self.unit, self.note)


def line_id(case_id: str, position: int) -> str:
    return f"{case_id}:{position:02d}"


def pack_lines(case_id: str, contents: Sequence[GiftPackLine]) -> tuple[PackLine, ...]:
    return tuple(
        PackLine(line_id(case_id, n), case_id, n, c.name, c.quantity, c.unit,
                 LineReadiness.PENDING, note=c.note)
        for n, c in enumerate(contents, start=1)
    )  # fmt: skip


def mark(line: PackLine, readiness: LineReadiness) -> PackLine:
    """Move a line between 待制作 and 已到窗口; 已领取 only through a handover."""
    if line.readiness is LineReadiness.HANDED:
        raise NotAllowedError(f"“{line.name}”已领取，不能再改状态")
    if readiness is LineReadiness.HANDED:
        raise NotAllowedError(f"“{line.name}”须通过领取登记标为已领取")
    return replace(line, readiness=readiness)


class RecipientKind(StrEnum):
    APPLICANT = "申请人本人"
    AGENT = "代办人"


@dataclass(frozen=True)
class HandoverRecord:
    """One handover at a window: which lines, to whom (or by post), by which clerk."""

    id: str
    case_id: str
    case_number: str
    line_ids: tuple[str, ...]
    names: tuple[str, ...]
    method: Delivery
    recipient_kind: str
    recipient_name: str
    recipient_id: str
    authorisation_id: str
    address: str
    waybill: str
    staff_id: str
    staff_name: str
    window: str
    at: datetime


def check_lines_to_hand(lines: Sequence[PackLine], chosen: Sequence[str]) -> tuple[PackLine, ...]:
    """The chosen lines, each at the window; one not ready refuses the whole handover."""
    if not chosen:
        raise ValidationError("lines", "请勾选本次交付的物品")
    by_id = {line.id: line for line in lines}
    picked = []
    for line_id_ in chosen:
        line = by_id.get(line_id_)
        if line is None:
            raise ValidationError("lines", "所选物品不属于此办件的大礼包")
        if line.readiness is LineReadiness.HANDED:
            raise NotAllowedError(f"“{line.name}”已经领取，不能重复交付")
        if line.readiness is not LineReadiness.AT_WINDOW:
            raise NotAllowedError(f"“{line.name}”尚未到窗口（{line.readiness.value}），不能交付")
        picked.append(line)
    return tuple(sorted(picked, key=lambda line: line.position))


def check_recipient(name: str, id_number: str, today: date) -> tuple[str, str]:
    """The person at the window: name and an ID number that passes its checks."""
    who = " ".join(name.split())
    if len(who) < 2:
        raise ValidationError("recipient_name", "请填写领取人姓名")
    check = check_resident_id(id_number, today)
    if not check.ok:
        raise ValidationError("recipient_id", f"领取人{check.errors[0]}")
    return who, check.value


def check_post(address: str, waybill: str) -> tuple[str, str]:
    return check_delivery(Delivery.POST, address, waybill)


@dataclass(frozen=True)
class GiftPackFigures:
    """One month of gift packs, for the hall's figures (issue 8 statistics page)."""

    month: str  # YYYY-MM
    packs_completed: int  # every line handed over within the month
    handovers: int  # handovers recorded (partial ones count each)
    seal_sets_free: int  # free seal-engraving vouchers issued
    items_posted: int  # lines sent by post
