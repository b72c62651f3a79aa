from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pdf_helpers import assert_font_embedded, codes, pages_text, text
from samples import AGENT_ID, CASE, PERSON_ID, PHONE

from counter.model.notice import Notice, NoticeKind, NoticeParty
from counter.model.notice_text import DEFAULT_REMEDIES, Masking
from counter.printing.notices import notice_pdf

NoticeOf = Callable[..., Notice]


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_notice_shows_title_case_applicant_items_clerk_and_date(
    notice_of: NoticeOf, kind: NoticeKind
) -> None:
    content = text(notice_pdf(notice_of(kind)))
    for expected in (
        kind.value,
        "示范市政务服务中心",
        CASE,
        "张三丰",
        "食品经营许可证核发",
        "李娜",
        "2026年11月27日",
        "签字",
    ):
        assert expected in content, expected


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_notice_masks_id_and_phone_by_default(notice_of: NoticeOf, kind: NoticeKind) -> None:
    content = text(notice_pdf(notice_of(kind)))
    assert "110101********1234" in content
    assert "138****5678" in content
    for full in (PERSON_ID, AGENT_ID, PHONE):
        assert full not in content


def test_unmasked_notice_prints_full_id_and_phone(notice_of: NoticeOf) -> None:
    content = text(notice_pdf(notice_of(NoticeKind.ACCEPTED), Masking.unmasked()))
    assert PERSON_ID in content
    assert AGENT_ID in content
    assert PHONE in content


def test_phone_unmasked_by_its_setting_keeps_both_id_numbers_masked(notice_of: NoticeOf) -> None:
    """Issue 27: mask_phone = false used to print the applicant's and the agent's IDs."""
    paper = Masking.on_paper(mask_id=True, mask_phone=False)
    content = text(notice_pdf(notice_of(NoticeKind.ACCEPTED), paper))
    assert PHONE in content
    assert "110101********1234" in content and "110101********2345" in content
    assert PERSON_ID not in content and AGENT_ID not in content


def test_ids_unmasked_by_their_setting_keep_the_phone_masked(notice_of: NoticeOf) -> None:
    paper = Masking.on_paper(mask_id=False, mask_phone=True)
    content = text(notice_pdf(notice_of(NoticeKind.ACCEPTED), paper))
    assert PERSON_ID in content and AGENT_ID in content
    assert "138****5678" in content and PHONE not in content


def test_enterprise_credit_code_is_printed_in_full(notice_of: NoticeOf) -> None:
    from dataclasses import replace

    notice = replace(
        notice_of(NoticeKind.ACCEPTED),
        applicant=NoticeParty("示范市青禾科技有限公司", "统一社会信用代码", "91330100MA2XXXXX1X"),
    )
    assert "91330100MA2XXXXX1X" in text(notice_pdf(notice))


@pytest.mark.parametrize("kind", [NoticeKind.ACCEPTED, NoticeKind.HANDED_OVER])
def test_case_number_scans_back_as_code128_and_qr(notice_of: NoticeOf, kind: NoticeKind) -> None:
    found = codes(notice_pdf(notice_of(kind)))
    assert found["Code128"] == {CASE}
    assert found["QRCode"] == {CASE}


def test_received_materials_listed_with_form_and_copies(notice_of: NoticeOf) -> None:
    content = text(notice_pdf(notice_of(NoticeKind.ACCEPTED)))
    assert "营业执照复印件1" in content
    assert "营业执照复印件2" in content
    assert "复印件" in content
    assert "已收取材料（共 2 项）" in content


def test_accepted_notice_marks_a_provisional_deadline(notice_of: NoticeOf) -> None:
    content = text(notice_pdf(notice_of(NoticeKind.ACCEPTED)))
    assert "承诺办结时限：2027-01-05 17:30（暂定）" in content


def test_supplement_notice_lists_every_missing_material(notice_of: NoticeOf) -> None:
    content = text(notice_pdf(notice_of(NoticeKind.SUPPLEMENT, missing=7)))
    assert "共 7 项" in content
    for n in range(1, 8):
        assert f"食品安全管理制度第{n}项" in content


def test_rejection_gives_reason_other_office_and_remedies(notice_of: NoticeOf) -> None:
    content = text(notice_pdf(notice_of(NoticeKind.REJECTED)))
    assert "不予受理的理由：该事项不属于本机关职权范围" in content
    assert "示范市市场监督管理局" in content
    assert "行政复议" in content
    assert "行政诉讼" in content


def test_rongque_notice_carries_the_applicants_promise(notice_of: NoticeOf) -> None:
    content = text(notice_pdf(notice_of(NoticeKind.RONGQUE)))
    assert "承 诺 书" in content
    assert "法定代表人身份证明" in content
    assert "2026年12月4日前" in content
    assert "承诺人（签字或盖章）" in content


def test_notice_embeds_the_bundled_font(notice_of: NoticeOf) -> None:
    assert_font_embedded(notice_pdf(notice_of(NoticeKind.SUPPLEMENT)))


def test_long_material_list_continues_on_a_second_page_with_header_repeated(
    notice_of: NoticeOf,
) -> None:
    pages = pages_text(notice_pdf(notice_of(NoticeKind.SUPPLEMENT, missing=45)))
    assert len(pages) >= 2
    assert "材料名称" in pages[1]  # the table's header row, repeated
    assert CASE in pages[1]  # the running head
    assert "（续）" in pages[1]
    content = "\n".join(pages)
    assert all(f"食品安全管理制度第{n}项" in content for n in range(1, 46))


def test_long_text_wraps_instead_of_being_cut(notice_of: NoticeOf) -> None:
    from dataclasses import replace

    reason = "申请人所申请事项依法应当由上级主管部门统一审批" * 6 + "完"
    content = text(notice_pdf(replace(notice_of(NoticeKind.REJECTED), reason=reason)))
    assert "完" in content.replace("\n", "")
    assert reason in content.replace("\n", "")


def test_same_notice_gives_the_same_bytes(notice_of: NoticeOf) -> None:
    notice: Any = notice_of(NoticeKind.ACCEPTED)
    assert notice_pdf(notice) == notice_pdf(notice)


@pytest.mark.parametrize(
    ("kind", "lines"),
    [
        (
            NoticeKind.PAUSED,
            (
                "中止（暂停计时）的原因：该事项不属于本机关职权范围",
                "自2026年11月27日起暂停计时",
                "第四十五条",
                "不计算在办理期限内",
                "暂停计时前的法定办结期限：2027-01-12 17:30（暂定）",
                "，恢复计时后按暂停的工作日数顺延",
            ),
        ),
        (
            NoticeKind.EXTENDED,
            (
                "延长期限的理由：该事项不属于本机关职权范围",
                "第四十二条第一款",
                "经本行政机关负责人批准，办理期限延长 10 个工作日",
                "批准人：张伟",
                "延长后的法定办结期限：2027-01-12 17:30（暂定）",
            ),
        ),
        (
            NoticeKind.TERMINATED,
            (
                "决定终止办理",
                "终止办理的理由：该事项不属于本机关职权范围",
                "尚未补齐的容缺材料：法定代表人身份证明（承诺2026年12月4日前补齐）",
            ),
        ),
    ],
)
def test_pause_extension_and_termination_notices_give_reason_deadline_and_remedies(
    notice_of: NoticeOf, kind: NoticeKind, lines: tuple[str, ...]
) -> None:
    content = text(notice_pdf(notice_of(kind))).replace("\n", "")
    for line in (*lines, DEFAULT_REMEDIES):
        assert line in content, line
    assert "已收取材料" not in content and "承诺办结时限" not in content


@pytest.mark.parametrize("kind", [NoticeKind.REJECTED, NoticeKind.NO_LICENCE_NEEDED])
def test_refusals_list_the_materials_returned_and_the_remedies(
    notice_of: NoticeOf, kind: NoticeKind
) -> None:
    content = text(notice_pdf(notice_of(kind)))
    assert "退还申请材料（共 2 项）" in content and "营业执照复印件1" in content
    assert "已收取" not in content
    assert DEFAULT_REMEDIES in content.replace("\n", "")
