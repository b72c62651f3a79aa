"""Render every kind of printed document to PNG at 150 dpi in docs/documents/.

Run ``.venv/bin/python scripts/documents.py`` after a change to counter/printing: the
PNGs are how a reviewer sees the papers without printing them (issue 29), and the
README beside them lists what each one is. The documents come from the same sample
data as the line-breaking test (tests/printing/sample_documents.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "documents"
DPI = 150

#: What each file shows, for the README.
TITLES = {
    "notice-accepted": "受理通知书（19 项材料，其中 3 项共享数据免提交）",
    "notice-supplement": "一次性告知书（补正材料）",
    "notice-rejected": "不予受理通知书",
    "notice-no_licence_needed": "不需行政许可告知书",
    "notice-rongque": "容缺受理通知书（含承诺书）",
    "notice-paused": "中止（暂停计时）通知书",
    "notice-extended": "延期通知书",
    "notice-terminated": "终止办理通知书",
    "notice-completed": "办结通知书（A5，一页）",
    "notice-handed_over": "出件回执（A5，一页，好差评二维码）",
    "giftpack-handover": "企业开办大礼包领取确认单",
    "giftpack-seal-voucher": "免费刻章凭证",
    "giftpack-mailing-slip": "办件结果邮寄单",
    "prepare-list": "预审材料一次性告知清单",
    "ticket-80mm": "取号票（80 mm 热敏纸，PDF 版式）",
    "ticket-58mm": "取号票（58 mm 热敏纸，PDF 版式）",
    "monthly-report": "政务服务统计月报",
}


def main() -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "printing")]
    import pypdfium2 as pdfium

    from tests.printing.sample_documents import every_document

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    rows = []
    for name, pdf in every_document():
        document = pdfium.PdfDocument(pdf)
        files = []
        for n, page in enumerate(document, start=1):
            suffix = "" if len(document) == 1 else f"-p{n}"
            path = OUT / f"{name}{suffix}.png"
            page.render(scale=DPI / 72).to_pil().save(path, optimize=True)
            files.append(path.name)
        rows.append(f"| {TITLES.get(name, name)} | {', '.join(f'[{f}]({f})' for f in files)} |")
        print(name, len(document), "page(s)")
    (OUT / "README.md").write_text(
        "# Printed documents\n\n"
        f"Every kind of document the hall prints, rendered from sample data at {DPI} dpi by\n"
        "`scripts/documents.py` (run it again after a change to `counter/printing/`).\n\n"
        "| Document | Pages |\n|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
