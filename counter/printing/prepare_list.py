"""预审材料清单: the one-time list a specialist leaves with the enterprise after a visit."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from counter.model.visits import PrepareList
from counter.printing.layout import (
    PARA,
    SMALL,
    RunningHead,
    build,
    field,
    p,
    spaced,
    stamp,
    style,
    table,
)

TITLE = "预审材料一次性告知清单"


def prepare_list_pdf(sheet: PrepareList) -> bytes:
    """Everything still to prepare, listed once, with what is ready and what is exempt."""
    margin = 18 * mm
    width = A4[0] - 2 * margin - 12
    reference = stamp(sheet.made_at)
    story: list[Flowable] = [
        p(sheet.hall_name, style(12, leading=16)),
        p(TITLE, style(18, leading=24)),
        Spacer(1, 3 * mm),
        field("企业名称", sheet.enterprise_name),
        field("统一社会信用代码", sheet.uscc),
        field("办理事项", sheet.target_name),
        Spacer(1, 2 * mm),
    ]
    if sheet.to_prepare:
        story.append(
            p(
                f"经帮代办专员上门预审，办理上述事项尚需准备以下 {len(sheet.to_prepare)} 项材料，"
                "现一次性告知，请备齐后到大厅综合窗口办理：",
                PARA,
            )
        )
        rows = [
            [str(n), line.name, line.form, f"{line.copies} 份", line.why]
            for n, line in enumerate(sheet.to_prepare, start=1)
        ]
        rest = width - 12 * mm
        story.append(
            table(
                ["序号", "尚需准备的材料", "形式", "份数", "说明"],
                rows,
                [12 * mm, rest * 0.40, rest * 0.14, rest * 0.12, rest * 0.34],
                centred=(0, 2, 3),
            )
        )
    else:
        story.append(p("经帮代办专员上门预审，办理上述事项的材料已全部备齐。", PARA))
    story.append(Spacer(1, 2 * mm))
    if sheet.ready:
        story.append(p("已备齐：" + "、".join(sheet.ready), SMALL))
    if sheet.exempt:
        story.append(p("共享数据免提交（无需准备）：" + "、".join(sheet.exempt), SMALL))
    story.append(Spacer(1, 3 * mm))
    contact = f"咨询电话：{sheet.contact}" if sheet.contact else ""
    story.append(spaced(f"帮代办专员：{sheet.specialist}", f"预审时间：{reference}", contact))
    head = RunningHead(sheet.hall_name, TITLE, "")
    return build(
        story,
        A4,
        title=f"{TITLE} {sheet.enterprise_name}",
        author=sheet.hall_name,
        margins=margin,
        top=margin + 4 * mm,
        on_first=head.first,
        on_later=head.later,
    )
