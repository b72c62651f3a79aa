"""A notice as plain text, for the on-screen preview until printing lays it out on paper."""

from __future__ import annotations

from counter.model.identity import mask_id, mask_phone
from counter.model.notice import Notice, NoticeKind


def notice_text(notice: Notice, *, hide_id: bool = True, hide_phone: bool = True) -> str:
    party = notice.applicant
    id_number = mask_id(party.id_number) if hide_id else party.id_number
    phone = mask_phone(party.phone) if hide_phone and party.phone else party.phone
    lines = [
        f"{notice.hall_name}",
        f"{notice.title}",
        f"编号：{notice.case_number}",
        "",
        f"申请人：{party.name}（{party.id_kind} {id_number}）",
    ]
    if phone:
        lines.append(f"联系电话：{phone}")
    if party.agent_name:
        agent_id = mask_id(party.agent_id_number) if hide_id else party.agent_id_number
        lines.append(f"代办人：{party.agent_name}（居民身份证 {agent_id}）")
    lines.append("事项：" + "；".join(notice.items))
    lines.append("")
    if notice.kind in (NoticeKind.ACCEPTED, NoticeKind.RONGQUE):
        lines.append("你（单位）提交的申请材料齐全、符合法定形式，本机关决定予以受理。")
        if notice.kind is NoticeKind.RONGQUE:
            lines.append("本件为容缺受理。申请人承诺在下列日期前补交材料，逾期未补交的终止办理：")
            lines += [f"  · {p.material}：{p.due.isoformat()} 前" for p in notice.promises]
        if notice.deadline:
            tail = "（暂定：次年节假日安排尚未公布）" if notice.deadline_provisional else ""
            lines.append(f"承诺办结时间：{notice.deadline}{tail}")
        lines += notice.extra_lines
    elif notice.kind is NoticeKind.SUPPLEMENT:
        lines.append("你（单位）提交的申请材料不齐全或不符合法定形式，请一次性补正下列全部材料：")
        for n, m in enumerate(notice.missing, start=1):
            note = f"；{m.note}" if m.note else ""
            lines.append(f"  {n}. {m.name}（{m.form} {m.copies} 份{note}）")
        lines.append("补正材料齐全之日起受理。申请人签字：＿＿＿＿＿＿")
    elif notice.kind in (NoticeKind.REJECTED, NoticeKind.NO_LICENCE_NEEDED):
        lines.append(f"理由：{notice.reason}")
        if notice.other_office:
            lines.append(f"请向 {notice.other_office} 提出申请。")
        if notice.remedies:
            lines.append(notice.remedies)
    if notice.received:
        lines.append("")
        lines.append("已收材料：")
        for m in notice.received:
            extra = f" {m.copies} 份" if m.copies else ""
            note = f"（{m.note}）" if m.note else ""
            lines.append(f"  · {m.name} {m.form}{extra}{note}")
    lines.append("")
    lines.append(
        f"受理人：{notice.clerk}  窗口：{notice.window} 号  {notice.issued_at:%Y-%m-%d %H:%M}"
    )
    if notice.contact:
        lines.append(f"咨询电话：{notice.contact}")
    return "\n".join(lines)
