"""The one wording of each notice (issue 26): legal basis, party names, deadlines, masking."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from counter.model.clock import HALL_TZ
from counter.model.notice import Notice, NoticeKind, NoticeMaterial, NoticeParty, PromiseLine
from counter.model.notice_text import (
    DEFAULT_REMEDIES,
    Grid,
    Masking,
    Signatures,
    Spaced,
    notice_paragraphs,
)

PERSON_ID = "110101199003071234"
AGENT_ID = "110101198501012345"
PHONE = "13812345678"
USCC = "91350100M000100Y43"


def notice(kind: NoticeKind, **changes: object) -> Notice:
    base = Notice(
        kind=kind,
        case_number="20261127-1A7-0042",
        hall_name="示范市政务服务中心",
        issued_at=datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ),
        applicant=NoticeParty("张三丰", "居民身份证", PERSON_ID, PHONE, "李四", AGENT_ID),
        items=("食品经营许可证核发",),
        clerk="李娜",
        window="3",
        received=(NoticeMaterial("营业执照", "复印件", 2, "已核验原件"),),
        missing=(NoticeMaterial("公司章程", "原件", 1), NoticeMaterial("租赁合同", "复印件", 2)),
        promises=(PromiseLine("法定代表人身份证明", date(2026, 12, 4)),),
        deadline="2026-12-25 17:30",
        reason="该事项不属于本机关职权范围",
        other_office="示范市市场监督管理局",
        contact="0571-12345678",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def words(n: Notice, masking: Masking | None = None) -> str:
    return "\n".join(notice_paragraphs(n, masking).lines())


@pytest.mark.parametrize(
    ("kind", "clause"),
    [
        (NoticeKind.ACCEPTED, "第三十二条第一款第（五）项"),
        (NoticeKind.SUPPLEMENT, "第三十二条第一款第（四）项"),
        (NoticeKind.REJECTED, "第三十二条第一款的规定"),
        (NoticeKind.NO_LICENCE_NEEDED, "第三十二条第一款第（一）项"),
    ],
)
def test_each_intake_decision_states_its_article_32_basis(kind: NoticeKind, clause: str) -> None:
    assert f"《中华人民共和国行政许可法》{clause}" in words(notice(kind))


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_the_agent_is_named_as_daili_ren_never_daiban_ren(kind: NoticeKind) -> None:
    text = words(notice(kind))
    assert "代理人：李四（身份证号 110101********2345）" in text
    assert "代办人" not in text


def test_the_promised_deadline_is_worded_as_a_time_limit_and_marked_when_provisional() -> None:
    assert "承诺办结时限：2026-12-25 17:30" in words(notice(NoticeKind.ACCEPTED))
    provisional = words(notice(NoticeKind.ACCEPTED, deadline_provisional=True))
    assert "承诺办结时限：2026-12-25 17:30（暂定）" in provisional
    assert "公布后按实际工作日重新计算" in provisional
    assert "承诺办结时间" not in provisional


@pytest.mark.parametrize(
    "kind", [k for k in NoticeKind if k not in (NoticeKind.ACCEPTED, NoticeKind.RONGQUE)]
)
def test_only_acceptances_carry_a_promised_deadline(kind: NoticeKind) -> None:
    assert "承诺办结时限" not in words(notice(kind))


def test_paper_masks_id_and_phone_unless_unmasked() -> None:
    masked = words(notice(NoticeKind.ACCEPTED), Masking.on_paper())
    assert "居民身份证：110101********1234" in masked and "联系电话：138****5678" in masked
    assert PERSON_ID not in masked and AGENT_ID not in masked and PHONE not in masked
    full = words(notice(NoticeKind.ACCEPTED), Masking.unmasked())
    assert PERSON_ID in full and AGENT_ID in full and PHONE in full


def test_paper_masks_ids_and_phones_each_by_its_own_setting() -> None:
    """Issue 27: turning phone masking off printed full ID numbers."""
    phone_shown = words(notice(NoticeKind.ACCEPTED), Masking.on_paper(mask_phone=False))
    assert PHONE in phone_shown
    assert PERSON_ID not in phone_shown and AGENT_ID not in phone_shown
    assert "代理人：李四（身份证号 110101********2345）" in phone_shown
    ids_shown = words(notice(NoticeKind.ACCEPTED), Masking.on_paper(mask_id=False))
    assert PERSON_ID in ids_shown and AGENT_ID in ids_shown
    assert "联系电话：138****5678" in ids_shown and PHONE not in ids_shown


def test_what_a_masking_shows_in_full_is_named_for_the_log() -> None:
    person = notice(NoticeKind.ACCEPTED)
    assert Masking.on_paper().shown_in_full(person) == ()
    assert Masking.on_paper(mask_phone=False).shown_in_full(person) == ("手机号",)
    assert Masking.on_paper(mask_id=False).shown_in_full(person) == ("证件号",)
    assert Masking.unmasked().shown_in_full(person) == ("证件号", "手机号")
    party = NoticeParty("示范科技有限公司", "统一社会信用代码", USCC)
    company = notice(NoticeKind.ACCEPTED, applicant=party)
    assert Masking.unmasked().shown_in_full(company) == ()  # a credit code is public
    with_agent = replace(party, agent_name="李四", agent_id_number=AGENT_ID)
    agent = notice(NoticeKind.ACCEPTED, applicant=with_agent)
    assert Masking.on_paper(mask_id=False).shown_in_full(agent) == ("证件号",)
    collected = notice(NoticeKind.HANDED_OVER, applicant=party, recipient_id_number=AGENT_ID)
    assert Masking.on_paper(mask_id=False).shown_in_full(collected) == ("证件号",)


def test_paper_prints_a_credit_code_in_full_and_the_screen_masks_it_with_mask_id() -> None:
    company = notice(
        NoticeKind.ACCEPTED, applicant=NoticeParty("示范科技有限公司", "统一社会信用代码", USCC)
    )
    assert f"统一社会信用代码：{USCC}" in words(company, Masking.on_paper())
    assert "统一社会信用代码：913501********0Y43" in words(company, Masking.on_screen())
    assert USCC in words(company, Masking.on_screen(hide_id=False))


def test_screen_masks_ids_and_phones_each_by_its_own_setting() -> None:
    ids_shown = words(notice(NoticeKind.ACCEPTED), Masking.on_screen(hide_id=False))
    assert PERSON_ID in ids_shown and AGENT_ID in ids_shown and "138****5678" in ids_shown
    phone_shown = words(notice(NoticeKind.ACCEPTED), Masking.on_screen(hide_phone=False))
    assert PHONE in phone_shown and "110101********1234" in phone_shown


def test_a_one_time_notice_numbers_every_missing_material_with_what_is_required() -> None:
    n = notice(NoticeKind.SUPPLEMENT)
    grid = next(b for b in notice_paragraphs(n).blocks if isinstance(b, Grid))
    assert grid.rows == (("1", "公司章程", "原件；1 份"), ("2", "租赁合同", "复印件；2 份"))
    text = words(n)
    assert "（共 2 项）" in text and "本次已收取材料 1 项，补正时无需重复提交。" in text


def test_a_refusal_gives_reason_office_and_default_remedies() -> None:
    text = words(notice(NoticeKind.REJECTED))
    assert "不予受理的理由：该事项不属于本机关职权范围" in text
    assert "该申请事项请向示范市市场监督管理局提出。" in text
    assert DEFAULT_REMEDIES in text


def test_a_no_licence_notice_keeps_the_remedies_intake_gives_it() -> None:
    text = words(notice(NoticeKind.NO_LICENCE_NEEDED, remedies="可以依法申请行政复议"))
    assert "依据和说明：该事项不属于本机关职权范围" in text
    assert "可以依法申请行政复议" in text


def test_a_no_licence_notice_always_states_the_remedies() -> None:
    assert DEFAULT_REMEDIES in words(notice(NoticeKind.NO_LICENCE_NEEDED))


@pytest.mark.parametrize("kind", [NoticeKind.REJECTED, NoticeKind.NO_LICENCE_NEEDED])
def test_a_refusal_lists_the_materials_handed_back_never_as_received(kind: NoticeKind) -> None:
    text = words(notice(kind))
    assert "退还申请材料（共 1 项）：\n序号" in text and "营业执照" in text
    assert "已收取" not in text


@pytest.mark.parametrize("kind", [NoticeKind.PAUSED, NoticeKind.EXTENDED, NoticeKind.TERMINATED])
def test_a_notice_about_a_case_in_hand_gives_its_reason_and_the_remedies(kind: NoticeKind) -> None:
    text = words(notice(kind, legal_deadline="2027-01-12 17:30", approver="张伟"))
    assert "该事项不属于本机关职权范围" in text and DEFAULT_REMEDIES in text
    assert "已收取" not in text and "退还" not in text  # no list of materials
    if kind is not NoticeKind.TERMINATED:
        assert "法定办结期限：2027-01-12 17:30" in text


def test_a_pause_notice_says_the_clock_stops_from_the_day_it_stopped() -> None:
    text = words(notice(NoticeKind.PAUSED, paused_since=date(2026, 11, 30)))
    assert "自2026年11月30日起暂停计时" in text
    assert "第四十五条" in text and "不计算在办理期限内" in text


def test_an_extension_notice_names_who_approved_it_and_by_how_many_days() -> None:
    text = words(notice(NoticeKind.EXTENDED, extension_days=10, approver="张伟"))
    assert "第四十二条第一款" in text and "延长 10 个工作日" in text
    assert "批准人：张伟" in text


def test_a_rongque_notice_carries_the_promise_with_each_due_day() -> None:
    text = words(notice(NoticeKind.RONGQUE))
    assert "决定予以容缺受理" in text and "承 诺 书" in text
    assert "法定代表人身份证明\n2026年12月4日前" in text
    assert "承诺人（签字或盖章）" in text


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_notice_ends_with_window_clerk_and_the_place_to_sign_and_seal(
    kind: NoticeKind,
) -> None:
    blocks = notice_paragraphs(notice(kind)).blocks
    assert blocks[-2] == Spaced(("窗口：3 号", "经办人：李娜", "咨询电话：0571-12345678"))
    sign = blocks[-1]
    assert isinstance(sign, Signatures)
    who = "领取人" if kind is NoticeKind.HANDED_OVER else "申请人（代理人）"
    assert sign.signer[0] == f"{who}签字："
    seal = {NoticeKind.COMPLETED: "（政务服务中心章）", NoticeKind.HANDED_OVER: ""}
    assert sign.seal == (seal.get(kind, "（受理专用章）"), "", "2026年11月27日")


def test_the_heading_is_the_case_number_then_hall_and_title() -> None:
    text = notice_paragraphs(notice(NoticeKind.COMPLETED))
    assert text.lines()[:3] == ("编号：20261127-1A7-0042", "示范市政务服务中心", "办结通知书")


def test_an_acceptance_corrected_on_the_spot_states_the_correction_after_the_decision() -> None:
    text = words(notice(NoticeKind.ACCEPTED, correction="申请书住所门牌号笔误"))
    assert "第（三）项的规定，已由申请人当场更正。更正内容：申请书住所门牌号笔误。" in text
    assert text.index("决定予以受理") < text.index("更正内容") < text.index("承诺办结时限")
    assert "更正内容：" not in words(notice(NoticeKind.ACCEPTED))
