from __future__ import annotations

from datetime import date, datetime

from counter.model.clock import HALL_TZ
from counter.model.notice import Notice, NoticeKind, NoticeMaterial, NoticeParty, PromiseLine
from counter.ui.notice_preview import notice_text

PARTY = NoticeParty("示范科技有限公司", "统一社会信用代码", "91350100M000100Y43", "13812345678")


def notice(kind: NoticeKind, **changes: object) -> Notice:
    return Notice(
        kind=kind,
        case_number="20261127-003AB12-0001",
        hall_name="示范市政务服务中心",
        issued_at=datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ),
        applicant=PARTY,
        items=("个人独资企业设立登记",),
        clerk="李娜",
        window="3",
        **changes,  # type: ignore[arg-type]
    )


def test_identifiers_are_masked_unless_asked() -> None:
    text = notice_text(notice(NoticeKind.ACCEPTED))
    assert "913501********0Y43" in text and "138****5678" in text
    full = notice_text(notice(NoticeKind.ACCEPTED), hide_id=False, hide_phone=False)
    assert "91350100M000100Y43" in full and "13812345678" in full


def test_a_provisional_deadline_says_so() -> None:
    text = notice_text(
        notice(NoticeKind.ACCEPTED, deadline="2027-01-05 17:30", deadline_provisional=True)
    )
    assert "2027-01-05 17:30（暂定" in text


def test_a_rongque_notice_lists_each_promise() -> None:
    text = notice_text(
        notice(NoticeKind.RONGQUE, promises=(PromiseLine("劳动合同", date(2026, 11, 30)),))
    )
    assert "容缺受理" in text and "劳动合同：2026-11-30 前" in text


def test_a_refusal_gives_the_reason_the_office_and_the_remedies() -> None:
    text = notice_text(
        notice(
            NoticeKind.REJECTED,
            reason="属省级权限",
            other_office="省市场监督管理局",
            remedies="可申请行政复议或提起行政诉讼",
        )
    )
    assert "理由：属省级权限" in text and "省市场监督管理局" in text and "行政复议" in text


def test_a_supplement_notice_numbers_every_missing_material() -> None:
    missing = (NoticeMaterial("公司章程", "原件", 1), NoticeMaterial("租赁合同", "复印件", 2))
    text = notice_text(notice(NoticeKind.SUPPLEMENT, missing=missing))
    assert "1. 公司章程（原件 1 份）" in text and "2. 租赁合同（复印件 2 份）" in text
