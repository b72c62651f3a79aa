"""The preview shows the words the PDF prints (issue 26), masked as the screen settings say."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from counter.model.notice import Notice, NoticeKind, NoticeParty
from counter.model.notice_text import Masking, notice_paragraphs
from counter.printing.notices import notice_pdf
from counter.ui.notice_preview import NoticePreview
from tests.printing.pdf_helpers import pages_text
from tests.printing.samples import AGENT_ID, PERSON_ID, PHONE, make_notice

USCC = "91350100M000100Y43"
#: U+FFFC stands for an image (the 好差评 QR code) in a document's text; it has no words.
IMAGE = "\ufffc"


def squeeze(text: str) -> str:
    """Whitespace and line wrapping are layout; the words are what must agree."""
    return "".join(text.replace(IMAGE, "").split())


def preview_paragraphs(preview: NoticePreview) -> list[str]:
    """Each paragraph and table cell of the preview, as shown, in reading order."""
    out = []
    block = preview.document().begin()
    while block.isValid():
        if text := squeeze(block.text()):
            out.append(text)
        block = block.next()
    return out


def pdf_words(pdf: bytes, notice: Notice) -> str:
    """The PDF's text layer without what each page adds: its number and running head."""
    head, number = f"{notice.hall_name}  {notice.title}（续）", f"编号：{notice.case_number}"
    furniture = {squeeze(head), squeeze(number), squeeze(head + number)}  # one line or two
    kept = [
        line
        for n, page in enumerate(pages_text(pdf), start=1)
        for line in page.splitlines()
        if line.strip() != f"第 {n} 页" and not (n > 1 and squeeze(line) in furniture)
    ]
    return squeeze("\n".join(kept))


def cut(words: str, like: list[str]) -> list[str]:
    """``words`` cut into pieces as long as each paragraph of ``like``, then the rest."""
    pieces, start = [], 0
    for paragraph in like:
        pieces.append(words[start : start + len(paragraph)])
        start += len(paragraph)
    return pieces + ([words[start:]] if words[start:] else [])


def every_line(notice: Notice) -> Notice:
    """A notice with the lines only some notices carry: sub-cases, remedies, 好差评."""
    return replace(
        notice,
        extra_lines=("20261127-1A7-0042-01 食品经营许可证核发：承诺 2026-12-10 17:30 前办结",),
        remedies="申请人如对本决定不服，可以依法申请行政复议或者提起行政诉讼。",
        rating_url="https://hcp.example.org/rate?no=20261127-1A7-0042",
    )


@pytest.fixture
def preview(qtbot: QtBot) -> NoticePreview:
    widget = NoticePreview()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    return widget


@pytest.mark.parametrize("lines", ["as_issued", "every_line"])
@pytest.mark.parametrize("kind", list(NoticeKind))
def test_the_preview_shows_the_pdfs_words_paragraph_for_paragraph(
    preview: NoticePreview, now: datetime, kind: NoticeKind, lines: str
) -> None:
    notice = make_notice(kind, now)
    if lines == "every_line":
        notice = every_line(notice)
    preview.show_notice(notice)  # masked, as both settings are by default
    shown = preview_paragraphs(preview)
    printed = pdf_words(notice_pdf(notice), notice)  # masked, as paper is by default
    assert cut(printed, shown) == shown
    assert shown == [squeeze(x) for x in notice_paragraphs(notice).lines() if squeeze(x)]


def test_the_acceptance_preview_states_article_32_the_agent_and_the_time_limit(
    preview: NoticePreview, now: datetime
) -> None:
    preview.show_notice(make_notice(NoticeKind.ACCEPTED, now))
    text = preview.toPlainText()
    assert "《中华人民共和国行政许可法》第三十二条第一款第（五）项" in text
    assert "代理人：李四" in text and "代办人" not in text
    assert "承诺办结时限：2027-01-05 17:30（暂定）" in text


def test_ids_and_phones_are_masked_on_screen_unless_each_setting_is_off(
    preview: NoticePreview, now: datetime
) -> None:
    notice = make_notice(NoticeKind.ACCEPTED, now)
    preview.show_notice(notice)
    text = preview.toPlainText()
    assert "110101********1234" in text and "138****5678" in text
    assert PERSON_ID not in text and AGENT_ID not in text and PHONE not in text
    preview.show_notice(notice, hide_id=False, hide_phone=True)
    text = preview.toPlainText()
    assert PERSON_ID in text and AGENT_ID in text and "138****5678" in text
    preview.show_notice(notice, hide_id=True, hide_phone=False)
    assert PHONE in preview.toPlainText() and PERSON_ID not in preview.toPlainText()


def test_a_credit_code_is_masked_on_screen_with_mask_id(
    preview: NoticePreview, now: datetime
) -> None:
    company = NoticeParty("示范科技有限公司", "统一社会信用代码", USCC, PHONE)
    preview.show_notice(replace(make_notice(NoticeKind.ACCEPTED, now), applicant=company))
    assert "913501********0Y43" in preview.toPlainText()


def test_the_handover_preview_shows_the_rating_qr_beside_its_words(
    preview: NoticePreview, now: datetime
) -> None:
    notice = every_line(make_notice(NoticeKind.HANDED_OVER, now))
    preview.show_notice(notice)
    assert "请您对本次服务进行评价（好差评）" in preview.toPlainText()
    assert IMAGE in preview.toPlainText()  # the QR code, loaded as the document's image


def test_a_plain_message_replaces_the_notice(preview: NoticePreview, now: datetime) -> None:
    preview.show_notice(make_notice(NoticeKind.ACCEPTED, now))
    preview.setPlainText("已存为预审草稿，尚未出具通知书。")
    assert preview.toPlainText() == "已存为预审草稿，尚未出具通知书。"


def test_the_paper_and_screen_masking_rules_stay_apart() -> None:
    """Both follow mask_id and mask_phone each for its own field; paper prints credit codes."""
    assert Masking.on_paper() == Masking(id_number=True, phone=True, credit_code=False)
    assert Masking.on_screen() == Masking(id_number=True, phone=True, credit_code=True)
    assert Masking.on_paper(mask_phone=False) == Masking(id_number=True, phone=False)
    assert Masking.on_paper(mask_id=False) == Masking(id_number=False, phone=True)


@pytest.mark.parametrize(
    ("hide_id", "hide_phone"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_the_preview_and_the_paper_mask_alike_for_every_setting(
    preview: NoticePreview, now: datetime, hide_id: bool, hide_phone: bool
) -> None:
    """Issue 27: the screen honoured each setting while paper folded them into one."""
    notice = make_notice(NoticeKind.ACCEPTED, now)
    preview.show_notice(notice, hide_id=hide_id, hide_phone=hide_phone)
    shown = preview_paragraphs(preview)
    paper = Masking.on_paper(mask_id=hide_id, mask_phone=hide_phone)
    assert cut(pdf_words(notice_pdf(notice, paper), notice), shown) == shown
