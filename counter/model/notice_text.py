"""The words of every written notice, once: the on-screen preview and the PDF both show these.

The preview and the PDF used to word the same notice each in their own way, so the
clerk previewed one text and the applicant signed another (issue 26: the preview left
out the 行政许可法 Art. 32 basis and said 代办人 for 代理人). Now :func:`notice_paragraphs`
is the only place a notice is worded. A renderer decides fonts, gaps, rules and where
the codes go; it never adds, drops or rewords a line.

What it returns is a sequence of typed blocks rather than one string because the paper
sets materials out as ruled tables, a grey label before each field and the seal place
beside the signature, and the screen should look like the paper it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from counter.model.identity import mask_id, mask_phone
from counter.model.notice import Notice, NoticeKind, NoticeMaterial, NoticeParty

#: The 统一社会信用代码 is printed on the licence and published in the credit registry.
CREDIT_CODE = "统一社会信用代码"

DEFAULT_REMEDIES = (
    "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
)

PROMISE_TEXT = (
    "本人（单位）承诺：所提交的申请材料真实、有效；上列暂缺材料将于所列期限前补齐。"
    "逾期未补齐或者承诺不实的，愿意承担相应法律责任，已作出的决定可依法撤销。"
)

PROVISIONAL_NOTE = (
    "暂定：期限跨入节假日安排尚未公布的年份，公布后按实际工作日重新计算，届时另行告知。"
)

#: 当场更正后受理 (Art. 32 (3)): the clerk's note of what was corrected is part of the
#: decision, so it goes on the applicant's paper, not only into the case's history.
CORRECTION_TEXT = (
    "申请材料存在可以当场更正的错误，根据《中华人民共和国行政许可法》第三十二条第一款"
    "第（三）项的规定，已由申请人当场更正。更正内容：{}"
)

RATING_TITLE = "请您对本次服务进行评价（好差评）"
RATING_NOTE = "用手机扫描右侧二维码，选择“非常满意”至“非常不满意”。逾期未评价的按“基本满意”计。"


class Role(StrEnum):
    """What a line of text is for; each renderer gives each role its own look."""

    BODY = "body"  # the notice's own wording, first line indented
    HEADING = "heading"  # introduces the table below it (已收取材料…)
    DEADLINE = "deadline"  # the promised completion time, set a little larger
    NOTE = "note"  # small print
    TITLE = "title"  # a heading of its own, centred (承 诺 书)
    SIGN_HERE = "sign_here"  # a line the applicant writes on (承诺人…日期…)


@dataclass(frozen=True)
class Text:
    """One paragraph; a renderer may wrap it but never splits it into two."""

    text: str
    role: Role = Role.BODY

    @property
    def lines(self) -> tuple[str, ...]:
        return (self.text,)


@dataclass(frozen=True)
class Field:
    """``label：value`` — who the notice is for, what was asked (the label is set lighter)."""

    label: str
    value: str

    @property
    def lines(self) -> tuple[str, ...]:
        return (f"{self.label}：{self.value}",)


@dataclass(frozen=True)
class Spaced:
    """Short parts on one line with a visible gap between them (窗口…经办人…电话)."""

    parts: tuple[str, ...]
    role: Role = Role.BODY

    @property
    def lines(self) -> tuple[str, ...]:
        return ("      ".join(self.parts),)


class GridKind(StrEnum):
    """Which table it is: the paper gives each its own column widths."""

    RECEIVED = "received"  # 序号 材料名称 形式 份数 备注
    MISSING = "missing"  # 序号 材料名称 要求
    PROMISES = "promises"  # 序号 暂缺材料 补齐期限


@dataclass(frozen=True)
class Grid:
    """A ruled table; the header row repeats on every page it runs onto."""

    kind: GridKind
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """Every cell, row by row — the order both paper and screen are read in."""
        return self.header + tuple(cell for row in self.rows for cell in row)


@dataclass(frozen=True)
class Signatures:
    """Who signs, on the left; the place for the seal with the date under it, on the right."""

    signer: tuple[str, ...]
    seal: tuple[str, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(x for x in self.signer + self.seal if x)


@dataclass(frozen=True)
class Rating:
    """好差评: the invitation to rate, beside a QR code of ``url``."""

    title: str
    note: str
    url: str

    @property
    def lines(self) -> tuple[str, ...]:
        return (self.title, self.note)


Block = Text | Field | Spaced | Grid | Signatures | Rating


@dataclass(frozen=True)
class Masking:
    """Which identifiers are shown masked (docs/domain.md "Personal information").

    The screen and the paper follow the same two settings, ``mask_id`` for ID numbers
    and ``mask_phone`` for phones, each governing its own field (issue 27: paper once
    folded them into one switch, and turning off phone masking printed full ID
    numbers). What differs is the credit code: public, so printed in full, but hidden
    on screen with ``mask_id``. Each place has its own constructor; the words around the
    numbers are the same either way.
    """

    id_number: bool = True
    phone: bool = True
    credit_code: bool = False

    @classmethod
    def on_paper(cls, *, mask_id: bool = True, mask_phone: bool = True) -> Masking:
        """Paper, as the settings say; a 统一社会信用代码 is public and printed in full."""
        return cls(id_number=mask_id, phone=mask_phone, credit_code=False)

    @classmethod
    def unmasked(cls) -> Masking:
        """Everything in full: only for a print the clerk asked for and the log records."""
        return cls(id_number=False, phone=False, credit_code=False)

    @classmethod
    def on_screen(cls, *, hide_id: bool = True, hide_phone: bool = True) -> Masking:
        """Screen: ``mask_id`` hides every identifier (credit codes too), ``mask_phone`` phones."""
        return cls(id_number=hide_id, phone=hide_phone, credit_code=hide_id)

    def identifier(self, kind: str, number: str) -> str:
        hide = self.credit_code if kind == CREDIT_CODE else self.id_number
        return mask_id(number) if hide else number

    def person_id(self, number: str) -> str:
        return mask_id(number) if self.id_number else number

    def phone_number(self, number: str) -> str:
        return mask_phone(number) if self.phone and number else number

    def shown_in_full(self, notice: Notice) -> tuple[str, ...]:
        """The personal identifiers on ``notice`` this masking shows in full, for the log.

        A credit code is public and never counts; an ID number counts whether it is the
        applicant's, the agent's or (出件回执) the collector's.
        """
        party = notice.applicant
        ids = (
            party.id_number if party.id_kind != CREDIT_CODE else "",
            party.agent_id_number,
            notice.recipient_id_number if notice.kind is NoticeKind.HANDED_OVER else "",
        )
        shown = []
        if any(ids) and not self.id_number:
            shown.append("证件号")
        if party.phone and not self.phone:
            shown.append("手机号")
        return tuple(shown)


@dataclass(frozen=True)
class NoticeText:
    """A notice's words: the heading (hall, title, case number) and its blocks in order."""

    hall: str
    title: str
    number: str
    blocks: tuple[Block, ...]

    @property
    def number_line(self) -> str:
        """The case number as the head of the page gives it, top left under the barcode."""
        return f"编号：{self.number}"

    def lines(self) -> tuple[str, ...]:
        """All the text in reading order, one paragraph, field or table cell a line:
        the number first, then the hall and the title centred below it (GB/T 9704)."""
        body = (line for block in self.blocks for line in block.lines)
        return (self.number_line, self.hall, self.title, *body)


def notice_paragraphs(notice: Notice, masking: Masking | None = None) -> NoticeText:
    """Word ``notice``: the one text the preview shows and the PDF prints."""
    masking = masking or Masking()
    blocks: list[Block] = [
        *_party(notice.applicant, masking),
        Field("申请事项", "；".join(notice.items)),
    ]
    if notice.kind is NoticeKind.HANDED_OVER and notice.recipient_name:
        taker = notice.recipient_name
        blocks.append(
            Field("领取人", f"{taker}（身份证号 {masking.person_id(notice.recipient_id_number)}）")
        )
    blocks += _body(notice)
    if notice.kind in (NoticeKind.ACCEPTED, NoticeKind.RONGQUE):
        # The decision and its deadline come before the list of materials, which may
        # run long: they belong on page 1 (issue 29).
        blocks += _deadline(notice)
        blocks += [Text(line) for line in notice.extra_lines]
    elif notice.kind not in DONE:  # a case done has no promise left to print
        blocks += [Text(line) for line in notice.extra_lines]
    blocks += _materials(notice)
    if notice.kind is NoticeKind.RONGQUE:
        blocks += _promises(notice)
    if notice.kind in ABOUT_THE_CASE:  # last, after each sub-case's time limit
        blocks.append(Text(notice.remedies or DEFAULT_REMEDIES))
    if notice.rating_url:
        blocks.append(Rating(RATING_TITLE, RATING_NOTE, notice.rating_url))
    contact = (f"咨询电话：{notice.contact}",) if notice.contact else ()
    blocks.append(Spaced((f"窗口：{notice.window} 号", f"经办人：{notice.clerk}", *contact)))
    who = "领取人" if notice.kind is NoticeKind.HANDED_OVER else "申请人（代理人）"
    issued = notice.issued_at
    blocks.append(
        Signatures(
            (f"{who}签字：", "______________________", "日期：________年____月____日"),
            (
                SEALS.get(notice.kind, "（受理专用章）"),
                "",
                f"{issued.year}年{issued.month}月{issued.day}日",
            ),
        )
    )
    return NoticeText(notice.hall_name, notice.title, notice.case_number, tuple(blocks))


#: Notices of a case already decided and done: one page, no materials, no promises.
DONE = (NoticeKind.COMPLETED, NoticeKind.HANDED_OVER)
#: The seal each notice carries where it is not the 受理专用章 of the intake: the 办结
#: notice is sealed by the hall; the 出件回执 is the applicant's receipt, signed, not sealed.
SEALS = {NoticeKind.COMPLETED: "（政务服务中心章）", NoticeKind.HANDED_OVER: ""}
#: How a material fetched from shared data is marked (counter/services/intake_service.py).
EXEMPT_FORM = "免提交"

#: Notices that refuse the application: the materials go back, none was taken in.
RETURNED = (NoticeKind.REJECTED, NoticeKind.NO_LICENCE_NEEDED)
#: Notices about the time or the end of a case already taken in: no list of materials.
ABOUT_THE_CASE = (NoticeKind.PAUSED, NoticeKind.EXTENDED, NoticeKind.TERMINATED)


def _materials(notice: Notice) -> list[Block]:
    """What was taken in, or for a refusal what is handed back (issue 27: a refusal used
    to list 已收取材料 although the office took nothing in)."""
    if notice.kind in ABOUT_THE_CASE or notice.kind in DONE:
        return []
    taken = tuple(m for m in notice.received if m.form != EXEMPT_FORM)
    exempt = tuple(m for m in notice.received if m.form == EXEMPT_FORM)
    n = len(taken)
    if not n and not exempt:
        return []
    if notice.kind is NoticeKind.SUPPLEMENT:
        if not n:
            return []
        return [Text(f"本次已收取材料 {n} 项，补正时无需重复提交。", Role.NOTE)]
    if notice.kind in RETURNED:
        heading = f"退还申请材料（共 {n} 项）："
    else:
        heading = f"已收取材料（共 {n} 项）："
    out: list[Block] = [Text(heading, Role.HEADING), _received(taken)] if n else []
    if exempt:  # fetched from shared data: never received, so never counted as received
        names = "、".join(m.name for m in exempt)
        out.append(Text(f"以下 {len(exempt)} 项材料经共享数据核验，免于提交：{names}。", Role.NOTE))
    return out


def _party(party: NoticeParty, masking: Masking) -> list[Block]:
    lines: list[Block] = [
        Field("申请人", party.name),
        Field(party.id_kind, masking.identifier(party.id_kind, party.id_number)),
    ]
    if party.phone:
        lines.append(Field("联系电话", masking.phone_number(party.phone)))
    if party.agent_name:
        agent = party.agent_name
        if party.agent_id_number:
            agent += f"（身份证号 {masking.person_id(party.agent_id_number)}）"
        lines.append(Field("代理人", agent))
    return lines


def _items(notice: Notice) -> str:
    return "、".join(f"“{name}”" for name in notice.items) or "（未列明事项）"


def _body(notice: Notice) -> list[Block]:
    """The decision and its legal basis (行政许可法 Art. 32), as the paper states it."""
    a = notice.applicant.name
    items = _items(notice)
    k = notice.kind
    out: list[Block]
    if k is NoticeKind.ACCEPTED:
        out = [
            Text(
                f"{a}：你（单位）提出的{items}申请，经审查，申请材料齐全、符合法定形式，"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理。"
            )
        ]
        if notice.correction.strip():
            out.append(Text(correction_line(notice.correction)))
        return out
    if k is NoticeKind.SUPPLEMENT:
        return [
            Text(
                f"{a}：你（单位）提出的{items}申请，经审查，申请材料不齐全或者不符合法定形式。"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，"
                f"现一次性告知需要补正的全部材料（共 {len(notice.missing)} 项）如下，"
                "请补齐后重新提交："
            ),
            _missing(notice.missing),
        ]
    if k is NoticeKind.REJECTED:
        out = [
            Text(
                f"{a}：你（单位）提出的{items}申请，经审查，根据《中华人民共和国行政许可法》"
                "第三十二条第一款的规定，决定不予受理。"
            ),
            Text(f"不予受理的理由：{notice.reason or '（未填写）'}"),
        ]
        if notice.other_office:
            out.append(Text(f"该申请事项请向{notice.other_office}提出。"))
        out.append(Text(notice.remedies or DEFAULT_REMEDIES))
        return out
    if k is NoticeKind.NO_LICENCE_NEEDED:
        out = [
            Text(
                f"{a}：你（单位）提出的{items}申请，经审查，该事项依法不需要取得行政许可，"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（一）项的规定，特此告知。"
            )
        ]
        if notice.reason:
            out.append(Text(f"依据和说明：{notice.reason}"))
        out.append(Text(notice.remedies or DEFAULT_REMEDIES))
        return out
    if k is NoticeKind.RONGQUE:
        return [
            Text(
                f"{a}：你（单位）提出的{items}申请，主要申请材料齐全、符合法定形式，"
                "次要材料暂缺，经你（单位）书面承诺在规定期限内补齐，决定予以容缺受理。"
            )
        ]
    if k in ABOUT_THE_CASE:
        return _about_the_case(notice)
    if k is NoticeKind.COMPLETED:
        return [
            Text(
                f"{a}：你（单位）申请的{items}已办结，请携带本通知书和有效身份证件"
                "到大厅出件窗口领取办理结果。"
            )
        ]
    return [Text(f"今领到{items}的办理结果，核对无误。")]


def correction_line(correction: str) -> str:
    """The 当场更正 line of a 受理通知书, ending as a sentence whatever the clerk typed."""
    what = correction.strip()
    return CORRECTION_TEXT.format(what if what.endswith(("。", "！", "？")) else what + "。")


def _about_the_case(notice: Notice) -> list[Block]:
    """中止 (Art. 45), 延期 (Art. 42) and 终止: what happened, why, the time limit (the
    remedies follow the sub-cases' lines, see :func:`notice_paragraphs`)."""
    a = notice.applicant.name
    items = _items(notice)
    why = notice.reason or "（未填写）"
    out: list[Block]
    if notice.kind is NoticeKind.PAUSED:
        since = notice.paused_since or notice.issued_at.date()
        out = [
            Text(
                f"{a}：你（单位）申请的{items}，因下列原因需要中止办理，"
                f"自{since.year}年{since.month}月{since.day}日起暂停计时。"
                "根据《中华人民共和国行政许可法》第四十五条的规定，听证、检验、检测、鉴定、"
                "专家评审等所需时间不计算在办理期限内；暂停期间不计时，恢复计时后办理期限相应顺延。"
            ),
            Text(f"中止（暂停计时）的原因：{why}"),
        ]
        out += _legal_deadline(
            notice, "暂停计时前的法定办结期限", "，恢复计时后按暂停的工作日数顺延"
        )
    elif notice.kind is NoticeKind.EXTENDED:
        days = notice.extension_days or "十"
        out = [
            Text(
                f"{a}：你（单位）申请的{items}，因下列原因不能在法定期限内作出决定。"
                "根据《中华人民共和国行政许可法》第四十二条第一款的规定，经本行政机关负责人批准，"
                f"办理期限延长 {days} 个工作日。"
            ),
            Text(f"延长期限的理由：{why}"),
            Text(f"批准人：{notice.approver or '（未填写）'}"),
        ]
        out += _legal_deadline(notice, "延长后的法定办结期限")
    else:
        out = [
            Text(f"{a}：你（单位）申请的{items}，因下列原因，决定终止办理。"),
            Text(f"终止办理的理由：{why}"),
        ]
        if notice.promises:
            due = "；".join(
                f"{line.material}（承诺{line.due.year}年{line.due.month}月{line.due.day}日前补齐）"
                for line in notice.promises
            )
            out.append(Text(f"尚未补齐的容缺材料：{due}。"))
        out.append(Text("如需继续办理，可以重新提出申请。"))
    return out


def _legal_deadline(notice: Notice, label: str, after: str = "") -> list[Block]:
    if not notice.legal_deadline:
        return []
    if not notice.deadline_provisional:
        return [Text(f"{label}：{notice.legal_deadline}{after}", Role.DEADLINE)]
    return [
        Text(f"{label}：{notice.legal_deadline}（暂定）{after}", Role.DEADLINE),
        Text(PROVISIONAL_NOTE, Role.NOTE),
    ]


def _received(rows: tuple[NoticeMaterial, ...]) -> Grid:
    return Grid(
        GridKind.RECEIVED,
        ("序号", "材料名称", "形式", "份数", "备注"),
        tuple(
            (str(n), m.name, m.form, str(m.copies) if m.copies else "—", m.note)
            for n, m in enumerate(rows, start=1)
        ),
    )


def _missing(rows: tuple[NoticeMaterial, ...]) -> Grid:
    return Grid(
        GridKind.MISSING,
        ("序号", "材料名称", "要求"),
        tuple((str(n), m.name, _requirement(m)) for n, m in enumerate(rows, start=1)),
    )


def _requirement(m: NoticeMaterial) -> str:
    parts = (m.form, f"{m.copies} 份" if m.copies else "", m.note)
    return "；".join(x for x in parts if x)


def _promises(notice: Notice) -> list[Block]:
    """容缺: the applicant's 承诺书, each missing material with the day it is due."""
    rows = tuple(
        (str(n), line.material, f"{line.due.year}年{line.due.month}月{line.due.day}日前")
        for n, line in enumerate(notice.promises, start=1)
    )
    return [
        Text("承 诺 书", Role.TITLE),
        Text(PROMISE_TEXT),
        Grid(GridKind.PROMISES, ("序号", "暂缺材料", "补齐期限"), rows),
        Spaced(
            ("承诺人（签字或盖章）：____________________", "日期：________________"), Role.SIGN_HERE
        ),
    ]


def _deadline(notice: Notice) -> list[Block]:
    if not notice.deadline:
        return []
    if not notice.deadline_provisional:
        return [Text(f"承诺办结时限：{notice.deadline}", Role.DEADLINE)]
    return [
        Text(f"承诺办结时限：{notice.deadline}（暂定）", Role.DEADLINE),
        Text(PROVISIONAL_NOTE, Role.NOTE),
    ]
