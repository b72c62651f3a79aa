"""Sample domain data for the printing tests (full IDs, to check they are masked)."""

from __future__ import annotations

from datetime import date, datetime

from counter.model.notice import Notice, NoticeKind, NoticeMaterial, NoticeParty, PromiseLine

PERSON_ID = "110101199003071234"
AGENT_ID = "110101198501012345"
PHONE = "13812345678"
CASE = "20261127-1A7-0042"


def make_notice(kind: NoticeKind, now: datetime, *, received: int = 2, missing: int = 3) -> Notice:
    return Notice(
        kind=kind,
        case_number=CASE,
        hall_name="示范市政务服务中心",
        issued_at=now,
        applicant=NoticeParty("张三丰", "居民身份证", PERSON_ID, PHONE, "李四", AGENT_ID),
        items=("食品经营许可证核发",),
        clerk="李娜",
        window="3",
        received=tuple(
            NoticeMaterial(f"营业执照复印件{n}", "复印件", 2, "已核验原件")
            for n in range(1, received + 1)
        ),
        missing=tuple(
            NoticeMaterial(f"食品安全管理制度第{n}项", "原件", 1) for n in range(1, missing + 1)
        ),
        promises=(PromiseLine("法定代表人身份证明", date(2026, 12, 4)),),
        deadline="2027-01-05 17:30",
        deadline_provisional=True,
        reason="该事项不属于本机关职权范围",
        other_office="示范市市场监督管理局",
        contact="0571-12345678",
        legal_deadline="2027-01-12 17:30",  # 中止: before the pause; 延期: after the extension
        paused_since=date(2026, 11, 27),
        extension_days=10,
        approver="张伟",
    )


#: Names with characters outside GBK, one or more from each CJK block the font chain
#: covers (GB 18030-2022 makes them mandatory). Where a character is known from a real
#: name or place, that is noted; the others stand for their block.
RARE_NAMES = (
    "刘䶮",  # Ext A U+4DAE: 刘䶮, founder of the Southern Han; given names since (BabelStone)
    "林㚞",  # Ext A U+369E: drawn by HanaMinA only
    "王𠮷",  # Ext B U+20BB7: the 吉 of surnames written with the longer lower stroke
    "吴𠁪",  # Ext B U+2006A: drawn by HanaMinB only
    "周𫖮",  # Ext C U+2B5AE: 顗 simplified, as in 周𫖮 of the Jin dynasty
    "陈𫟼",  # Ext D U+2B7FC
    "李𬭛",  # Ext E U+2CB5B
    "赵𬻔",  # Ext F U+2CED4: drawn by HanaMinB only
    "孙𱍐",  # Ext H U+31350 (BabelStone)
    "黄鿓",  # U+9FD3: URO, Unicode 8 (通用规范汉字表), missing from WenQuanYi
)
#: A place name with an Ext G character: 𰻞𰻞面 (Shaanxi) in a shop's name.
RARE_PLACE = "示范市𰻞𰻞面馆"
