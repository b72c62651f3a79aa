"""Issue 29, point 4: no printed line starts with closing punctuation (避头尾).

reportlab's CJK wrapping knew 。、」 but not ，：；！？》, so 8 of 18 documents had lines
starting with ，or 》. Every document is read back line by line from its text layer with
positions (pdfium), with ordinary and with rare-character names (they move the breaks).
"""

from __future__ import annotations

import pytest
from pdf_helpers import lines

from counter.printing.layout import NO_LINE_END, NO_LINE_START, p, style
from tests.printing.sample_documents import every_document

CLOSING = "，。、；：？！）》〉」』】〕］｝”’…"


def bad_lines(pdf: bytes) -> list[str]:
    return [
        line
        for page in lines(pdf)
        for line in page
        if line[0] in CLOSING or (len(line) > 1 and line[-1] in "（《〈「『【〔［｛“‘")
    ]


@pytest.mark.parametrize("rare", [False, True], ids=["plain", "rare-names"])
def test_no_line_of_any_document_starts_with_closing_punctuation(rare: bool) -> None:
    found = {
        name: bad
        for name, pdf in every_document(rare=rare, report=not rare)
        if (bad := bad_lines(pdf))
    }
    assert not found, found


def printed_lines(para: object) -> list[str]:
    """The text of each line reportlab made of a wrapped paragraph (either kind)."""
    out = []
    for line in para.blPara.lines:  # type: ignore[attr-defined]
        if isinstance(line, tuple):  # one run: (extra space, [text])
            out.append("".join(line[1]))
        else:  # several runs: a line of per-character frags
            out.append("".join(str(w.text) for w in line.words))
    return out


SAMPLE = (
    "申请人（代理人）提出的“食品经营许可证核发”申请，经审查，"
    "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理。"
)


@pytest.mark.parametrize("rare", [False, True], ids=["one-run", "several-runs"])
@pytest.mark.parametrize("width", [60 + 7 * n for n in range(20)])
def test_a_paragraph_never_breaks_before_a_closing_mark_at_any_width(
    width: int, rare: bool
) -> None:
    """Runs of closing marks (）。 and ”，) are carried over together with a character;
    an opening mark (“《（) never ends a line."""
    text = ("王䶮" if rare else "王五") + SAMPLE
    para = p(text, style(10.5))
    para.wrap(width, 1000)
    printed = printed_lines(para)
    assert "".join(printed) == text
    for line in printed:
        assert line[0] not in NO_LINE_START, printed
        assert line[-1] not in NO_LINE_END, printed
