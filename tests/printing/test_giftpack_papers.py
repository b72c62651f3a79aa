from __future__ import annotations

from dataclasses import replace

from pdf_helpers import assert_font_embedded, codes, text
from samples import CASE, PERSON_ID, PHONE

from counter.model.giftpack import (
    DEFAULT_CONTENTS,
    GiftPackLine,
    Handover,
    MailingSlip,
    SealVoucher,
)
from counter.printing.giftpack_papers import handover_pdf, mailing_slip_pdf, seal_voucher_pdf


def test_handover_form_has_one_line_per_item_with_quantity(handover: Handover) -> None:
    content = text(handover_pdf(handover))
    assert "企业开办大礼包领取确认单" in content
    for line in DEFAULT_CONTENTS:
        assert line.name in content
        assert f"{line.quantity} {line.unit}" in content
    for expected in ("已领取", "领取人签字", "示范市青禾科技有限公司", "91330100MA2XXXXX1X"):
        assert expected in content


def test_handover_form_masks_the_recipients_id(handover: Handover) -> None:
    content = text(handover_pdf(handover))
    assert "王小明（身份证号 110101********1234）" in content
    assert PERSON_ID not in content
    assert PHONE not in content


def test_handover_form_prints_a_halls_own_contents(handover: Handover) -> None:
    own = (GiftPackLine("电子营业执照开通指引", 2, "张"), GiftPackLine("社保登记回执", 1))
    content = text(handover_pdf(replace(handover, lines=own)))
    assert "电子营业执照开通指引" in content
    assert "2 张" in content
    assert "税务UKey" not in content


def test_handover_form_case_number_scans(handover: Handover) -> None:
    found = codes(handover_pdf(handover))
    assert found["Code128"] == {CASE}
    assert found["QRCode"] == {CASE}


def test_seal_voucher_lists_the_free_seals_and_validity(voucher: SealVoucher) -> None:
    pdf = seal_voucher_pdf(voucher)
    content = text(pdf)
    for expected in ("免费刻章凭证", "公章", "财务专用章", "发票专用章", "法定代表人名章"):
        assert expected in content
    assert "2026年12月27日" in content
    assert CASE in content
    assert codes(pdf)["Code128"] == {"KZ-20261127-0042"}


def test_mailing_slip_shows_address_contents_and_masked_phone(mailing: MailingSlip) -> None:
    pdf = mailing_slip_pdf(mailing)
    content = text(pdf)
    for expected in ("办件结果邮寄单", "王小明", "示范市西湖区文三路 100 号", "营业执照正本、公章"):
        assert expected in content
    assert "139****5678" not in content  # the sample phone is 138…
    assert "138****5678" in content
    assert PHONE not in content
    assert codes(pdf)["Code128"] == {CASE}


def test_gift_pack_papers_embed_the_font(
    handover: Handover, voucher: SealVoucher, mailing: MailingSlip
) -> None:
    for pdf in (handover_pdf(handover), seal_voucher_pdf(voucher), mailing_slip_pdf(mailing)):
        assert_font_embedded(pdf)
