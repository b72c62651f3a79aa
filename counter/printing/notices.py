"""The written notices of intake (受理、一次性告知、不予受理、容缺、不需许可、办结、出件), as PDF.

Wording follows the 行政许可法 article 32 notices most halls print. Each notice carries
the case number as Code128 and QR, masks the applicant's ID and phone unless asked
not to, and leaves the place for the seal and the applicant's signature.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter.model.notice import Notice, NoticeKind, NoticeMaterial
from counter.printing.layout import (
    FONT,
    PARA,
    RULE,
    SMALL,
    RunningHead,
    build,
    field,
    header_block,
    p,
    qr,
    shown_id,
    shown_phone,
    sign_block,
    spaced,
    stamp,
    style,
    table,
)

#: Short receipts fit on A5; the rest are A4 (a table of materials needs the room).
RECEIPTS = (NoticeKind.COMPLETED, NoticeKind.HANDED_OVER)

DEFAULT_REMEDIES = (
    "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
)

PROMISE_TEXT = (
    "本人（单位）承诺：所提交的申请材料真实、有效；上列暂缺材料将于所列期限前补齐。"
    "逾期未补齐或者承诺不实的，愿意承担相应法律责任，已作出的决定可依法撤销。"
)


def _party_lines(notice: Notice, unmask: bool) -> list[Flowable]:
    a = notice.applicant
    # A 统一社会信用代码 is public (it is printed on the licence); personal IDs are not.
    public = a.id_kind == "统一社会信用代码"
    lines = [
        field("申请人", a.name),
        field(a.id_kind, a.id_number if public else shown_id(a.id_number, unmask)),
    ]
    if a.phone:
        lines.append(field("联系电话", shown_phone(a.phone, unmask)))
    if a.agent_name:
        agent = a.agent_name
        if a.agent_id_number:
            agent += f"（身份证号 {shown_id(a.agent_id_number, unmask)}）"
        lines.append(field("代理人", agent))
    return lines


def _items_text(notice: Notice) -> str:
    return "、".join(f"“{name}”" for name in notice.items) or "（未列明事项）"


def _materials(rows: tuple[NoticeMaterial, ...], width: float, *, copies: bool) -> Flowable:
    if copies:
        header = ["序号", "材料名称", "形式", "份数", "备注"]
        data = [
            [str(n), m.name, m.form, str(m.copies) if m.copies else "—", m.note]
            for n, m in enumerate(rows, start=1)
        ]
        rest = width - 12 * mm
        widths = [12 * mm, rest * 0.5, rest * 0.14, rest * 0.12, rest * 0.24]
        return table(header, data, widths, centred=(0, 2, 3))
    data = [[str(n), m.name, _requirement(m)] for n, m in enumerate(rows, start=1)]
    widths = [12 * mm, (width - 12 * mm) * 0.62, (width - 12 * mm) * 0.38]
    return table(["序号", "材料名称", "要求"], data, widths, centred=(0,))


def _requirement(m: NoticeMaterial) -> str:
    parts = (m.form, f"{m.copies} 份" if m.copies else "", m.note)
    return "；".join(x for x in parts if x)


def _deadline(notice: Notice) -> list[Flowable]:
    if not notice.deadline:
        return []
    text = f"承诺办结时限：{notice.deadline}"
    if notice.deadline_provisional:
        text += "（暂定）"
    out: list[Flowable] = [p(text, style(11.5, space_before=4, space_after=2))]
    if notice.deadline_provisional:
        out.append(
            p(
                "暂定：期限跨入节假日安排尚未公布的年份，公布后按实际工作日重新计算，届时另行告知。",
                SMALL,
            )
        )
    return out


def _body(notice: Notice, width: float) -> list[Flowable]:
    a = notice.applicant.name
    items = _items_text(notice)
    k = notice.kind
    out: list[Flowable] = []
    if k is NoticeKind.ACCEPTED:
        out.append(
            p(
                f"{a}：你（单位）提出的{items}申请，经审查，申请材料齐全、符合法定形式，"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理。",
                PARA,
            )
        )
    elif k is NoticeKind.SUPPLEMENT:
        out.append(
            p(
                f"{a}：你（单位）提出的{items}申请，经审查，申请材料不齐全或者不符合法定形式。"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，"
                f"现一次性告知需要补正的全部材料（共 {len(notice.missing)} 项）如下，"
                "请补齐后重新提交：",
                PARA,
            )
        )
        out.append(_materials(notice.missing, width, copies=False))
        out.append(Spacer(1, 3 * mm))
    elif k is NoticeKind.REJECTED:
        out.append(
            p(
                f"{a}：你（单位）提出的{items}申请，经审查，根据《中华人民共和国行政许可法》"
                "第三十二条第一款的规定，决定不予受理。",
                PARA,
            )
        )
        out.append(p(f"不予受理的理由：{notice.reason or '（未填写）'}", PARA))
        if notice.other_office:
            out.append(p(f"该申请事项请向{notice.other_office}提出。", PARA))
        out.append(p(notice.remedies or DEFAULT_REMEDIES, PARA))
    elif k is NoticeKind.NO_LICENCE_NEEDED:
        out.append(
            p(
                f"{a}：你（单位）提出的{items}申请，经审查，该事项依法不需要取得行政许可，"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（一）项的规定，特此告知。",
                PARA,
            )
        )
        if notice.reason:
            out.append(p(f"依据和说明：{notice.reason}", PARA))
    elif k is NoticeKind.RONGQUE:
        out.append(
            p(
                f"{a}：你（单位）提出的{items}申请，主要申请材料齐全、符合法定形式，"
                "次要材料暂缺，经你（单位）书面承诺在规定期限内补齐，决定予以容缺受理。",
                PARA,
            )
        )
    elif k is NoticeKind.COMPLETED:
        out.append(
            p(
                f"{a}：你（单位）申请的{items}已办结，请携带本通知书和有效身份证件"
                "到大厅出件窗口领取办理结果。",
                PARA,
            )
        )
    else:
        out.append(p(f"今领到{items}的办理结果，核对无误。", PARA))
    return out


def _promises(notice: Notice, width: float) -> list[Flowable]:
    if notice.kind is not NoticeKind.RONGQUE:
        return []
    rows = [
        [str(n), line.material, f"{line.due.year}年{line.due.month}月{line.due.day}日前"]
        for n, line in enumerate(notice.promises, start=1)
    ]
    return [
        p("承 诺 书", style(15, align=1, space_before=8, space_after=4)),
        p(PROMISE_TEXT, PARA),
        table(
            ["序号", "暂缺材料", "补齐期限"],
            rows,
            [12 * mm, width - 57 * mm, 45 * mm],
            centred=(0, 2),
        ),
        Spacer(1, 2 * mm),
        spaced(
            "承诺人（签字或盖章）：____________________",
            "日期：________________",
            st=style(11, leading=26),
        ),
    ]


def notice_story(notice: Notice, width: float, *, unmask: bool = False) -> list[Flowable]:
    story: list[Flowable] = [
        header_block(notice.hall_name, notice.title, notice.case_number, width),
        Spacer(1, 3 * mm),
    ]
    story += _party_lines(notice, unmask)
    story.append(field("申请事项", "；".join(notice.items)))
    story.append(Spacer(1, 2 * mm))
    story += _body(notice, width)
    if notice.received and notice.kind is not NoticeKind.SUPPLEMENT:
        heading = f"已收取材料（共 {len(notice.received)} 项）："
        story.append(p(heading, style(11, space_before=4, space_after=3)))
        story.append(_materials(notice.received, width, copies=True))
    elif notice.received:
        story.append(p(f"本次已收取材料 {len(notice.received)} 项，补正时无需重复提交。", SMALL))
    story += _promises(notice, width)
    if notice.kind in (NoticeKind.ACCEPTED, NoticeKind.RONGQUE):
        story += _deadline(notice)
    story += [p(line, PARA) for line in notice.extra_lines]
    if notice.rating_url:
        story.append(rating_block(notice.rating_url, width))
    story.append(Spacer(1, 3 * mm))
    contact = f"咨询电话：{notice.contact}" if notice.contact else ""
    story.append(spaced(f"窗口：{notice.window} 号", f"经办人：{notice.clerk}", contact))
    story.append(Spacer(1, 3 * mm))
    who = "领取人" if notice.kind is NoticeKind.HANDED_OVER else "申请人（代理人）"
    story.append(
        sign_block(
            [f"{who}签字：", "______________________", "日期：________年____月____日"],
            ["（受理专用章）", "", stamp(notice.issued_at)],
            width,
            30 * mm if width < 130 * mm else 44 * mm,
        )
    )
    return story


def rating_block(url: str, width: float) -> Table:
    """好差评: the applicant scans to rate this case (一事一评) once it is handed over."""
    text = [
        p("请您对本次服务进行评价（好差评）", style(10.5)),
        p("用手机扫描右侧二维码，选择“非常满意”至“非常不满意”。逾期未评价的按“基本满意”计。",
          SMALL),
    ]  # fmt: skip
    t = Table([[text, qr(url, 20 * mm)]], colWidths=[width - 24 * mm, 24 * mm])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            ]
        )
    )
    return t


def notice_pdf(notice: Notice, *, unmask: bool = False) -> bytes:
    """The notice as PDF bytes; ``unmask`` prints full ID and phone (the caller logs it)."""
    pagesize = A5 if notice.kind in RECEIPTS else A4
    margin = 14 * mm if notice.kind in RECEIPTS else 18 * mm
    width = pagesize[0] - 2 * margin - 12
    head = RunningHead(notice.hall_name, notice.title, notice.case_number)
    return build(
        notice_story(notice, width, unmask=unmask),
        pagesize,
        title=f"{notice.title} {notice.case_number}",
        author=notice.hall_name,
        margins=margin,
        top=margin + (4 * mm),
        on_first=head.first,
        on_later=head.later,
    )
