"""The gift pack of one 企业开办 case: each line's readiness and its handover.

Lines are made from the hall's contents list (:mod:`counter.model.giftpack`) the first
time the case's pack is opened, with ids made from the case and the line's position so
two windows opening it offline make the same rows. A handover takes only lines that are
at the window of a case 办结（准予）, records who took them (the applicant, or an agent
whose 代办委托 covers the case, the name and the ID number both matching the record),
and may leave lines for a later visit at any window. Once the seals are handed over,
the free seal voucher is no longer printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from counter.model.cases import Case, CaseState, Delivery
from counter.model.cases import check_recipient as check_recipient
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.giftpack import GiftPackLine
from counter.model.intake import ApplicantKind
from counter.model.visits import Authorisation

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


def check_case_approved(case: Case, approved_before: bool) -> None:
    """The pack holds the results of the case: handed over once it is 办结（准予）, or after
    its 出件 when that followed an approval (``approved_before``, from its events)."""
    if case.state is CaseState.APPROVED:
        return
    if case.state is CaseState.DELIVERED and approved_before:
        return
    raise NotAllowedError(
        f"办件 {case.number}（{case.title}）当前状态为“{case.state.value}”，"
        f"须{CaseState.APPROVED.value}后才能交付大礼包物品"
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def check_applicant_collects(
    case: Case, legal_rep: str, who: str, id_number: str, others: Sequence[tuple[str, str]]
) -> None:
    """申请人本人: a person applicant by their name and ID number together; an enterprise
    by its 法定代表人, whose name is on record (the ID number is not), and whose ID number
    must not be that of anyone else on record (``others``: (name, ID) of the agents)."""
    if case.applicant_kind == ApplicantKind.PERSON.value:
        if id_number != case.applicant_id_number:
            raise ValidationError(
                "recipient_id",
                f"领取人身份证号与申请人（{case.applicant_name}）登记的不符；"
                "他人代领请选择“代办人”并凭代办委托",
            )
        if not _same_name(who, case.applicant_name):
            raise ValidationError(
                "recipient_name", f"领取人姓名“{who}”与申请人“{case.applicant_name}”不符"
            )
        return
    if not legal_rep:
        raise NotAllowedError(
            f"{case.applicant_name} 没有登记法定代表人，无法核对本人；请由代办人凭代办委托领取"
        )
    if not _same_name(who, legal_rep):
        raise ValidationError(
            "recipient_name",
            f"申请人本人领取须由法定代表人“{legal_rep}”本人凭身份证领取，“{who}”不是；"
            "他人代领请选择“代办人”并凭代办委托",
        )
    for name, number in others:
        if number == id_number and not _same_name(name, who):
            raise ValidationError(
                "recipient_id", f"此身份证号登记在“{name}”名下，与领取人“{who}”不符，请核对本人证件"
            )


def check_agent_collects(auth: Authorisation, who: str) -> None:
    """代办人: the 代办委托 found by the ID number must name the person at the window."""
    if not _same_name(who, auth.agent_name):
        raise ValidationError(
            "recipient_name",
            f"领取人姓名“{who}”与代办委托不符：此身份证号的受托代办人是“{auth.agent_name}”，"
            "请核对本人证件",
        )


def is_seal(line: PackLine) -> bool:
    """公章, 财务专用章, 发票专用章, 法定代表人名章, 合同专用章 …: what the voucher pays for."""
    return line.name.endswith("章")


def check_voucher_allowed(lines: Sequence[PackLine], handovers: Sequence[HandoverRecord]) -> None:
    """免费刻章凭证 is for seals not yet made: refused once seals of the pack were handed
    over, saying when and to whom."""
    handed = [x for x in lines if is_seal(x) and x.readiness is LineReadiness.HANDED]
    if not handed:
        return
    told = []
    for record in sorted(handovers, key=lambda h: h.at):
        names = [x.name for x in handed if x.handover_id == record.id]
        if names:
            to = (
                f"交给{record.recipient_name}（{record.recipient_kind}）"
                if record.method is Delivery.PICKUP
                else f"邮寄至{record.address}（运单 {record.waybill}）"
            )
            told.append(f"{'、'.join(names)}已于 {record.at:%Y-%m-%d %H:%M} {to}")
    if not told:
        told.append(f"{'、'.join(x.name for x in handed)}已领取")
    raise NotAllowedError("；".join(told) + "，不能再打印免费刻章凭证")


@dataclass(frozen=True)
class GiftPackFigures:
    """One month of gift packs, for the hall's figures (issue 8 statistics page)."""

    month: str  # YYYY-MM
    packs_completed: int  # every line handed over within the month
    handovers: int  # handovers recorded (partial ones count each)
    seal_sets_free: int  # free seal-engraving vouchers issued
    items_posted: int  # lines sent by post
