"""企业开办大礼包 papers: the handover form, the free seal voucher, the mailing slip."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter.model.giftpack import Handover, MailingSlip, SealVoucher
from counter.printing.fonts import FONT
from counter.printing.layout import (
    BODY,
    PARA,
    RULE,
    SMALL,
    RunningHead,
    build,
    field,
    header_block,
    p,
    shown_id,
    shown_phone,
    sign_block,
    spaced,
    stamp,
    style,
    table,
    tick_box,
)


def handover_pdf(handover: Handover, *, unmask: bool = False) -> bytes:
    """领取确认单: every line with quantity and an empty tick box; the recipient signs once."""
    margin = 18 * mm
    width = A4[0] - 2 * margin - 12
    title = "企业开办大礼包领取确认单"
    r = handover.recipient
    story: list[Flowable] = [
        header_block(handover.hall_name, title, handover.case_number, width),
        Spacer(1, 3 * mm),
        field("企业名称", handover.enterprise_name),
        field("统一社会信用代码", handover.uscc),
        field("领取人", f"{r.name}（身份证号 {shown_id(r.id_number, unmask)}）"),
    ]
    if r.phone:
        story.append(field("联系电话", shown_phone(r.phone, unmask)))
    story += [
        Spacer(1, 2 * mm),
        p(
            "以下物品已当面点交，请逐项核对后在“已领取”栏内打 √，"
            "并在下方签字确认。缺项请当场告知窗口工作人员。",
            PARA,
        ),
    ]
    rows = [
        [str(n), line.name, f"{line.quantity} {line.unit}", tick_box(), line.note]
        for n, line in enumerate(handover.lines, start=1)
    ]
    rest = width - 12 * mm
    story.append(
        table(
            ["序号", "物品", "数量", "已领取", "备注"],
            rows,
            [12 * mm, rest * 0.44, rest * 0.16, rest * 0.14, rest * 0.26],
            centred=(0, 2, 3),
        )
    )
    story.append(Spacer(1, 3 * mm))
    contact = f"咨询电话：{handover.contact}" if handover.contact else ""
    story.append(spaced(f"窗口：{handover.window} 号", f"经办人：{handover.clerk}", contact))
    story.append(Spacer(1, 3 * mm))
    story.append(
        sign_block(
            ["领取人签字：", "______________________", "日期：________年____月____日"],
            ["（政务服务中心章）", "", stamp(handover.handed_at)],
            width,
        )
    )
    head = RunningHead(handover.hall_name, title, handover.case_number)
    return build(
        story,
        A4,
        title=f"{title} {handover.case_number}",
        author=handover.hall_name,
        margins=margin,
        top=margin + 4 * mm,
        on_first=head.first,
        on_later=head.later,
    )


def seal_voucher_pdf(voucher: SealVoucher) -> bytes:
    """免费刻章凭证 on A5: the engraver keeps it as proof the hall pays."""
    margin = 14 * mm
    width = A5[0] - 2 * margin - 12
    title = "免费刻章凭证"
    valid = voucher.valid_until
    story: list[Flowable] = [
        header_block(voucher.hall_name, title, voucher.voucher_number, width),
        Spacer(1, 3 * mm),
        field("企业名称", voucher.enterprise_name),
        field("统一社会信用代码", voucher.uscc),
        field("法定代表人", voucher.legal_rep),
        field("办件编号", voucher.case_number),
        Spacer(1, 2 * mm),
        p(
            "凭本凭证可免费刻制下列印章一套，费用由政府购买服务支付，刻章单位不得另行收费：",
            PARA,
        ),
        table(
            ["序号", "印章", "数量"],
            [[str(n), seal, "1 枚"] for n, seal in enumerate(voucher.seals, start=1)],
            [12 * mm, width - 42 * mm, 30 * mm],
            centred=(0, 2),
        ),
        Spacer(1, 2 * mm),
    ]
    if voucher.engraver:
        story.append(field("刻章单位", voucher.engraver))
    story += [
        field("有效期至", f"{valid.year}年{valid.month}月{valid.day}日"),
        p("本凭证限一次使用，涂改无效。", SMALL),
    ]
    if voucher.contact:
        story.append(field("咨询电话", voucher.contact))
    story += [
        Spacer(1, 2 * mm),
        p(f"经办人：{voucher.clerk}", BODY),
        sign_block(
            ["刻章单位确认：", "______________________", "日期：______年___月___日"],
            ["（政务服务中心章）", "", stamp(voucher.issued_at)],
            width,
            30 * mm,
        ),
    ]
    head = RunningHead(voucher.hall_name, title, voucher.voucher_number)
    return build(
        story,
        A5,
        title=f"{title} {voucher.voucher_number}",
        author=voucher.hall_name,
        margins=margin,
        on_first=head.first,
        on_later=head.later,
    )


def mailing_slip_pdf(slip: MailingSlip, *, unmask: bool = False) -> bytes:
    """邮寄单 on landscape A5: recipient large for the courier, contents listed in full.

    The courier needs the full phone number to deliver, but the paper travels through
    many hands; it is masked unless the clerk asks for it in full.
    """
    margin = 12 * mm
    pagesize = landscape(A5)
    width = pagesize[0] - 2 * margin - 12
    title = "办件结果邮寄单"
    r = slip.recipient
    recipient = Table(
        [
            [p("收件人", SMALL), p(r.name, style(16, leading=22))],
            [p("电话", SMALL), p(shown_phone(r.phone, unmask), style(13))],
            [p("地址", SMALL), p(slip.address, style(13, leading=18))],
            [p("邮编", SMALL), p(slip.postcode or "—", style(11))],
        ],
        colWidths=[18 * mm, width - 18 * mm],
    )
    recipient.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BOX", (0, 0), (-1, -1), 0.8, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
            ]
        )
    )
    sender = f"寄件人：{slip.hall_name}"
    if slip.sender_address:
        sender += f"（{slip.sender_address}）"
    if slip.sender_phone:
        sender += f"，电话：{slip.sender_phone}"
    story: list[Flowable] = [
        header_block(slip.hall_name, title, slip.case_number, width),
        Spacer(1, 3 * mm),
        recipient,
        Spacer(1, 2 * mm),
        p(sender, BODY),
        p(f"运单号：{slip.waybill or '（待快递员填写）'}", BODY),
        p(f"寄递内容（共 {len(slip.contents)} 项）：{'、'.join(slip.contents)}", BODY),
        spaced(
            f"经办人：{slip.clerk}",
            f"交寄日期：{stamp(slip.issued_at)}",
            "快递员签字：______________",
            st=style(10.5, space_before=6),
        ),
    ]
    head = RunningHead(slip.hall_name, title, slip.case_number)
    return build(
        story,
        pagesize,
        title=f"{title} {slip.case_number}",
        author=slip.hall_name,
        margins=margin,
        on_first=head.first,
        on_later=head.later,
    )
