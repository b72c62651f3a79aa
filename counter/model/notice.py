"""What a written notice says, as plain data: intake produces it, printing lays it out.

Keeping the content apart from the layout means the text a clerk previews on screen
and the PDF the applicant signs can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class NoticeKind(StrEnum):
    ACCEPTED = "受理通知书"
    SUPPLEMENT = "一次性告知书"  # 补正材料通知书: every missing material, at once
    REJECTED = "不予受理通知书"
    NO_LICENCE_NEEDED = "不需许可告知书"
    RONGQUE = "容缺受理通知书"  # with the applicant's 承诺书
    COMPLETED = "办结通知书"
    HANDED_OVER = "出件回执"
    PAUSED = "中止（暂停计时）告知书"  # Art. 45: hearings, testing, expert review do not count
    EXTENDED = "延期办理告知书"  # Art. 42: ten more working days, the head approving
    TERMINATED = "终止办理告知书"  # e.g. a 容缺 promise not kept


@dataclass(frozen=True)
class NoticeParty:
    """Who the notice is addressed to; id and phone in full, masked only at layout time."""

    name: str
    id_kind: str  # "统一社会信用代码" or "居民身份证"
    id_number: str
    phone: str = ""
    agent_name: str = ""
    agent_id_number: str = ""


@dataclass(frozen=True)
class NoticeMaterial:
    name: str
    form: str = ""  # 原件 / 复印件 / 电子
    copies: int = 0
    note: str = ""  # e.g. "共享数据免提交（公安人口库）"


@dataclass(frozen=True)
class PromiseLine:
    """One material the applicant promises to bring later (容缺), and by when."""

    material: str
    due: date


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    case_number: str
    hall_name: str
    issued_at: datetime
    applicant: NoticeParty
    items: tuple[str, ...]  # item names, in order
    clerk: str
    window: str
    received: tuple[NoticeMaterial, ...] = ()
    missing: tuple[NoticeMaterial, ...] = ()  # for 一次性告知: ALL of them
    promises: tuple[PromiseLine, ...] = ()
    deadline: str = ""  # label of the promised deadline, e.g. "2026-12-04 17:30"
    deadline_provisional: bool = False  # print 暂定 beside it
    reason: str = ""  # why: 不予受理 / 不需许可 / 中止 / 延期 / 终止
    correction: str = ""  # 当场更正后受理: what the applicant corrected at the window
    other_office: str = ""  # 不予受理: the office to go to
    remedies: str = ""  # right to 行政复议 / 行政诉讼
    contact: str = ""  # the hall's phone for questions
    extra_lines: tuple[str, ...] = field(default_factory=tuple)
    rating_url: str = ""  # 好差评: printed as a QR code on the hand-over receipt
    legal_deadline: str = ""  # 法定办结期限: 延期 the extended one, 中止 the one before the pause
    paused_since: date | None = None  # 中止: the day the clock stopped
    extension_days: int = 0  # 延期: working days added (Art. 42: ten)
    approver: str = ""  # 延期: who approved it (the head of the office, 值班长 at the hall)
    recipient_name: str = ""  # 出件回执: who collected at the window (masked ID at layout)
    recipient_id_number: str = ""

    @property
    def title(self) -> str:
        return self.kind.value
