"""Issue 29, point 4: notices that look and read like official documents (GB/T 9704)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from pdf_helpers import fonts, pages_text

from counter.model.notice import NoticeKind
from counter.printing.notices import notice_pdf
from tests.printing.sample_documents import MATERIALS, notice


def test_the_acceptance_notice_has_its_decision_and_deadline_on_page_one() -> None:
    pages = pages_text(notice_pdf(notice(NoticeKind.ACCEPTED)))
    first = pages[0].replace("\n", "")
    assert "决定予以受理" in first
    assert "承诺办结时限：2027-01-05 17:30（暂定）" in first


def test_exempt_materials_are_not_counted_as_received() -> None:
    content = "".join(pages_text(notice_pdf(notice(NoticeKind.ACCEPTED)))).replace("\n", "")
    taken = sum(1 for m in MATERIALS if m.form != "免提交")
    assert taken == 16
    assert f"已收取材料（共 {taken} 项）" in content
    assert "已收取材料（共 19 项）" not in content
    assert "以下 3 项材料经共享数据核验，免于提交" in content


@pytest.mark.parametrize("kind", [NoticeKind.COMPLETED, NoticeKind.HANDED_OVER])
def test_completion_and_handover_fit_one_page_without_materials_promises_or_intake_seal(
    kind: NoticeKind,
) -> None:
    from dataclasses import replace

    done = replace(
        notice(kind),
        extra_lines=("20261127-1A7-0042-1 食品经营许可：承诺 2027-01-05 17:30 前办结",),
    )
    pages = pages_text(notice_pdf(done))
    assert len(pages) == 1
    content = pages[0].replace("\n", "")
    assert "食品经营许可申请书" not in content
    assert "前办结" not in content
    assert "受理专用章" not in content


def test_body_is_set_in_song_and_headings_in_heiti() -> None:
    names = {str(f["base"]).split("+")[-1] for f in fonts(notice_pdf(notice(NoticeKind.ACCEPTED)))}
    assert any(n.startswith("UMingCN") for n in names), names
    assert any(n.startswith("WenQuanYi") for n in names), names


@pytest.mark.parametrize("kind", [NoticeKind.ACCEPTED, NoticeKind.COMPLETED])
def test_the_title_is_centred_on_the_page(kind: NoticeKind) -> None:
    pdf = notice_pdf(notice(kind))
    page = pdfium.PdfDocument(io.BytesIO(pdf))[0]
    textpage = page.get_textpage()
    title = kind.value
    found = textpage.search(title)
    hit = found.get_next()
    assert hit is not None
    start, count = hit
    left = textpage.get_charbox(start)[0]
    right = textpage.get_charbox(start + count - 1)[2]
    centre = (left + right) / 2
    assert abs(centre - page.get_width() / 2) < 3, (centre, page.get_width() / 2)


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_the_signature_and_seal_never_stand_alone_on_a_page(kind: NoticeKind) -> None:
    """A 受理通知书 of 19 materials put the signature and seal by themselves on page 2;
    they now go with the window and clerk line they close, wherever the page breaks."""
    pages = [page.replace("\n", "") for page in pages_text(notice_pdf(notice(kind)))]
    signed = [n for n, page in enumerate(pages) if "签字" in page]
    assert signed, pages
    for n in signed:
        assert "经办人：李娜" in pages[n], (n, pages[n])


def test_the_nineteen_material_acceptance_ends_with_more_than_its_signature() -> None:
    pages = [page.replace("\n", "") for page in pages_text(notice_pdf(notice(NoticeKind.ACCEPTED)))]
    assert len(MATERIALS) == 19
    assert "窗口：3 号" in pages[-1] and "申请人（代理人）签字" in pages[-1]
    assert "（受理专用章）" in pages[-1]
